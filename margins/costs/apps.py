from __future__ import annotations

from django.apps import AppConfig


class CostsConfig(AppConfig):
    """Cost events, one of the two fact sources: ingestion, pricing, rollups and cost reads.

    A nested app of margins so the boundary is visible: it imports only the core, never billing
    (the other fact source) nor anything above it.
    """

    name = "margins.costs"
    label = "costs"
