from __future__ import annotations

from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "mappings"
