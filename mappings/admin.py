"""Mappings in Django admin. Writes go through mappings.services, so they are audited like the API's.

A staff member who is not a superuser sees and changes only the organizations where they are an
admin member; that membership is the permission (no Django model permissions are needed).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join

from billing import selectors as billing_selectors
from mappings import selectors, services
from mappings.models import ChangeSource, CustomerMapping, MappingChange, MappingRejection
from margint.models import Membership, Organization, Role

_SCOPE_CACHE = "_mappings_admin_org_ids"


def admin_org_ids(request) -> set | None:
    """Organizations the signed-in staff member administers; None for a superuser (all of them)."""
    user = request.user
    if user.is_superuser:
        return None
    cached = getattr(request, _SCOPE_CACHE, None)
    if cached is None:
        cached = set()
        if user.is_active and user.is_staff:
            cached = set(
                Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
                    "organization_id", flat=True
                )
            )
        setattr(request, _SCOPE_CACHE, cached)
    return cached


class OrgScopedAdmin(admin.ModelAdmin):
    """Rows of the organizations the user administers; org choices limited to those."""

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        org_ids = admin_org_ids(request)
        return queryset if org_ids is None else queryset.filter(org_id__in=org_ids)

    def _in_scope(self, request, obj=None) -> bool:
        org_ids = admin_org_ids(request)
        return bool(org_ids) and (obj is None or obj.org_id in org_ids)

    def has_module_permission(self, request) -> bool:
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return self._in_scope(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._in_scope(request, obj)

    def has_add_permission(self, request) -> bool:
        if request.user.is_superuser:
            return super().has_add_permission(request)
        return self._in_scope(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "org":
            org_ids = admin_org_ids(request)
            orgs = Organization.objects.all()
            kwargs["queryset"] = orgs if org_ids is None else orgs.filter(pk__in=org_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConfidenceBand(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence_band"
    BANDS = {
        "exact": ("1.0 (manual, metadata)", Q(confidence__gte=Decimal("1"))),
        "high": ("0.9 – 0.999 (counts, awaits review)", Q(confidence__gte=Decimal("0.9"), confidence__lt=1)),
        "medium": ("0.7 – 0.899", Q(confidence__gte=Decimal("0.7"), confidence__lt=Decimal("0.9"))),
        "low": ("below 0.7", Q(confidence__lt=Decimal("0.7"))),
        "none": ("none", Q(confidence__isnull=True)),
    }

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(self, request, queryset) -> QuerySet:
        band = self.BANDS.get(self.value())
        return queryset if band is None else queryset.filter(band[1])


def _who(change: MappingChange) -> str:
    return f"{change.actor_label} via {change.source}" if change.actor_label else change.source


def _json(value) -> str:
    return "—" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


@admin.register(CustomerMapping)
class CustomerMappingAdmin(OrgScopedAdmin):
    list_display = [
        "customer_name",
        "stripe_customer_id",
        "tag_value",
        "match_type",
        "confidence",
        "status",
        "created_at",
        "org",
    ]
    list_filter = ["match_type", "status", ConfidenceBand, ("org", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["org"]
    search_fields = ["stripe_customer_id", "tag_value"]
    search_help_text = "Stripe customer id, tag value, or the Stripe customer's name or email."
    actions = ["confirm_selected", "reject_selected"]
    ordering = ["-created_at"]

    def get_fields(self, request, obj=None) -> list[str]:
        if obj is None:
            return ["org", "stripe_customer_id", "tag_key", "tag_value"]
        return [
            "org",
            "stripe_customer_id",
            "tag_key",
            "tag_value",
            "match_type",
            "confidence",
            "status",
            "created_at",
            "updated_at",
            "history",
        ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is None:
            return []
        # The key of a mapping does not change; saving a new tag value makes it a manual mapping.
        return [f for f in self.get_fields(request, obj) if f != "tag_value"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        names: dict[tuple, str] = {}
        for org in {m.org for m in rows}:
            ids = [m.stripe_customer_id for m in rows if m.org_id == org.pk]
            for sid, name in selectors.customer_names(org=org, stripe_ids=ids).items():
                names[(org.pk, sid)] = name
        for m in rows:
            m.customer_name_cached = names.get((m.org_id, m.stripe_customer_id), "")
        changelist.result_list = rows
        return changelist

    @admin.display(description="customer name")
    def customer_name(self, obj: CustomerMapping) -> str:
        return getattr(obj, "customer_name_cached", "") or "—"

    @admin.display(description="history (newest first)")
    def history(self, obj: CustomerMapping) -> str:
        rows = [
            (localize(c.at), c.action, _who(c), _json(c.before), _json(c.after))
            for c in selectors.mapping_history(mapping_id=obj.pk)
        ]
        if not rows:
            return "—"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><tr><th>when</th><th>action</th><th>who</th><th>before</th><th>after</th></tr>{}</table>",
            body,
        )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().casefold()
        if not term:
            return found, may_have_duplicates
        # Names and emails live with the billing mirrors: ask billing's selector, org by org.
        by_customer = Q(pk__in=[])
        for org in Organization.objects.filter(pk__in=queryset.values("org_id")):
            ids = [
                sid
                for sid, c in billing_selectors.stripe_customers(org=org).items()
                if term in c.name.casefold() or term in c.email.casefold()
            ]
            if ids:
                by_customer |= Q(org=org, stripe_customer_id__in=ids)
        return found | queryset.filter(by_customer), may_have_duplicates

    def save_model(self, request, obj: CustomerMapping, form, change: bool) -> None:
        mapping, _ = services.mapping_upsert(
            org=obj.org,
            stripe_customer_id=obj.stripe_customer_id,
            tag_key=obj.tag_key,
            tag_value=obj.tag_value,
            actor=request.user,
            source=ChangeSource.ADMIN,
        )
        obj.pk = mapping.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def delete_model(self, request, obj: CustomerMapping) -> None:
        services.mapping_delete(mapping=obj, actor=request.user, source=ChangeSource.ADMIN)

    def delete_queryset(self, request, queryset) -> None:
        for mapping in queryset:
            services.mapping_delete(mapping=mapping, actor=request.user, source=ChangeSource.ADMIN)

    @admin.action(description="Confirm selected mappings (make them manual)", permissions=["change"])
    def confirm_selected(self, request, queryset) -> None:
        done = 0
        for mapping in queryset:
            try:
                services.mapping_confirm(mapping=mapping, actor=request.user, source=ChangeSource.ADMIN)
                done += 1
            except CustomerMapping.DoesNotExist:
                continue
        messages.success(request, f"Confirmed {done} mapping(s).")

    @admin.action(
        description="Reject selected mappings (delete, never propose again)", permissions=["delete"]
    )
    def reject_selected(self, request, queryset) -> None:
        done = 0
        for mapping in queryset:
            try:
                services.mapping_reject(mapping=mapping, actor=request.user, source=ChangeSource.ADMIN)
                done += 1
            except CustomerMapping.DoesNotExist:
                continue
        messages.success(request, f"Rejected {done} mapping(s).")


class ReadOnlyMixin:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MappingChange)
class MappingChangeAdmin(ReadOnlyMixin, OrgScopedAdmin):
    """Every change to every mapping, deleted ones included. Nobody edits history."""

    list_display = ["at", "action", "mapping_id", "who", "change_before", "change_after", "org"]
    list_filter = ["action", "source", ("org", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["org"]
    search_fields = ["mapping_id", "actor_label"]
    date_hierarchy = "at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="who")
    def who(self, obj: MappingChange) -> str:
        return _who(obj)

    @admin.display(description="before")
    def change_before(self, obj: MappingChange) -> str:
        return _json(obj.before)

    @admin.display(description="after")
    def change_after(self, obj: MappingChange) -> str:
        return _json(obj.after)


@admin.register(MappingRejection)
class MappingRejectionAdmin(ReadOnlyMixin, OrgScopedAdmin):
    """Pairs auto-matching will not propose again; deleting one lets it be proposed again."""

    list_display = ["stripe_customer_id", "tag_value", "rejected_by", "at", "org"]
    list_filter = [("org", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["org", "rejected_by"]
    search_fields = ["stripe_customer_id", "tag_value"]
