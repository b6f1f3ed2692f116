"""Writes of the rate table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import django.dispatch
from django.db import transaction

from margint.fx.models import ExchangeRate
from margint.fx.rates import PublishedRate

# Sent after new rates are stored, so that amounts left unconverted (no rate) can be converted
# by the apps that hold them (billing connects to it in its apps.py).
rates_imported = django.dispatch.Signal()  # kwargs: first_day, last_day, currencies

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
