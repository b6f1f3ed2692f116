from __future__ import annotations

from django.urls import path

from publicapi import views

urlpatterns: list = [
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path("settings/api-keys/<uuid:key_id>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
]
