from __future__ import annotations

from django.apps import AppConfig


class PublicapiConfig(AppConfig):
    name = "publicapi"
