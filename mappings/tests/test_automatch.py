"""automatch_run against the database: statuses, never-overwrite, candidates window, rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from mappings import services
from mappings.models import CustomerMapping, MappingChange, MappingRejection
from mappings.selectors import counting_mappings
from mappings.tasks import automatch_org
from mappings.tests.factories import CustomerMappingFactory, StripeCustomerFactory
from margins.tests.factories import CostCustomerFactory

AS_OF = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def _seen(org, tag, days_ago=1, **fields):
    at = AS_OF - timedelta(days=days_ago)
    return CostCustomerFactory(org=org, external_id=tag, first_seen_at=at, last_seen_at=at, **fields)


def _rows(org):
    return sorted(
        (m.stripe_customer_id, m.tag_value, m.match_type, m.confidence, m.status)
        for m in CustomerMapping.objects.filter(org=org)
    )


def test_strong_matches_count_at_once_and_weak_ones_are_only_suggestions(org):
    StripeCustomerFactory(org=org, stripe_id="cus_meta", metadata={"margint_customer": "acme"})
    StripeCustomerFactory(org=org, stripe_id="cus_asis")
    StripeCustomerFactory(org=org, stripe_id="cus_mail", email="ops@beta.co")
    StripeCustomerFactory(org=org, stripe_id="cus_name", name="Gamma Labs, Inc.")
    for tag in ("acme", "cus_asis"):
        _seen(org, tag)
    _seen(org, "beta", email="OPS@beta.co")
    _seen(org, "gamma-labs")

    result = services.automatch_run(org=org, as_of=AS_OF)

    assert (result.created, result.pending, result.suggested, result.candidates) == (4, 2, 2, 4)
    assert _rows(org) == [
        ("cus_asis", "cus_asis", "auto", Decimal("0.900"), "pending"),
        ("cus_mail", "beta", "auto", Decimal("0.800"), "suggested"),
        ("cus_meta", "acme", "auto", Decimal("1.000"), "pending"),
        ("cus_name", "gamma-labs", "auto", Decimal("0.700"), "suggested"),
    ]
    assert [m.stripe_customer_id for m in counting_mappings(org=org)] == ["cus_meta", "cus_asis"]
    audit = MappingChange.objects.filter(org=org, source="auto-match", action="created")
    assert audit.count() == 4
    assert audit.get(after__stripeCustomerId="cus_mail").after["signal"] == "email"


def test_an_existing_mapping_is_never_overwritten(org):
    existing = CustomerMappingFactory(org=org, stripe_customer_id="cus_1", tag_value="old-tag")
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    _seen(org, "acme")

    result = services.automatch_run(org=org, as_of=AS_OF)

    assert result.created == 0
    assert _rows(org) == [("cus_1", "old-tag", "manual", Decimal("1.000"), "confirmed")]
    existing.refresh_from_db()
    assert existing.tag_value == "old-tag"


def test_a_tag_value_already_mapped_is_not_given_to_a_second_stripe_customer(org):
    CustomerMappingFactory(org=org, stripe_customer_id="cus_1", tag_value="acme")
    StripeCustomerFactory(org=org, stripe_id="cus_2", metadata={"margint_customer": "acme"})
    _seen(org, "acme")

    result = services.automatch_run(org=org, as_of=AS_OF)

    assert (result.created, result.taken) == (0, 1)
    assert CustomerMapping.objects.filter(org=org, stripe_customer_id="cus_2").count() == 0


def test_two_stripe_customers_tied_for_one_tag_are_left_for_review(org):
    StripeCustomerFactory(org=org, stripe_id="cus_1", email="x@acme.io")
    StripeCustomerFactory(org=org, stripe_id="cus_2", email="x@acme.io")
    _seen(org, "acme", email="x@acme.io")

    result = services.automatch_run(org=org, as_of=AS_OF)

    assert (result.created, result.contested) == (0, 2)
    assert not CustomerMapping.objects.filter(org=org).exists()


def test_only_cost_customers_seen_in_the_last_90_days_are_candidates(org):
    # The window is the 90 UTC days ending with as_of's day: 2026-08-24 … 2026-11-21.
    StripeCustomerFactory(org=org, stripe_id="cus_in", metadata={"margint_customer": "recent"})
    StripeCustomerFactory(org=org, stripe_id="cus_out", metadata={"margint_customer": "stale"})
    inside = datetime(2026, 8, 24, 0, 0, tzinfo=UTC)
    outside = datetime(2026, 8, 23, 23, 59, 59, tzinfo=UTC)
    CostCustomerFactory(org=org, external_id="recent", first_seen_at=inside, last_seen_at=inside)
    CostCustomerFactory(org=org, external_id="stale", first_seen_at=outside, last_seen_at=outside)

    result = services.automatch_run(org=org, as_of=AS_OF)

    assert (result.candidates, result.created) == (1, 1)
    assert _rows(org) == [("cus_in", "recent", "auto", Decimal("1.000"), "pending")]


def test_deleted_stripe_customers_are_never_matched(org):
    StripeCustomerFactory(org=org, stripe_id="cus_gone", deleted=True, metadata={"margint_customer": "acme"})
    _seen(org, "acme")

    assert services.automatch_run(org=org, as_of=AS_OF).created == 0


def test_a_rejection_is_remembered_across_later_runs(org, admin):
    StripeCustomerFactory(org=org, stripe_id="cus_1", name="Acme Inc")
    _seen(org, "acme")
    assert services.automatch_run(org=org, as_of=AS_OF).created == 1
    proposal = CustomerMapping.objects.get(org=org, stripe_customer_id="cus_1")

    services.mapping_reject(mapping=proposal, actor=admin.user)
    again = services.automatch_run(org=org, as_of=AS_OF)
    later = services.automatch_run(org=org, as_of=AS_OF + timedelta(days=30))

    assert (again.created, again.rejected) == (0, 1)
    assert later.created == 0
    assert not CustomerMapping.objects.filter(org=org).exists()
    rejection = MappingRejection.objects.get(org=org)
    assert (rejection.stripe_customer_id, rejection.tag_value, rejection.rejected_by) == (
        "cus_1",
        "acme",
        admin.user,
    )


def test_a_second_run_with_nothing_new_creates_nothing(org):
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    _seen(org, "acme")
    assert services.automatch_run(org=org, as_of=AS_OF).created == 1
    assert services.automatch_run(org=org, as_of=AS_OF).created == 0
    assert MappingChange.objects.filter(org=org).count() == 1


def test_automatch_reads_only_its_own_org(org, other_org):
    StripeCustomerFactory(org=other_org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    _seen(org, "acme")
    StripeCustomerFactory(org=org, stripe_id="cus_2", metadata={"margint_customer": "beta"})
    _seen(other_org, "beta")

    assert services.automatch_run(org=org, as_of=AS_OF).created == 0
    assert not CustomerMapping.objects.exists()


def test_the_automatch_task_runs_the_service_for_one_org(org):
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    CostCustomerFactory(org=org, external_id="acme")  # seen now

    counts = automatch_org.delay(str(org.pk)).get()

    assert (counts["created"], counts["pending"], counts["suggested"]) == (1, 1, 0)
    assert _rows(org) == [("cus_1", "acme", "auto", Decimal("1.000"), "pending")]


def test_a_mapping_or_rejection_made_while_matching_runs_wins(org, monkeypatch):
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    StripeCustomerFactory(org=org, stripe_id="cus_2", metadata={"margint_customer": "beta"})
    StripeCustomerFactory(org=org, stripe_id="cus_3", metadata={"margint_customer": "gamma"})
    for tag in ("acme", "beta", "gamma"):
        _seen(org, tag)
    real = services.propose_matches

    def meanwhile(**inputs):
        outcome = real(**inputs)
        services.mapping_upsert(org=org, stripe_customer_id="cus_1", tag_value="acme-by-hand")
        services.mapping_upsert(org=org, stripe_customer_id="cus_9", tag_value="beta")
        MappingRejection.objects.create(org=org, stripe_customer_id="cus_3", tag_value="gamma")
        return outcome

    monkeypatch.setattr(services, "propose_matches", meanwhile)
    result = services.automatch_run(org=org, as_of=AS_OF)

    assert result.created == 0
    assert _rows(org) == [
        ("cus_1", "acme-by-hand", "manual", Decimal("1.000"), "confirmed"),
        ("cus_9", "beta", "manual", Decimal("1.000"), "confirmed"),
    ]


def test_a_mapping_landing_between_the_check_and_the_insert_is_kept_and_the_rest_still_written(
    org, monkeypatch
):
    StripeCustomerFactory(org=org, stripe_id="cus_1", metadata={"margint_customer": "acme"})
    StripeCustomerFactory(org=org, stripe_id="cus_2", metadata={"margint_customer": "beta"})
    _seen(org, "acme")
    _seen(org, "beta")
    real_state, calls = services._mapping_state, []

    def state_then_a_person_maps(org_):
        state = real_state(org_)
        calls.append(1)
        if len(calls) == 2:  # the re-check under the lock has read; now a person's request commits
            services.mapping_upsert(org=org, stripe_customer_id="cus_1", tag_value="acme-by-hand")
        return state

    monkeypatch.setattr(services, "_mapping_state", state_then_a_person_maps)
    result = services.automatch_run(org=org, as_of=AS_OF)

    assert result.created == 1
    assert _rows(org) == [
        ("cus_1", "acme-by-hand", "manual", Decimal("1.000"), "confirmed"),
        ("cus_2", "beta", "auto", Decimal("1.000"), "pending"),
    ]
    assert sorted(MappingChange.objects.values_list("source", "after__tagValue")) == [
        ("api", "acme-by-hand"),
        ("auto-match", "beta"),
    ]
