from __future__ import annotations

from django.urls import path

from mappings import api

# margint/urls.py includes these before margins.urls: "api/margins/unmatched" is a literal path
# and must be matched before a pattern such as "api/margins/<customer>" can take "unmatched".
urlpatterns = [
    path("api/customer-mappings", api.CustomerMappingsView.as_view(), name="customer-mappings"),
    path("api/customer-mappings/auto-match", api.automatch, name="customer-mappings-automatch"),
    path("api/customer-mappings/<str:mapping_id>/confirm", api.confirm, name="customer-mapping-confirm"),
    path("api/customer-mappings/<str:mapping_id>/reject", api.reject, name="customer-mapping-reject"),
    path("api/margins/unmatched", api.unmatched, name="margins-unmatched"),
]
