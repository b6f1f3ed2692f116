from __future__ import annotations

from celery import shared_task
from django.db import connection

from margint.health import beat_heartbeat_record


@shared_task
def ping() -> str:
    """Round-trip check used by operators and the broker test: the worker reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return "pong" if cursor.fetchone()[0] == 1 else "db-mismatch"


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled every minute by beat: /readyz reads the time it stores."""
    beat_heartbeat_record()
