"""The Celery app. Tasks are discovered in each app's tasks.py; beat's schedule lives in settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "margint.settings")

app = Celery("margint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
