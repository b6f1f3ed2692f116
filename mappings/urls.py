from __future__ import annotations

from django.urls import path

from mappings import apis, views

# margint/urls.py includes these before margins.urls: "api/margins/unmatched" is a literal path
# and must be matched before a pattern such as "api/margins/<customer>" can take "unmatched".
urlpatterns = [
    path("api/customer-mappings", apis.CustomerMappingsView.as_view(), name="customer-mappings"),
    path("api/customer-mappings/auto-match", apis.automatch, name="customer-mappings-automatch"),
    path("api/customer-mappings/<str:mapping_id>/confirm", apis.confirm, name="customer-mapping-confirm"),
    path("api/customer-mappings/<str:mapping_id>/reject", apis.reject, name="customer-mapping-reject"),
    path("api/margins/unmatched", apis.unmatched, name="margins-unmatched"),
    path("mappings/", views.mappings_page, name="mappings"),
    path("mappings/new/", views.mapping_create, name="mapping-create"),
    path("mappings/suggestions/", views.suggestions, name="mapping-suggestions"),
    path("mappings/auto-match/", views.automatch, name="mapping-automatch"),
    path("mappings/<str:mapping_id>/confirm/", views.mapping_confirm, name="mapping-confirm"),
    path("mappings/<str:mapping_id>/reject/", views.mapping_reject, name="mapping-reject"),
    path("mappings/<str:mapping_id>/delete/", views.mapping_delete, name="mapping-delete"),
]
