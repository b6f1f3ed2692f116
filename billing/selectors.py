"""Reads of the revenue side that other apps use. Amounts are micro-units of the reporting currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from billing import signals
from billing.models import (
    RevenueAllocation,
    RevenueDaily,
    StripeConnection,
    StripeCreditNote,
    StripeCustomer,
    StripeInvoice,
    StripeSubscription,
    StripeSubscriptionItem,
    StripeWebhookEvent,
    SyncRun,
)
from billing.recognition import (
    COUNTED_SUBSCRIPTION_STATUSES,
    NO_RATE,
    DiscountFacts,
    SubscriptionFacts,
    SubscriptionItemFacts,
    compute_mrr,
    trailing_mrr,
)
from billing.sync.runner import FAILURE_INTERNAL, FAILURE_KEY_REFUSED, FAILURE_UNREACHABLE
from billing.sync.schedule import next_scheduled_sync
from margint.models import Organization, Tier
from margint.money import minor_to_micro


@dataclass(frozen=True)
class StripeCustomerInfo:
    stripe_id: str
    name: str
    email: str
    deleted: bool
    metadata: dict[str, Any]


def stripe_customers(
    *, org: Organization, stripe_ids: list[str] | None = None
) -> dict[str, StripeCustomerInfo]:
    rows = StripeCustomer.objects.filter(org=org)
    if stripe_ids is not None:
        rows = rows.filter(stripe_id__in=stripe_ids)
    return {
        r.stripe_id: StripeCustomerInfo(r.stripe_id, r.name, r.email, r.deleted, r.metadata)
        for r in rows.only("stripe_id", "name", "email", "deleted", "metadata")
    }


def stripe_customer_search(*, org: Organization, q: str, limit: int) -> list[StripeCustomerInfo]:
    """Live Stripe customers whose id, name or email contains `q` (any case), by name then id."""
    rows = StripeCustomer.objects.filter(org=org, deleted=False)
    if q:
        rows = rows.filter(Q(stripe_id__icontains=q) | Q(name__icontains=q) | Q(email__icontains=q))
    rows = rows.order_by("name", "stripe_id").only("stripe_id", "name", "email", "deleted", "metadata")
    return [StripeCustomerInfo(r.stripe_id, r.name, r.email, r.deleted, r.metadata) for r in rows[:limit]]


def stripe_customer_names(*, org: Organization, stripe_ids: Iterable[str] | None = None) -> dict[str, str]:
    """The name of each of the org's Stripe customers by Stripe id ("" when Stripe has none)."""
    rows = StripeCustomer.objects.filter(org=org)
    if stripe_ids is not None:
        rows = rows.filter(stripe_id__in=list(stripe_ids))
    return dict(rows.values_list("stripe_id", "name"))


def revenue_by_customer(*, org: Organization, start: date, end: date) -> dict[str, int]:
    """Recognized revenue per Stripe customer id over the days [start, end)."""
    rows = (
        RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end)
        .values_list("stripe_customer__stripe_id")
        .annotate(total=Sum("amount_micro"))
    )
    return {stripe_id: int(total) for stripe_id, total in rows}


def revenue_by_customer_through(
    *, org: Organization, start: date, last_day: date, stripe_ids: Iterable[str] | None = None
) -> dict[str, int]:
    """Recognized revenue per Stripe customer id on the days from `start` to `last_day`, both included.

    The revenue of a month in progress up to a day (docs/month-in-progress.md): revenue recognized
    for days after `last_day` (the rest of an invoice's service period) is not counted. Empty
    when `last_day` is before `start`. Stripe customers with no revenue row in the days are absent.
    """
    if last_day < start:
        return {}
    rows = RevenueDaily.objects.filter(org=org, day__gte=start, day__lte=last_day)
    if stripe_ids is not None:
        rows = rows.filter(stripe_customer__stripe_id__in=list(stripe_ids))
    sums = rows.values_list("stripe_customer__stripe_id").annotate(total=Sum("amount_micro")).order_by()
    return {stripe_id: int(total) for stripe_id, total in sums}


