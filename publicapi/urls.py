from __future__ import annotations

from django.urls import path

from publicapi import events_api, views

urlpatterns: list = [
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/api-keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
    path("api/v1/events", events_api.EventsIngestView.as_view(), name="api-v1-events"),
    path("api/v1/events/unpriced", events_api.UnpricedModelsView.as_view(), name="api-v1-events-unpriced"),
]
