from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from margint.models import Membership, Role
from margint.services import (
    LAST_ADMIN_MESSAGE,
    membership_change_role,
    membership_invite,
    membership_remove,
)


def test_invite_creates_an_account_with_the_given_password(org):
    membership = membership_invite(
        org=org, email=" New@Acme.test ", role=Role.MEMBER, password="plum-orchard-42"
    )
    assert (membership.user.email, membership.role, membership.organization) == (
        "new@acme.test",
        "member",
        org,
    )
    assert membership.user.check_password("plum-orchard-42")


def test_invite_without_password_leaves_the_new_account_unable_to_sign_in_until_reset(org):
    membership = membership_invite(org=org, email="later@acme.test", role=Role.VIEWER)
    assert not membership.user.has_usable_password()


def test_invite_of_an_existing_account_never_changes_its_password(org, outsider):
    membership = membership_invite(
        org=org, email="admin@rival.test", role=Role.VIEWER, password="hijack-attempt-9"
    )
    assert membership.user == outsider.user
    outsider.user.refresh_from_db()
    assert outsider.user.check_password("correct-horse-battery")


def test_inviting_someone_already_in_the_org_is_refused_on_the_email_field(org, member):
    with pytest.raises(ValidationError) as caught:
        membership_invite(org=org, email="member@acme.test", role=Role.ADMIN)
    assert caught.value.message_dict == {"email": ["member@acme.test is already a member."]}
    assert member.user.memberships.get(organization=org).role == Role.MEMBER


def test_invite_names_the_wrong_field(org):
    with pytest.raises(ValidationError) as bad_email:
        membership_invite(org=org, email="not-an-email", role=Role.VIEWER)
    assert list(bad_email.value.message_dict) == ["email"]
    with pytest.raises(ValidationError) as weak:
        membership_invite(org=org, email="weak@acme.test", role=Role.VIEWER, password="123")
    assert list(weak.value.message_dict) == ["password"]
    assert not get_user_model().objects.filter(username="weak@acme.test").exists()


def test_an_admin_can_be_demoted_while_another_admin_remains(org, admin):
    second = membership_invite(org=org, email="second@acme.test", role=Role.ADMIN)
    membership_change_role(org=org, membership_id=second.pk, role=Role.VIEWER)
    second.refresh_from_db()
    assert second.role == Role.VIEWER


def test_the_last_admin_cannot_be_demoted(org, admin, member):
    admin_membership = Membership.objects.get(user=admin.user, organization=org)
    with pytest.raises(ValidationError) as caught:
        membership_change_role(org=org, membership_id=admin_membership.pk, role=Role.MEMBER)
    assert caught.value.messages == [LAST_ADMIN_MESSAGE]
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN


def test_the_last_admin_cannot_be_removed_but_a_member_can(org, admin, member):
    admin_membership = Membership.objects.get(user=admin.user, organization=org)
    with pytest.raises(ValidationError):
        membership_remove(org=org, membership_id=admin_membership.pk)
    member_membership = Membership.objects.get(user=member.user, organization=org)
    membership_remove(org=org, membership_id=member_membership.pk)
    assert list(Membership.objects.filter(organization=org).values_list("role", flat=True)) == ["admin"]
    assert get_user_model().objects.filter(pk=member.user.pk).exists()  # the account stays


def test_admins_of_another_org_do_not_count_and_their_memberships_are_out_of_reach(
    org, admin, outsider, other_org
):
    admin_membership = Membership.objects.get(user=admin.user, organization=org)
    with pytest.raises(ValidationError):
        membership_change_role(org=org, membership_id=admin_membership.pk, role=Role.VIEWER)
    foreign = Membership.objects.get(user=outsider.user, organization=other_org)
    with pytest.raises(Membership.DoesNotExist):
        membership_change_role(org=org, membership_id=foreign.pk, role=Role.VIEWER)
    with pytest.raises(Membership.DoesNotExist):
        membership_remove(org=org, membership_id=foreign.pk)
    foreign.refresh_from_db()
    assert foreign.role == Role.ADMIN


def test_unknown_roles_are_refused(org, member):
    membership = Membership.objects.get(user=member.user, organization=org)
    with pytest.raises(ValidationError):
        membership_change_role(org=org, membership_id=membership.pk, role="owner")