def revenue_by_customer_month(*, org: Organization, start: date, end: date) -> dict[tuple[str, date], int]:
    """Recognized revenue per (Stripe customer id, first day of month) over the days [start, end)."""
    rows = (
        RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end)
        .annotate(month=TruncMonth("day"))
        .values_list("stripe_customer__stripe_id", "month")
        .annotate(total=Sum("amount_micro"))
    )
    return {(stripe_id, _as_date(month)): int(total) for stripe_id, month, total in rows}


def revenue_by_customer_day(*, org: Organization, start: date, end: date) -> dict[tuple[str, date], int]:
    rows = RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end).values_list(
        "stripe_customer__stripe_id", "day", "amount_micro"
    )
    out: dict[tuple[str, date], int] = defaultdict(int)
    for stripe_id, day, amount in rows:
        out[(stripe_id, day)] += amount
    return dict(out)


def revenue_total(*, org: Organization, start: date, end: date) -> int:
    total = RevenueDaily.objects.filter(org=org, day__gte=start, day__lt=end).aggregate(t=Sum("amount_micro"))
    return int(total["t"] or 0)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


# What a failed sync says on the pages, by its stats["failure"] (set by billing.sync.runner).
FAILURE_WORDS = {
    FAILURE_UNREACHABLE: "Couldn't reach Stripe",
    FAILURE_KEY_REFUSED: "Stripe refused the key",
    FAILURE_INTERNAL: "The sync stopped on an error on Margint's side",
}


@dataclass(frozen=True)
class SyncProblem:
    """A failed sync in plain words: what happened, when, and when the next try is.

    The exception's own text stays in SyncRun.error for the APIs and the logs; a page shows this.
    """

    failure: str
    at: datetime
    next_try_at: datetime | None  # None when the key was refused: no sync runs until a new key

    @property
    def headline(self) -> str:
        return FAILURE_WORDS.get(self.failure, FAILURE_WORDS[FAILURE_INTERNAL])


def sync_problem(run: SyncRun | None, *, revoked: bool = False, now: datetime) -> SyncProblem | None:
    """The problem of a finished run, or None when it did not fail."""
    if run is None or run.status != SyncRun.Status.FAILED:
        return None
    failure = FAILURE_KEY_REFUSED if revoked else (run.stats or {}).get("failure", FAILURE_INTERNAL)
    next_try = None if failure == FAILURE_KEY_REFUSED else next_scheduled_sync(now)
    return SyncProblem(failure=failure, at=run.finished_at or run.started_at, next_try_at=next_try)


@dataclass(frozen=True)
class SyncStatus:
    connected: bool
    status: str  # the connection's status, or "not_connected"
    last_sync_at: datetime | None
    skipped_currencies: dict[str, int] = field(default_factory=dict)
    running: bool = False
    last_error: str = ""
    problem: SyncProblem | None = None  # the last finished sync failed


def sync_status(
    *, org: Organization, now: datetime | None = None, start: date | None = None, end: date | None = None
) -> SyncStatus:
    """The connection's state; `skipped_currencies` are the amounts of [start, end) (default: the
    current UTC month) that no rate could convert, per currency (see `unconverted_amounts`)."""
    connection = StripeConnection.objects.filter(org=org).first()
    if connection is None:
        return SyncStatus(connected=False, status="not_connected", last_sync_at=None)
    # At most one run runs (the claim's constraint), and a claim is always the newest run: the
    # newest two tell whether one runs and which finished last.
    latest = list(SyncRun.objects.filter(org=org).order_by("-started_at")[:2])
    running = bool(latest) and latest[0].status == SyncRun.Status.RUNNING
    last_finished = next((run for run in latest if run.status != SyncRun.Status.RUNNING), None)
    if start is None or end is None:
        start = (now or timezone.now()).astimezone(UTC).date().replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    skipped = unconverted_amounts(org=org, start=start, end=end)
    revoked = connection.status == StripeConnection.Status.REVOKED
    return SyncStatus(
        connected=True,
        status=connection.status,
        last_sync_at=connection.last_synced_at,
        skipped_currencies=skipped,
        running=running,
        last_error=connection.last_error,
        problem=sync_problem(last_finished, revoked=revoked, now=now or timezone.now()),
    )


class CustomerMrr(NamedTuple):
    """A tuple: the v1 customer list reads one for each of 10,000 Stripe customers."""

    amount_micro: int
    source: str  # "subscriptions" | "invoices" | "none"


