"""What mappings does when the revenue side announces something (billing.signals).

Connected in MappingsConfig.ready(), so billing never imports mappings.
"""

from __future__ import annotations

from datetime import datetime

from mappings.selectors import mappings_for_org
from mappings.services import automatch_run, mappings_clear
from margint.models import Organization


def automatch_after_sync(*, org: Organization, as_of: datetime, **_: object) -> dict[str, int]:
    """Propose mappings for the Stripe customers the sync brought; the count goes into its stats."""
    created = automatch_run(org=org, as_of=as_of).created
    return {"autoMatchesCreated": created if isinstance(created, int) else len(created)}


def mappings_clear_on_disconnect(*, org: Organization, **_: object) -> None:
    """Stripe is being disconnected: its customers go, and the mappings to them (each recorded)."""
    mappings_clear(org=org)


def mappings_counted_for_disconnect(*, org: Organization, **_: object) -> dict[str, int]:
    return {"mappings": mappings_for_org(org=org).count()}
