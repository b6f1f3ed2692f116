"""The margins dashboard JSON API: GET /api/margins (JSON or CSV) and GET /api/margins/<customer>."""

from __future__ import annotations

import orjson
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.decorators import api_view, content_negotiation_class, permission_classes
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from margins import exports
from margins.calculations import InvalidPeriod, Month
from margins.selectors import margin_customer_detail, month_of, ranked_margin_table
from margint.errors import NotFound, ValidationFailed
from margint.permissions import PRO_VIEWER, actor_of

FORMATS = ("json", "csv")


class QueryFormatIsOurs(DefaultContentNegotiation):
    """`?format=csv` is this API's parameter, not a DRF renderer switch; errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def period_param(request: Request) -> Month:
    """`period` as YYYY-MM, by default the current UTC month; anything else is a 400."""
    text = request.query_params.get("period")
    if text is None:
        return month_of(timezone.now())
    try:
        return Month.parse(text)
    except InvalidPeriod:
        raise ValidationFailed(
            "period must be a calendar month written YYYY-MM, for example 2026-04.",
            {"field": "period", "value": text},
        )


def format_param(request: Request) -> str:
    value = request.query_params.get("format", "json")
    if value not in FORMATS:
        raise ValidationFailed("format must be json or csv.", {"field": "format", "value": value})
    return value


@api_view(["GET"])
@permission_classes(PRO_VIEWER)
@content_negotiation_class(QueryFormatIsOurs)
def margins_table(request: Request) -> HttpResponse:
    """The month's table computed on each request (margins/selectors/table.py), encoded once: the
    JSON writes every row from its figures, the CSV needs no more than them."""
    org = actor_of(request).org
    period, fmt, now = period_param(request), format_param(request), timezone.now()
    if fmt == "csv":  # the CSV's columns need no sparkline nor projection: the rows stay ranked
        report = ranked_margin_table(org=org, period=period, as_of=now, with_sync=False)
        text = exports.rows_csv(report.table.rows, org.reporting_currency)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exports.csv_filename(period)}"'
        return response
    report = ranked_margin_table(org=org, period=period, as_of=now)
    body = {
        "summary": exports.with_sync(exports.summary_json(report), report.sync),
        "customers": exports.ranked_rows_json(report.table),
    }
    return HttpResponse(orjson.dumps({"data": body}), content_type="application/json")


@api_view(["GET"])
@permission_classes(PRO_VIEWER)
@content_negotiation_class(QueryFormatIsOurs)
def margin_customer(request: Request, customer: str) -> Response:
    detail = margin_customer_detail(
        org=actor_of(request).org, tag_value=customer, period=period_param(request), as_of=timezone.now()
    )
    if detail is None:
        raise NotFound("No customer mapping with this tag value.", {"tagValue": customer})
    return Response({"data": exports.detail_json(detail)})