def mrr_by_customer(
    *,
    org: Organization,
    as_of: datetime,
    trailing: Mapping[str, int] | None = None,
    subscriptions: Mapping[str, Sequence[SubscriptionFacts]] | None = None,
) -> dict[str, CustomerMrr]:
    """MRR per Stripe customer id. Customers absent from the result have MRR 0, source "none".

    From the customer's active and past-due subscriptions when any item counts (see
    recognition.compute_mrr), else the trailing 30 days of recognized revenue (source "invoices").
    A caller that has already read the trailing revenue (`mrr_trailing_range`) or the
    subscription facts passes them in; the others are read here.
    """
    if trailing is None:
        start, end = mrr_trailing_range(as_of)
        trailing = revenue_by_customer(org=org, start=start, end=end)
    if subscriptions is None:
        subscriptions = subscription_facts_by_customer(org=org)
    result = {}
    for stripe_id, facts in subscriptions.items():
        mrr = compute_mrr(
            subscriptions=facts,
            trailing_30d_revenue_micro=trailing.get(stripe_id, 0),
            as_of=as_of,
            currency=org.reporting_currency,
        )
        if mrr.source != "none":
            result[stripe_id] = CustomerMrr(mrr.amount_micro, mrr.source)
    # Most customers of a large org have no subscription: only the trailing revenue's rule applies
    # to them, without compute_mrr's reading of subscriptions for each of 10,000.
    for stripe_id, amount in trailing.items():
        if stripe_id not in subscriptions and (mrr := trailing_mrr(amount)).source != "none":
            result[stripe_id] = CustomerMrr(mrr.amount_micro, mrr.source)
    return result


def mrr_trailing_range(as_of: datetime) -> tuple[date, date]:
    """The days whose recognized revenue is the MRR of a customer without counted subscriptions:
    the 30 UTC days up to and including `as_of`'s (daily revenue is kept by UTC day)."""
    end = as_of.astimezone(UTC).date() + timedelta(days=1)
    return end - timedelta(days=30), end


def subscription_facts_by_customer(*, org: Organization) -> dict[str, list[SubscriptionFacts]]:
    """Mirrored subscriptions that can count towards MRR, as recognition's facts (two queries)."""
    rows = (
        StripeSubscription.objects.filter(org=org, status__in=COUNTED_SUBSCRIPTION_STATUSES)
        .select_related("stripe_customer")
        .prefetch_related("items")
    )
    facts: dict[str, list[SubscriptionFacts]] = defaultdict(list)
    for sub in rows:
        facts[sub.stripe_customer.stripe_id].append(
            SubscriptionFacts(
                status=sub.status,
                currency=sub.currency,
                items=tuple(_item_facts(item) for item in sub.items.all()),
                discounts=_discount_facts(sub.discounts),
                trial_end=sub.trial_end,
            )
        )
    return dict(facts)


def _item_facts(item: StripeSubscriptionItem) -> SubscriptionItemFacts:
    return SubscriptionItemFacts(
        unit_amount_minor=item.unit_amount_decimal,
        quantity=item.quantity,
        interval=item.interval,
        interval_count=item.interval_count,
        usage_type=item.usage_type,
        discounts=_discount_facts(item.discounts),
    )


def _discount_facts(discounts: list[dict[str, Any]]) -> tuple[DiscountFacts, ...]:
    return tuple(
        DiscountFacts(
            duration=d["duration"],
            percent_off=Decimal(d["percent_off"]) if d.get("percent_off") is not None else None,
            amount_off_minor=d.get("amount_off"),
            end=datetime.fromisoformat(d["end"]) if d.get("end") else None,
        )
        for d in discounts
    )


# -- connection, runs, finance -----------------------------------------------------------------


def orgs_to_sync() -> list[Any]:
    """Ids of organizations whose scheduled sync should run: active connection, Pro or above."""
    return list(
        StripeConnection.objects.filter(
            status=StripeConnection.Status.ACTIVE, org__tier__in=[Tier.PRO, Tier.ENTERPRISE]
        ).values_list("org_id", flat=True)
    )


def recent_sync_runs(*, org: Organization, limit: int = 5) -> list[SyncRun]:
    return list(SyncRun.objects.filter(org=org)[:limit])


def sync_run_running(*, org: Organization) -> SyncRun | None:
    return SyncRun.objects.filter(org=org, status=SyncRun.Status.RUNNING).first()


