"""GET /api/v1/openapi.json: the public API's OpenAPI document (built in publicapi/schema.py)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny


class OpenApiDocumentView(SpectacularJSONAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
