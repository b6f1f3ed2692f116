"""Sign-in throttling: wrong passwords are counted per address and per account; the person
locked out is told so, and `manage.py axes_reset` lifts it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from margint.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db, settings):
    settings.AXES_FAILURE_LIMIT = 5
    person = UserFactory(email="locked@acme.test", username="locked@acme.test")
    person.set_password(PASSWORD)
    person.save()
    return person


def attempt(path, username, password, address="203.0.113.9"):
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_sign_in_with_a_clear_message(user, path):
    answers = [attempt(path, user.username, "wrong").status_code for _ in range(5)]
    assert answers == [200] * 4 + [429]  # the failure that reaches the limit is told at once
    locked = attempt(path, user.username, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content and b"axes_reset" in locked.content


def test_another_address_is_locked_out_of_that_account_too(user):
    for _ in range(5):
        attempt("/accounts/login/", user.username, "wrong")
    assert attempt("/accounts/login/", user.username, PASSWORD, address="198.51.100.7").status_code == 429


def test_axes_reset_unlocks_at_once(user):
    for _ in range(5):
        attempt("/accounts/login/", user.username, "wrong")
    call_command("axes_reset")
    assert attempt("/accounts/login/", user.username, PASSWORD).status_code == 302


def test_a_correct_password_before_the_limit_resets_the_count(user):
    for _ in range(4):
        attempt("/accounts/login/", user.username, "wrong")
    assert attempt("/accounts/login/", user.username, PASSWORD).status_code == 302
    for _ in range(4):
        attempt("/accounts/login/", user.username, "wrong")
    assert attempt("/accounts/login/", user.username, PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_it_appended(settings, rf):
    from margint.throttling import client_ip

    settings.TRUST_PROXY_HEADERS = True
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "203.0.113.9"
    settings.TRUST_PROXY_HEADERS = False
    assert client_ip(request) == "10.0.0.2"