@dataclass(frozen=True)
class DisconnectImpact:
    """What stripe_disconnect deletes, counted before the admin confirms it."""

    customers: int
    subscriptions: int
    invoices: int
    credit_notes: int
    revenue_days: int
    webhook_events: int
    sync_runs: int
    mappings: int


def disconnect_impact(*, org: Organization) -> DisconnectImpact:
    return DisconnectImpact(
        customers=StripeCustomer.objects.filter(org=org).count(),
        subscriptions=StripeSubscription.objects.filter(org=org).count(),
        invoices=StripeInvoice.objects.filter(org=org).count(),
        credit_notes=StripeCreditNote.objects.filter(org=org).count(),
        revenue_days=RevenueDaily.objects.filter(org=org).count(),
        webhook_events=StripeWebhookEvent.objects.filter(org=org).count(),
        sync_runs=SyncRun.objects.filter(org=org).count(),
        mappings=signals.counts_of(signals.disconnect_impact_counting.send(sender=None, org=org)).get(
            "mappings", 0
        ),
    )


def sync_run_get(*, org: Organization, run_id: Any) -> SyncRun | None:
    return SyncRun.objects.filter(org=org, pk=run_id).first()


LIVE_SUBSCRIPTION_STATUSES = ("active", "past_due", "trialing")


@dataclass(frozen=True)
class PlanCount:
    plan_id: str
    plan_name: str
    count: int


@dataclass(frozen=True)
class SubscriptionSummary:
    active_subscriptions: int
    by_status: dict[str, int]
    plan_distribution: tuple[PlanCount, ...]


def subscription_summary(*, org: Organization) -> SubscriptionSummary:
    """Live subscriptions (active, past due, trialing) and how they spread over plans.

    A subscription's plan is the price of its first licensed item (else its first item).
    """
    subs = StripeSubscription.objects.filter(org=org, status__in=LIVE_SUBSCRIPTION_STATUSES).prefetch_related(
        "items"
    )
    by_status: dict[str, int] = defaultdict(int)
    plans: dict[str, list] = {}
    for sub in subs:
        by_status[sub.status] += 1
        items = sorted(sub.items.all(), key=lambda item: (item.usage_type != "licensed", item.pk))
        if not items:
            continue
        plan = items[0]
        entry = plans.setdefault(plan.price_id, [plan.nickname or plan.product_id or plan.price_id, 0])
        entry[1] += 1
    distribution = sorted(
        (PlanCount(plan_id, name, count) for plan_id, (name, count) in plans.items()),
        key=lambda plan: (-plan.count, plan.plan_name),
    )
    return SubscriptionSummary(sum(by_status.values()), dict(by_status), tuple(distribution))


WEBHOOK_HEALTHY_WITHIN = timedelta(minutes=10)
WEBHOOK_ERROR_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class WebhookHealth:
    health: str  # "healthy" | "delayed" | "error"
    last_event: StripeWebhookEvent | None
    failed_last_hour: int


def webhook_health(*, org: Organization, now: datetime) -> WebhookHealth:
    """error: an event failed processing in the last hour; healthy: one arrived in the last
    10 minutes; delayed: otherwise (none in 10 minutes, or none ever)."""
    last = StripeWebhookEvent.objects.filter(org=org).order_by("-received_at").first()
    failed = StripeWebhookEvent.objects.filter(
        org=org, status=StripeWebhookEvent.Status.FAILED, processed_at__gte=now - WEBHOOK_ERROR_WINDOW
    ).count()
    if failed:
        health = "error"
    elif last is not None and now - last.received_at <= WEBHOOK_HEALTHY_WITHIN:
        health = "healthy"
    else:
        health = "delayed"
    return WebhookHealth(health, last, failed)


def failed_payments_count(*, org: Organization) -> int:
    """Invoices still owed after at least one automatic payment attempt failed."""
    return StripeInvoice.objects.filter(
        org=org, status__in=("open", "uncollectible"), attempt_count__gte=1, amount_remaining__gt=0
    ).count()


