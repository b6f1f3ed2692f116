from __future__ import annotations

from django.apps import AppConfig


class MargintConfig(AppConfig):
    name = "margint"
    verbose_name = "Margint"
