"""The JSON parser of every DRF endpoint: limits on size (413), encoding and depth (400)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from margint import jsonbody
from margint.errors import ApiError


def body_too_large() -> ApiError:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return ApiError(
        413, "payload_too_large", f"The request body is larger than {limit} bytes.", {"maxBytes": limit}
    )


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise body_too_large()
        try:
            return jsonbody.loads(body)
        except jsonbody.BodyNotJson as exc:
            raise ParseError(str(exc))
