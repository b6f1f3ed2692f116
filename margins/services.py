"""Writes of the margins app that are not ingestion."""

from __future__ import annotations

from django.db import connection, transaction

from margins import monthly
from margint.models import Organization


@transaction.atomic
def monthly_totals_rebuild(*, org: Organization | None = None) -> None:
    """Recompute the trigger-kept totals (margins/monthly.py: monthly cost and revenue with
    their running sums, the org's feature cost per day) from the daily rows (one org, or every org).

    The triggers keep them right on every write; this repairs them after a change that bypassed
    the triggers (a TRUNCATE, rows loaded with triggers disabled). On PostgreSQL writers to the
    daily tables wait until it commits.
    """
    monthly.rebuild(connection, org_id=None if org is None else org.pk)
