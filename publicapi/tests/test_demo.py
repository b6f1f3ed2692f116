from __future__ import annotations

from datetime import date

from margint.demo import DEMO_PASSWORD, DEMO_USERS
from margint.models import Membership, Organization
from publicapi.demo import load_demo


def test_demo_creates_a_pro_org_with_three_roles_and_reloads_cleanly(db):
    first = load_demo(today=date(2026, 11, 21), log=lambda _: None)
    second = load_demo(today=date(2026, 11, 21), log=lambda _: None)
    assert Organization.objects.filter(name="Acme AI (demo)").count() == 1
    assert not Organization.objects.filter(pk=first.org.pk).exists()
    roles = {m.user.email: m.role for m in Membership.objects.filter(organization=second.org)}
    assert roles == {email: role for role, email in DEMO_USERS.items()}
    assert second.org.tier == "pro"
    admin = Membership.objects.get(organization=second.org, role="admin").user
    assert admin.check_password(DEMO_PASSWORD)
