from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from margint import apis, health, metrics, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("orgs/switch/", views.switch_org, name="switch-org"),
    path("upgrade/", views.upgrade, name="upgrade"),
    path("settings/", views.org_settings, name="org-settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/add/", views.member_invite, name="member-invite"),
    path("settings/members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/me", apis.me, name="api-me"),
    path("api/orgs/active", apis.switch_org, name="api-switch-org"),
    path("api/org", apis.org_settings, name="api-org-settings"),
    # mappings before margins: its literal /api/margins/unmatched must win over /api/margins/<customer>.
    path("", include("mappings.urls")),
    path("", include("margins.urls")),
    path("", include("billing.urls")),
    path("", include("publicapi.urls")),
]
