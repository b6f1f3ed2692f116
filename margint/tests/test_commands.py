from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from margint.models import Membership, Organization
from publicapi.keys import api_key_verify


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createorg_creates_org_and_admin_and_prints_json(db):
    out = _run(
        "createorg",
        "Acme",
        "--tier",
        "pro",
        "--admin-email",
        "Boss@Acme.test",
        "--admin-password",
        "long-enough-pass-42",
    )
    printed = json.loads(out)
    org = Organization.objects.get(public_id=printed["orgId"])
    assert printed == {"orgId": org.public_id, "name": "Acme", "tier": "pro"}
    membership = Membership.objects.get(organization=org)
    assert (membership.user.email, membership.role) == ("boss@acme.test", "admin")
    assert membership.user.check_password("long-enough-pass-42")


@pytest.mark.parametrize(
    "args",
    [
        ("createorg", "Acme", "--admin-email", "not-an-email", "--admin-password", "long-enough-pass-42"),
        ("createorg", "  ", "--admin-email", "a@b.test", "--admin-password", "long-enough-pass-42"),
        ("createorg", "Acme", "--admin-email", "a@b.test", "--admin-password", "123"),
    ],
)
def test_createorg_rejects_bad_input_and_creates_nothing(db, args):
    with pytest.raises(CommandError):
        _run(*args)
    assert Organization.objects.count() == 0


def test_createorg_with_unknown_tier_fails(db):
    with pytest.raises(CommandError):
        _run("createorg", "Acme", "--tier", "gold", "--admin-email", "a@b.test", "--admin-password", "x")


def test_createapikey_prints_a_working_key_alone_on_its_line(org):
    out = _run("createapikey", "--org", org.public_id, "--name", "backend")
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mk_live_")
    key = api_key_verify(lines[0])
    assert key.org == org
    assert sorted(key.scopes) == ["read", "write"]


def test_createapikey_read_scope(org):
    secret = _run("createapikey", "--org", org.public_id, "--name", "ro", "--scope", "read").strip()
    assert api_key_verify(secret).scopes == ["read"]


def test_createapikey_for_unknown_org_fails(db):
    with pytest.raises(CommandError, match="No organization"):
        _run("createapikey", "--org", "org_nope", "--name", "x")
