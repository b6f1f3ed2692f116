"""The public API's fixtures (fixed clock, keyed clients of the personas' orgs) for the budget tests."""

from __future__ import annotations

from publicapi.tests.conftest import api, free_api, frozen_now, outsider_api, read_only_api  # noqa: F401
