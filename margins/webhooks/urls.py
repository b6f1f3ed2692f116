from __future__ import annotations

from django.urls import path

from margins.webhooks import api, pages

urlpatterns = [
    path("webhooks/", pages.endpoints_page, name="webhooks"),
    path("webhooks/<str:endpoint_id>/", pages.endpoint_detail, name="webhook-endpoint-page"),
    path("webhooks/<str:endpoint_id>/delete/", pages.endpoint_delete_view, name="webhook-endpoint-delete"),
    path("webhooks/<str:endpoint_id>/active/", pages.endpoint_active_view, name="webhook-endpoint-active"),
    path("webhooks/<str:endpoint_id>/test/", pages.endpoint_test_view, name="webhook-endpoint-test-page"),
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
