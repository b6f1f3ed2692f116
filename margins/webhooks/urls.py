from __future__ import annotations

from django.urls import path

from margins.webhooks import api

urlpatterns = [
    path("api/webhook-endpoints", api.EndpointListCreateApi.as_view(), name="webhook-endpoints"),
    path("api/webhook-endpoints/<str:endpoint_id>", api.EndpointDeleteApi.as_view(), name="webhook-endpoint"),
    path(
        "api/webhook-endpoints/<str:endpoint_id>/test",
        api.EndpointTestApi.as_view(),
        name="webhook-endpoint-test",
    ),
    path(
        "api/webhook-endpoints/<str:endpoint_id>/deliveries",
        api.EndpointDeliveriesApi.as_view(),
        name="webhook-endpoint-deliveries",
    ),
]