def unconverted_amounts(*, org: Organization, start: date, end: date) -> dict[str, int]:
    """Amounts of [start, end) that could not be converted (no rate at all), per currency, in
    micro-units of that currency: read from the allocations, whatever the last sync did."""
    rows = (
        RevenueAllocation.objects.filter(org=org, rate_source=NO_RATE, day__gte=start, day__lt=end)
        .values("currency")
        .annotate(total=Sum("original_micro"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows if row["total"]}


@dataclass(frozen=True)
class ConvertedDocument:
    """How one invoice or credit note became the reporting currency, for one period.

    For revenue (`recognized`), the amounts are what the document recognized in the period: its
    original micro-units and the converted ones. An open invoice is no revenue: its whole net,
    converted as it would be today, is shown for information.
    """

    kind: str  # "invoice" or "credit_note"
    stripe_id: str
    number: str
    status: str
    stripe_customer_id: str
    currency: str
    original_micro: int
    amount_micro: int
    rate: Decimal | None
    rate_source: str
    rate_day: date | None
    recognized: bool


def converted_documents(
    *, org: Organization, stripe_ids: Iterable[str], start: date, end: date
) -> list[ConvertedDocument]:
    """The documents of these Stripe customers with revenue in [start, end), and their open
    invoices created then: what each was in its currency, the rate and where it came from."""
    stripe_ids = list(stripe_ids)
    recognized = (
        RevenueAllocation.objects.filter(
            org=org, stripe_customer__stripe_id__in=stripe_ids, day__gte=start, day__lt=end
        )
        .values("source_type", "source_id", "stripe_customer__stripe_id", "currency", "rate_source", "rate")
        .annotate(amount=Sum("amount_micro"), original=Sum("original_micro"))
        .order_by("source_id")
    )
    invoices = StripeInvoice.objects.filter(org=org, stripe_customer__stripe_id__in=stripe_ids)
    facts = {
        row["stripe_id"]: row
        for row in invoices.filter(
            Q(stripe_id__in=[r["source_id"] for r in recognized if r["source_type"] == "invoice"])
            | Q(status__in=("open", "uncollectible"), created__date__gte=start, created__date__lt=end)
        ).values(
            "stripe_id",
            "number",
            "status",
            "currency",
            "created",
            "paid_at",
            "fx_rate_day",
            "reporting_net_micro",
            "fx_rate",
            "fx_source",
            "total_excluding_tax",
            "total",
            "stripe_customer__stripe_id",
        )  # fmt: skip
    }
    notes = dict(
        StripeCreditNote.objects.filter(
            org=org, stripe_id__in=[r["source_id"] for r in recognized if r["source_type"] == "credit_note"]
        ).values_list("stripe_id", "fx_rate_day")
    )
    documents = [_recognized_document(row, facts, notes) for row in recognized]
    documents += [_open_document(row) for row in facts.values() if row["status"] in ("open", "uncollectible")]
    return sorted(documents, key=lambda doc: (doc.stripe_customer_id, doc.kind, doc.number or doc.stripe_id))


def _recognized_document(row: dict, invoices: dict, notes: dict) -> ConvertedDocument:
    invoice = invoices.get(row["source_id"], {})
    is_invoice = row["source_type"] == "invoice"
    return ConvertedDocument(
        kind=row["source_type"],
        stripe_id=row["source_id"],
        number=invoice.get("number", ""),
        status=invoice.get("status", "issued" if not is_invoice else ""),
        stripe_customer_id=row["stripe_customer__stripe_id"],
        currency=row["currency"],
        original_micro=row["original"] if row["original"] is not None else row["amount"],
        amount_micro=row["amount"],
        rate=row["rate"],
        rate_source=row["rate_source"],
        rate_day=invoice.get("fx_rate_day") if is_invoice else notes.get(row["source_id"]),
        recognized=True,
    )


def _open_document(row: dict) -> ConvertedDocument:
    net_minor = row["total_excluding_tax"] if row["total_excluding_tax"] is not None else row["total"]
    return ConvertedDocument(
        kind="invoice",
        stripe_id=row["stripe_id"],
        number=row["number"],
        status=row["status"],
        stripe_customer_id=row["stripe_customer__stripe_id"],
        currency=row["currency"],
        original_micro=minor_to_micro(int(net_minor), row["currency"]),
        amount_micro=row["reporting_net_micro"] or 0,
        rate=row["fx_rate"],
        rate_source=row["fx_source"],
        rate_day=row["fx_rate_day"],
        recognized=False,
    )
