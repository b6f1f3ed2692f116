from __future__ import annotations

from django.apps import AppConfig


class MarginsConfig(AppConfig):
    name = "margins"
