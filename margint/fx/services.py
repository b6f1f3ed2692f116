"""Writes of the rate table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from margint.fx.models import CurrencyRebuild, ExchangeRate
from margint.fx.rates import PublishedRate
from margint.models import Organization
from margint.signals import rates_imported

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ImportResult:
    rates: int
    days: int
    currencies: tuple[str, ...]
    first_day: date | None
    last_day: date | None


@transaction.atomic
def rates_import(*, rates: Sequence[PublishedRate]) -> ImportResult:
    """Insert or update each (day, currency): a re-imported file changes nothing the second time."""
    rows = [ExchangeRate(day=rate.day, currency=rate.currency, per_euro=rate.per_euro) for rate in rates]
    ExchangeRate.objects.bulk_create(
        rows,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["currency", "day"],
        update_fields=["per_euro"],
    )
    days = sorted({rate.day for rate in rates})
    result = ImportResult(
        rates=len(rows),
        days=len(days),
        currencies=tuple(sorted({rate.currency for rate in rates})),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )
    if rows:
        transaction.on_commit(
            lambda: rates_imported.send(
                sender=ExchangeRate,
                first_day=result.first_day,
                last_day=result.last_day,
                currencies=result.currencies,
            )
        )
    return result


# -- rebuilds after a change of reporting currency ----------------------------------------------


def currency_rebuild_begin(*, org: Organization, previous: str) -> CurrencyRebuild:
    """Record the change; the fact sources start their parts on commit (they connect to the
    `reporting_currency_changed` signal that the settings service sends with this row)."""
    return CurrencyRebuild.objects.create(
        org=org, currency=org.reporting_currency, previous_currency=previous
    )


def rebuild_part_total(*, rebuild: CurrencyRebuild, items: int) -> None:
    CurrencyRebuild.objects.filter(pk=rebuild.pk).update(total=F("total") + items)


def rebuild_part_done(*, rebuild: CurrencyRebuild, items: int) -> None:
    CurrencyRebuild.objects.filter(pk=rebuild.pk).update(done=F("done") + items)


def rebuild_is_current(*, rebuild: CurrencyRebuild) -> bool:
    """False once the org chose yet another currency (the rebuild is then marked superseded)."""
    currency = Organization.objects.filter(pk=rebuild.org_id).values_list("reporting_currency", flat=True)
    if currency.first() == rebuild.currency:
        return True
    CurrencyRebuild.objects.filter(pk=rebuild.pk, status=CurrencyRebuild.Status.RUNNING).update(
        status=CurrencyRebuild.Status.SUPERSEDED, finished_at=timezone.now()
    )
    return False


def rebuild_part_finish(*, rebuild: CurrencyRebuild, error: str = "") -> None:
    """One part is over: a failure fails the rebuild; the last part to finish marks it succeeded."""
    running = CurrencyRebuild.objects.filter(pk=rebuild.pk, status=CurrencyRebuild.Status.RUNNING)
    if error:
        running.update(status=CurrencyRebuild.Status.FAILED, error=error[:500], finished_at=timezone.now())
        return
    with transaction.atomic():
        running.update(parts_left=F("parts_left") - 1)
        # Compare-and-set: only the part that brought parts_left to zero finishes the rebuild.
        running.filter(parts_left=0).update(
            status=CurrencyRebuild.Status.SUCCEEDED, finished_at=timezone.now()
        )
