from __future__ import annotations

from django.apps import AppConfig


class PublicapiConfig(AppConfig):
    name = "publicapi"

    def ready(self) -> None:
        # Registers the API key scheme with drf-spectacular.
        from publicapi import schema  # noqa: F401
