from __future__ import annotations

from django.urls import path

from publicapi import events_api

urlpatterns: list = [
    path("api/v1/events", events_api.EventsIngestView.as_view(), name="api-v1-events"),
    path("api/v1/events/unpriced", events_api.UnpricedModelsView.as_view(), name="api-v1-events-unpriced"),
]
