"""Production sends HSTS and a Content-Security-Policy, redirects http to https, and trusts the
proxy's X-Forwarded-Proto; pages meet the policy (no inline script without the nonce)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "MARGINT_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "FIELD_ENCRYPTION_KEY": "bWFyZ2ludC1kZXZlbG9wbWVudC1vbmx5LWtleS0wMDA=",
    "ALLOWED_HOSTS": "margint.example",
}


def test_production_defaults_turn_every_protection_on():
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='margint.settings'; import django; django.setup();"
        "from django.conf import settings as s; print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]))"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "TRUST_PROXY_HEADERS", "SECURE_SSL_REDIRECT")
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env={**env, **PRODUCTION_ENV}, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    redirect, hsts, proxy, session_secure, csrf_secure = json.loads(result.stdout)
    assert (redirect, hsts >= 31_536_000, proxy, session_secure, csrf_secure) == (
        True,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        True,
        True,
    )


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_plain_http_is_redirected_to_https(production, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_https_through_the_proxy_gets_hsts_and_the_policy(production, client):
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"'.encode() in response.content


def test_the_health_check_answers_over_plain_http(production, client):
    assert client.get("/healthz").status_code != 301


def test_pages_carry_no_inline_script_without_the_nonce(admin):
    response = admin.page_client().get("/")
    html = response.content.decode()
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or "nonce=" in tag, tag
