"""When the next scheduled sync runs, read from its beat entry (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.conf import settings

BEAT_ENTRY = "billing-revenue-sync"


def next_scheduled_sync(now: datetime) -> datetime:
    """The first time after `now` at which the revenue-sync crontab fires (every day, UTC)."""
    schedule = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["schedule"]
    today = now.astimezone(UTC).date()
    times = sorted(time(hour, minute) for hour in schedule.hour for minute in schedule.minute)
    for day in (today, today + timedelta(days=1)):
        for moment in times:
            candidate = datetime.combine(day, moment, tzinfo=UTC)
            if candidate > now:
                return candidate
    raise ValueError(f"the beat entry {BEAT_ENTRY} fires on no hour")  # an empty crontab
