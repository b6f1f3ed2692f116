"""Fixtures shared by the surfaces' tests."""

from __future__ import annotations

from publicapi.notifications.tests.receiver import webhook_receiver  # noqa: F401 - the loopback receiver
