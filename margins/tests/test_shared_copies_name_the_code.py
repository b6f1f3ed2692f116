"""A shared copy's key names the code that built it, so a deploy never adopts another code's rows."""

from __future__ import annotations

import pytest

from margins import shared_copies


@pytest.fixture
def source_tree(tmp_path, settings):
    for package in shared_copies.CODE_PACKAGES:
        (tmp_path / package / "tests").mkdir(parents=True)
        (tmp_path / package / "logic.py").write_text(f"NAME = {package!r}\n")
        (tmp_path / package / "tests" / "test_logic.py").write_text("def test(): pass\n")
    settings.BASE_DIR = tmp_path
    shared_copies.code_version.cache_clear()
    yield tmp_path
    shared_copies.code_version.cache_clear()


def _version_after(write) -> str:
    write()
    shared_copies.code_version.cache_clear()
    return shared_copies.code_version()


def test_the_code_version_changes_with_the_source_and_not_with_tests(source_tree):
    first = shared_copies.code_version()
    assert shared_copies.code_version() == first  # read once per process
    tests_changed = _version_after(
        lambda: (source_tree / "margins/tests/test_logic.py").write_text("x = 1\n")
    )
    assert tests_changed == first
    edited = _version_after(lambda: (source_tree / "margins/logic.py").write_text("NAME = 'other'\n"))
    assert edited != first
    added = _version_after(lambda: (source_tree / "publicapi/new.py").write_text(""))
    assert added not in (first, edited)


def test_the_shared_key_names_the_code(monkeypatch):
    monkeypatch.setattr(shared_copies, "_namespace", lambda: "database")
    monkeypatch.setattr(shared_copies, "code_version", lambda: "before")
    before = shared_copies.shared_key("margins:table-kept:1", "scope")
    monkeypatch.setattr(shared_copies, "code_version", lambda: "after")
    after = shared_copies.shared_key("margins:table-kept:1", "scope")
    assert before != after and ":after:" in after
