"""What the surfaces do when a lower layer announces something: margin alerts after revenue
changed (billing.signals).

Connected in PublicapiConfig.ready(), after mappings' receivers (INSTALLED_APPS order), so the
alerts read the mappings that auto-matching has just made.
"""

from __future__ import annotations

from datetime import datetime

from margint.models import Organization
from publicapi.margin_alerts import margin_alerts_evaluate


def margin_alerts_after_revenue(*, org: Organization, as_of: datetime, **_: object) -> dict[str, int]:
    """Raise margin alerts for the new revenue; the count goes into a sync's stats."""
    return {"alertsRaised": int(margin_alerts_evaluate(org=org, as_of=as_of))}
