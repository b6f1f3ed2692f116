"""Calls into other apps that run after revenue changes, looked up when called.

Auto-matching (mappings) and margin alerts (margins) react to new revenue, but billing does not
depend on them: each is imported lazily and skipped when its app does not provide it yet.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from margint.models import Organization

logger = logging.getLogger(__name__)


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module and not module.startswith(f"{error.name}."):
            raise
        return None
    return getattr(found, name, None)


def auto_matches_run(*, org: Organization, as_of: datetime) -> int:
    """`mappings.services.automatch_run` after a sync; the number of mappings it created."""
    automatch_run = _optional("mappings.services", "automatch_run")
    if automatch_run is None:
        return 0
    created = automatch_run(org=org, as_of=as_of).created
    return created if isinstance(created, int) else len(created)


def margin_alerts_evaluate(*, org: Organization, as_of: datetime) -> int:
    """`margins.alerts.margin_alerts_evaluate` after revenue changed; the alerts it raised."""
    evaluate = _optional("margins.alerts", "margin_alerts_evaluate")
    return 0 if evaluate is None else int(evaluate(org=org, as_of=as_of))


def mappings_delete_all(*, org: Organization) -> int:
    """Delete the org's customer mappings, through the mappings app when it offers a service."""
    delete_all = _optional("mappings.services", "mappings_delete_all")
    if delete_all is not None:
        return int(delete_all(org=org) or 0)
    # The mappings app has no service for this yet: its model is deleted here directly.
    from mappings.models import CustomerMapping

    deleted, _ = CustomerMapping.objects.filter(org=org).delete()
    return deleted
