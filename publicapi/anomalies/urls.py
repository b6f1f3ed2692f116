from __future__ import annotations

from django.urls import path

from publicapi.anomalies import views

urlpatterns = [
    path("settings/anomalies/", views.anomaly_settings_page, name="anomaly-settings"),
]
