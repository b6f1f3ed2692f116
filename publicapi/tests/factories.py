"""Spine rows for public API tests: cost, revenue and mappings, built by the owning apps' factories."""

from __future__ import annotations

from billing.tests.factories import add_revenue  # noqa: F401 (re-exported)
from mappings.tests.factories import map_tag  # noqa: F401 (re-exported)
from margins.tests.factories import add_cost  # noqa: F401 (re-exported)
