"""Writes of customer mappings. Every change, whoever makes it, leaves a MappingChange row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing import selectors as billing_selectors
from mappings.matching import PENDING_THRESHOLD, CostSide, Proposal, StripeSide, propose_matches
from mappings.models import (
    ChangeAction,
    ChangeSource,
    CustomerMapping,
    MappingChange,
    MappingRejection,
    MappingStatus,
    MatchType,
)
from mappings.selectors import MARGIN_TAG_KEY, lookback_window
from mappings.validators import identifier_problem
from margins.costs import selectors as cost_selectors
from margint.models import Organization

MANUAL_CONFIDENCE = Decimal("1.000")


def mapping_snapshot(mapping: CustomerMapping) -> dict[str, Any]:
    """What the audit trail keeps of a mapping, JSON-ready (confidence as a decimal string)."""
    return {
        "stripeCustomerId": mapping.stripe_customer_id,
        "tagKey": mapping.tag_key,
        "tagValue": mapping.tag_value,
        "matchType": mapping.match_type,
        "confidence": None if mapping.confidence is None else str(mapping.confidence),
        "status": mapping.status,
    }


def _record(
    *,
    mapping: CustomerMapping,
    action: str,
    before: dict | None,
    after: dict | None,
    actor: Any,
    source: str,
) -> MappingChange:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return MappingChange.objects.create(
        org_id=mapping.org_id,
        mapping_id=mapping.pk,
        actor=user,
        actor_label=getattr(user, "email", "") or "",
        source=source,
        action=action,
        before=before,
        after=after,
    )


def _validate(**fields: object) -> None:
    problems = {name: p for name, value in fields.items() if (p := identifier_problem(value)) is not None}
    if problems:
        raise ValidationError(problems)


def _review_fields(match_type: str) -> dict[str, Any]:
    """Manual mappings are confirmed with confidence 1.0. An automatic one posted through the API
    carries no confidence of ours: it counts at once and waits for review, like a strong auto-match."""
    if match_type == MatchType.MANUAL:
        return {
            "match_type": MatchType.MANUAL,
            "confidence": MANUAL_CONFIDENCE,
            "status": MappingStatus.CONFIRMED,
        }
    if match_type == MatchType.AUTO:
        return {"match_type": MatchType.AUTO, "confidence": None, "status": MappingStatus.PENDING}
    raise ValidationError({"match_type": f"Must be one of {', '.join(MatchType.values)}."})


def _locked(org: Organization, stripe_customer_id: str, tag_key: str) -> CustomerMapping | None:
    return (
        CustomerMapping.objects.select_for_update()
        .filter(org=org, stripe_customer_id=stripe_customer_id, tag_key=tag_key)
        .first()
    )


@transaction.atomic
def mapping_upsert(
    *,
    org: Organization,
    stripe_customer_id: str,
    tag_value: str,
    tag_key: str = MARGIN_TAG_KEY,
    match_type: str = MatchType.MANUAL,
    actor: Any = None,
    source: str = ChangeSource.API,
) -> tuple[CustomerMapping, bool]:
    """Create or update the mapping of (org, Stripe customer, tag key). Returns (mapping, created).

    A manual mapping also forgets an earlier rejection of the same pair: a person just said yes.
    """
    _validate(stripe_customer_id=stripe_customer_id, tag_key=tag_key, tag_value=tag_value)
    fields = {"tag_value": tag_value, **_review_fields(match_type)}
    mapping = _locked(org, stripe_customer_id, tag_key)
    created = False
    if mapping is None:
        try:
            with transaction.atomic():
                mapping = CustomerMapping.objects.create(
                    org=org, stripe_customer_id=stripe_customer_id, tag_key=tag_key, **fields
                )
            created = True
        except IntegrityError:  # a concurrent request created it first: update that one
            mapping = _locked(org, stripe_customer_id, tag_key)
    if created:
        _record(
            mapping=mapping,
            action=ChangeAction.CREATED,
            before=None,
            after=mapping_snapshot(mapping),
            actor=actor,
            source=source,
        )
    else:
        _apply(mapping, fields, action=ChangeAction.UPDATED, actor=actor, source=source)
    if match_type == MatchType.MANUAL:
        MappingRejection.objects.filter(
            org=org, stripe_customer_id=stripe_customer_id, tag_value=tag_value
        ).delete()
    return mapping, created


def _apply(mapping: CustomerMapping, fields: dict[str, Any], *, action: str, actor: Any, source: str) -> None:
    before = mapping_snapshot(mapping)
    for name, value in fields.items():
        setattr(mapping, name, value)
    after = mapping_snapshot(mapping)
    if after != before:
        mapping.save()
        _record(mapping=mapping, action=action, before=before, after=after, actor=actor, source=source)


def _remove(mapping: CustomerMapping, *, action: str, actor: Any, source: str) -> None:
    before, pk = mapping_snapshot(mapping), mapping.pk
    mapping.delete()
    mapping.pk = pk  # delete() clears it; the audit row needs it
    _record(mapping=mapping, action=action, before=before, after=None, actor=actor, source=source)


@transaction.atomic
def mapping_confirm(
    *, mapping: CustomerMapping, actor: Any = None, source: str = ChangeSource.API
) -> CustomerMapping:
    """A person accepts the mapping: it becomes manual, confidence 1.0, confirmed.

    Raises CustomerMapping.DoesNotExist when it was deleted meanwhile.
    """
    locked = CustomerMapping.objects.select_for_update().get(pk=mapping.pk)
    _apply(
        locked, _review_fields(MatchType.MANUAL), action=ChangeAction.CONFIRMED, actor=actor, source=source
    )
    return locked


@transaction.atomic
def mapping_reject(*, mapping: CustomerMapping, actor: Any = None, source: str = ChangeSource.API) -> None:
    """A person turns the mapping down: it is deleted and auto-matching never proposes the pair again.

    Raises CustomerMapping.DoesNotExist when it was deleted meanwhile.
    """
    locked = CustomerMapping.objects.select_for_update().get(pk=mapping.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    MappingRejection.objects.get_or_create(
        org_id=locked.org_id,
        stripe_customer_id=locked.stripe_customer_id,
        tag_value=locked.tag_value,
        defaults={"rejected_by": user},
    )
    _remove(locked, action=ChangeAction.REJECTED, actor=actor, source=source)


@transaction.atomic
def mapping_delete(*, mapping: CustomerMapping, actor: Any = None, source: str = ChangeSource.API) -> bool:
    """Delete the mapping; False when it was already gone."""
    locked = CustomerMapping.objects.select_for_update().filter(pk=mapping.pk).first()
    if locked is None:
        return False
    _remove(locked, action=ChangeAction.DELETED, actor=actor, source=source)
    return True


@transaction.atomic
def mappings_clear(*, org: Organization, actor: Any = None, source: str = ChangeSource.SYSTEM) -> int:
    """Delete every mapping and remembered rejection of the org (Stripe disconnected). Returns the
    number of mappings deleted; each deletion is recorded."""
    mappings = list(CustomerMapping.objects.select_for_update().filter(org=org))
    for mapping in mappings:
        mapping_delete(mapping=mapping, actor=actor, source=source)
    MappingRejection.objects.filter(org=org).delete()
    return len(mappings)


@dataclass(frozen=True)
class AutomatchResult:
    created: int
    pending: int  # of created: confidence ≥ 0.9, counting in margins while awaiting review
    suggested: int  # of created: below 0.9, not counting until confirmed
    candidates: int  # cost customers seen in the lookback
    ambiguous: int
    contested: int
    rejected: int
    taken: int


def _mapping_state(org: Organization) -> dict[str, frozenset]:
    existing = list(
        CustomerMapping.objects.filter(org=org).values_list("stripe_customer_id", "tag_key", "tag_value")
    )
    rejected = MappingRejection.objects.filter(org=org).values_list("stripe_customer_id", "tag_value")
    return {
        "mapped_stripe_ids": frozenset(sid for sid, _, _ in existing),
        "taken_tag_values": frozenset(value for _, key, value in existing if key == MARGIN_TAG_KEY),
        "rejected": frozenset(rejected),
    }


def _still_open(proposal: Proposal, state: dict[str, frozenset]) -> bool:
    return not (
        proposal.stripe_customer_id in state["mapped_stripe_ids"]
        or proposal.tag_value in state["taken_tag_values"]
        or (proposal.stripe_customer_id, proposal.tag_value) in state["rejected"]
    )


def _automatch_mapping(org: Organization, proposal: Proposal) -> CustomerMapping:
    pending = proposal.confidence >= PENDING_THRESHOLD
    return CustomerMapping(
        org=org,
        stripe_customer_id=proposal.stripe_customer_id,
        tag_key=MARGIN_TAG_KEY,
        tag_value=proposal.tag_value,
        match_type=MatchType.AUTO,
        confidence=proposal.confidence,
        status=MappingStatus.PENDING if pending else MappingStatus.SUGGESTED,
    )


def _automatch_change(mapping: CustomerMapping, proposal: Proposal) -> MappingChange:
    return MappingChange(
        org_id=mapping.org_id,
        mapping_id=mapping.pk,
        source=ChangeSource.AUTOMATCH,
        action=ChangeAction.CREATED,
        before=None,
        after={**mapping_snapshot(mapping), "signal": proposal.signal},
    )


def _automatch_write(org: Organization, proposals: list[Proposal]) -> list[CustomerMapping]:
    """Insert all at once; if a person mapped one of these Stripe customers this very moment, go
    one by one and leave theirs alone."""
    mappings = [_automatch_mapping(org, p) for p in proposals]
    try:
        with transaction.atomic():
            CustomerMapping.objects.bulk_create(mappings)
    except IntegrityError:
        mappings = []
        for proposal in proposals:
            mapping = _automatch_mapping(org, proposal)
            try:
                with transaction.atomic():
                    mapping.save(force_insert=True)
            except IntegrityError:
                continue
            mappings.append(mapping)
    by_stripe_id = {p.stripe_customer_id: p for p in proposals}
    MappingChange.objects.bulk_create(
        [_automatch_change(m, by_stripe_id[m.stripe_customer_id]) for m in mappings]
    )
    return mappings


def automatch_run(*, org: Organization, as_of: datetime) -> AutomatchResult:
    """Propose mappings for Stripe customers that have none (see mappings.matching for the rules).

    The matching runs without locks; the writes then take the org row's lock, so two runs of one
    org write one after the other, and re-check every proposal against the mappings and rejections
    as they are now: a mapping or rejection made meanwhile always wins, nothing is overwritten.
    """
    start, _ = lookback_window(as_of=as_of)
    seen = cost_selectors.cost_customers(org=org, seen_since=datetime.combine(start, time.min, tzinfo=UTC))
    stripe = billing_selectors.stripe_customers(org=org)
    outcome = propose_matches(
        stripe_customers=[
            StripeSide(s.stripe_id, s.name, s.email, s.metadata or {}, s.deleted) for s in stripe.values()
        ],
        candidates=[CostSide(c.external_id, c.name, c.email) for c in seen.values()],
        tag_key=MARGIN_TAG_KEY,
        **_mapping_state(org),
    )
    with transaction.atomic():
        list(Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))
        state = _mapping_state(org)
        created = _automatch_write(org, [p for p in outcome.proposals if _still_open(p, state)])
    pending = sum(1 for m in created if m.status == MappingStatus.PENDING)
    return AutomatchResult(
        created=len(created),
        pending=pending,
        suggested=len(created) - pending,
        candidates=len(seen),
        ambiguous=outcome.ambiguous,
        contested=outcome.contested,
        rejected=outcome.rejected,
        taken=outcome.taken,
    )
