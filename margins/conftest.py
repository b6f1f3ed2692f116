"""Margins test fixtures."""

from __future__ import annotations

import pytest

from margins.table_cache import clear_local_copies


@pytest.fixture(autouse=True)
def _no_rendered_tables_from_other_tests():
    clear_local_copies()
    yield
