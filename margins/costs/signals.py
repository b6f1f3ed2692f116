"""What the cost events announce to the layers above them. The cost events import none of them.

Receivers are connected in the upper apps' AppConfig.ready() (publicapi: budget checks).
"""

from __future__ import annotations

from django.dispatch import Signal

# New cost events were committed; kwargs: org, external_ids (the customers that got new cost).
# Sent after the commit, so a receiver reads the new cost.
costs_ingested = Signal()
