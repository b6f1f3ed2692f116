"""GET /api/v1/docs: the OpenAPI document as one readable page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from publicapi.schema import docs_context


def docs_page(request: HttpRequest) -> HttpResponse:
    return render(request, "publicapi/docs.html", docs_context())
