"""The one write path of cost events: the API, the import command and the demo all call events_ingest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from margins.costs.currency import converts, day_rates
from margins.costs.pricing import PriceBook
from margins.costs.rollups import org_lock
from margins.costs.store import CustomerSeen, EventRow, writer_for
from margins.costs.validation import Rejection, ValidEvent, events_list_checked, validate_events
from margint.metrics import events_counted
from margint.models import Organization


@dataclass(frozen=True)
class IngestResult:
    accepted: int  # new events stored
    duplicates: int  # events whose idempotency key was already stored (or repeated in the batch)
    rejected: tuple[Rejection, ...]
    unpriced: int  # accepted events genai-prices could not price: stored with cost 0
    customers: tuple[str, ...]  # external ids that received new events

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.as_json() for r in self.rejected],
            "unpriced": self.unpriced,
        }


def events_ingest(*, org: Organization, events: list[Any], now: datetime | None = None) -> IngestResult:
    """Validate, price and store up to 1,000 raw events (dicts in the API's shape) for one org.

    Valid events are stored in one transaction with their rollups; invalid ones are returned as
    rejections; events whose idempotency key the org already holds are counted as duplicates.
    Raises validation.BodyInvalid for an empty list or more than 1,000 events.
    """
    now = now or timezone.now()
    valid, rejected = validate_events(events_list_checked(events), now=now)
    unique, repeated = _first_of_each_key(valid)
    priced_events = _priced(unique)
    seen = _customers_seen(unique)
    with transaction.atomic():
        org_lock(org.pk, exclusive=False)  # a rollup rebuild of this org waits for us, and we for it
        writer = writer_for(org.pk)
        if converts(org.reporting_currency):
            writer.rates = day_rates(
                reporting_currency=org.reporting_currency, days={e.day for e, _ in priced_events}
            )
        customer_ids = writer.customers_resolve(seen)
        rows = [row_of(event, customer_ids[event.customer], cost) for event, cost in priced_events]
        stored = writer.events_store(_in_lock_order(rows), now=now)
        customers = tuple(sorted(e for e, cid in customer_ids.items() if cid in stored.customer_ids))
    result = IngestResult(
        accepted=stored.accepted,
        duplicates=repeated + len(rows) - stored.accepted,
        rejected=tuple(rejected),
        unpriced=stored.unpriced,
        customers=customers,
    )
    events_counted(accepted=result.accepted, duplicates=result.duplicates, rejected=len(rejected))
    return result


def _first_of_each_key(valid: list[ValidEvent]) -> tuple[list[ValidEvent], int]:
    """Events in order with later repeats of an idempotency key in the same batch left out (counted)."""
    keys: set[str] = set()
    unique = []
    for event in valid:
        key = event.idempotency_key
        if key is not None:
            if key in keys:
                continue
            keys.add(key)
        unique.append(event)
    return unique, len(valid) - len(unique)


def _priced(events: list[ValidEvent]) -> list[tuple[ValidEvent, int | None]]:
    """Each event with its cost: as sent, else from its tokens (None when the model has no price)."""
    book = PriceBook()
    priced = []
    for e in events:
        cost = e.cost_micro
        if cost is None:
            cost = book.cost_micro(
                provider=e.provider,
                model=e.model,
                input_tokens=e.input_tokens,
                output_tokens=e.output_tokens,
                cached_input_tokens=e.cached_input_tokens,
                at=e.occurred_at,
            )
        priced.append((e, cost))
    return priced


def row_of(event: ValidEvent, customer_id: object, cost: int | None) -> EventRow:
    return EventRow(
        customer_id,
        event.feature,
        event.provider,
        event.model,
        event.input_tokens,
        event.output_tokens,
        event.cached_input_tokens,
        cost or 0,
        cost is not None,
        event.occurred_at,
        event.at_micros,
        event.day,
        event.idempotency_key,
        event.tags_json,
    )


def _customers_seen(events: list[ValidEvent]) -> dict[str, CustomerSeen]:
    seen: dict[str, CustomerSeen] = {}
    for e in events:
        s = seen.get(e.customer)
        if s is None:
            s = seen[e.customer] = CustomerSeen(first=e.at_micros, last=e.at_micros)
        elif e.at_micros < s.first:
            s.first = e.at_micros
        elif e.at_micros > s.last:
            s.last = e.at_micros
        if e.customer_name is not None:
            s.name = e.customer_name
        if e.customer_email is not None:
            s.email = e.customer_email
    return seen


def _in_lock_order(rows: list[EventRow]) -> list[EventRow]:
    # Concurrent batches insert shared idempotency keys in the same order: they wait, never deadlock.
    return sorted(rows, key=lambda r: r.idempotency_key or "")
