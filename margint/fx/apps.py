from __future__ import annotations

from django.apps import AppConfig


class FxConfig(AppConfig):
    name = "margint.fx"
    label = "fx"
    verbose_name = "Exchange rates"
    default_auto_field = "django.db.models.BigAutoField"
