"""Every change to a mapping is recorded: who, through what, when, before and after."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mappings import services
from mappings.models import CustomerMapping, MappingChange, MappingRejection
from mappings.tests.factories import CustomerMappingFactory


def _trail(mapping_id):
    return [
        (
            c.action,
            c.source,
            c.actor_label,
            c.before and c.before["tagValue"],
            c.after and c.after["tagValue"],
        )
        for c in MappingChange.objects.filter(mapping_id=mapping_id).order_by("at", "id")
    ]


def test_create_update_and_delete_leave_a_trail_that_outlives_the_mapping(admin):
    mapping, created = services.mapping_upsert(
        org=admin.org, stripe_customer_id="cus_1", tag_value="acme", actor=admin.user
    )
    services.mapping_upsert(
        org=admin.org, stripe_customer_id="cus_1", tag_value="acme-corp", actor=admin.user
    )
    services.mapping_delete(mapping=mapping, actor=admin.user, source="admin")

    assert created is True
    assert not CustomerMapping.objects.exists()
    assert _trail(mapping.pk) == [
        ("created", "api", "admin@acme.test", None, "acme"),
        ("updated", "api", "admin@acme.test", "acme", "acme-corp"),
        ("deleted", "admin", "admin@acme.test", "acme-corp", None),
    ]
    assert all(c.org == admin.org for c in MappingChange.objects.all())


def test_an_upsert_that_changes_nothing_records_nothing(admin):
    mapping, _ = services.mapping_upsert(org=admin.org, stripe_customer_id="cus_1", tag_value="acme")
    again, created = services.mapping_upsert(org=admin.org, stripe_customer_id="cus_1", tag_value="acme")
    assert (again.pk, created) == (mapping.pk, False)
    assert [c.action for c in MappingChange.objects.all()] == ["created"]


def test_the_trail_keeps_who_after_the_user_is_deleted(admin):
    mapping, _ = services.mapping_upsert(
        org=admin.org, stripe_customer_id="cus_1", tag_value="acme", actor=admin.user
    )
    admin.user.delete()
    change = MappingChange.objects.get(mapping_id=mapping.pk)
    assert (change.actor, change.actor_label) == (None, "admin@acme.test")


def test_service_validation_refuses_bad_identifiers_and_writes_nothing(org):
    with pytest.raises(ValidationError) as raised:
        services.mapping_upsert(org=org, stripe_customer_id="cus\x1b", tag_value="t" * 255)
    assert set(raised.value.message_dict) == {"stripe_customer_id", "tag_value"}
    assert not CustomerMapping.objects.exists()
    assert not MappingChange.objects.exists()


def test_deleting_twice_reports_the_second_as_already_gone(org):
    mapping = CustomerMappingFactory(org=org)
    assert services.mapping_delete(mapping=mapping) is True
    assert services.mapping_delete(mapping=mapping) is False
    assert [c.action for c in MappingChange.objects.all()] == ["deleted"]


def test_clearing_an_org_deletes_its_mappings_and_rejections_and_records_each(org, other_org):
    kept = CustomerMappingFactory(org=other_org)
    gone = [CustomerMappingFactory(org=org) for _ in range(3)]
    MappingRejection.objects.create(org=org, stripe_customer_id="cus_1", tag_value="x")
    MappingRejection.objects.create(org=other_org, stripe_customer_id="cus_1", tag_value="x")

    assert services.mappings_clear(org=org) == 3

    assert list(CustomerMapping.objects.all()) == [kept]
    assert list(MappingRejection.objects.values_list("org", flat=True)) == [other_org.pk]
    assert sorted(
        str(c.mapping_id) for c in MappingChange.objects.filter(action="deleted", source="system")
    ) == sorted(str(m.pk) for m in gone)


def test_unknown_match_type_is_refused_by_the_service(org):
    with pytest.raises(ValidationError):
        services.mapping_upsert(org=org, stripe_customer_id="cus_1", tag_value="acme", match_type="fuzzy")
    assert not CustomerMapping.objects.exists()
