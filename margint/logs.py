"""Log records carry the id of the request being served; in production they are JSON lines.

RequestIdMiddleware sets the id in a context variable for the length of the request;
RequestIdFilter copies it onto every record (None outside a request, "-" in the plain format's
place), so a JSON line can be joined with the X-Request-Id the caller received. LOG_FORMAT=json
(the default when DEBUG is off) renders records with python-json-logger.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def logging_config(*, json: bool, level: str) -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"]}
        },
        "root": {"handlers": ["console"], "level": level},
        # The stripe library logs every request at INFO; its errors reach Margint as exceptions.
        "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
    }
