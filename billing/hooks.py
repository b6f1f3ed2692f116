"""Calls into other apps that react to revenue changes.

Auto-matching (mappings) and margin alerts (margins) run after revenue changes, and disconnect
clears the org's mappings. They are imported when called: mappings and margins read billing's
selectors, so importing them at module level would be an import cycle.
"""

from __future__ import annotations

from datetime import datetime

from margint.models import Organization


def auto_matches_run(*, org: Organization, as_of: datetime) -> int:
    """Run auto-matching after a sync; the number of mappings it created."""
    from mappings.services import automatch_run

    created = automatch_run(org=org, as_of=as_of).created
    return created if isinstance(created, int) else len(created)


def margin_alerts_evaluate(*, org: Organization, as_of: datetime) -> int:
    """Raise margin alerts after revenue changed; the number of new alerts."""
    from publicapi.margin_alerts import margin_alerts_evaluate as evaluate

    return int(evaluate(org=org, as_of=as_of))


def mappings_delete_all(*, org: Organization) -> int:
    """Delete the org's customer mappings and rejections through the mappings service (recorded)."""
    from mappings.services import mappings_clear

    return int(mappings_clear(org=org) or 0)


def mappings_count(*, org: Organization) -> int:
    """How many customer mappings the org has (what a disconnect would delete)."""
    from mappings.selectors import mappings_for_org

    return mappings_for_org(org=org).count()
