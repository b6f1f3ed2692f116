from __future__ import annotations

from django.urls import path

from publicapi.notifications import apis, views

urlpatterns = [
    path("webhooks/", views.endpoints_page, name="webhooks"),
    path("webhooks/<str:endpoint_id>/", views.endpoint_detail, name="webhook-endpoint-page"),
    path("webhooks/<str:endpoint_id>/delete/", views.endpoint_delete_view, name="webhook-endpoint-delete"),
    path("webhooks/<str:endpoint_id>/active/", views.endpoint_active_view, name="webhook-endpoint-active"),
    path("webhooks/<str:endpoint_id>/test/", views.endpoint_test_view, name="webhook-endpoint-test-page"),
    path("api/webhook-endpoints", apis.EndpointListCreateApi.as_view(), name="webhook-endpoints"),
    path(
        "api/webhook-endpoints/<str:endpoint_id>", apis.EndpointDeleteApi.as_view(), name="webhook-endpoint"
    ),
    path(
        "api/webhook-endpoints/<str:endpoint_id>/test",
        apis.EndpointTestApi.as_view(),
        name="webhook-endpoint-test",
    ),
    path(
        "api/webhook-endpoints/<str:endpoint_id>/deliveries",
        apis.EndpointDeliveriesApi.as_view(),
        name="webhook-endpoint-deliveries",
    ),
]
