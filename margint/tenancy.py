"""Who is acting, for which organization, with which role: the one place that answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from margint.models import ROLE_RANK, Membership, Organization, Role

SESSION_ORG_KEY = "margint_active_org"


@dataclass(frozen=True)
class Actor:
    """The caller of a request: a signed-in member (role set) or an API key (scopes set)."""

    org: Organization
    user: Any = None
    role: str | None = None
    api_key: Any = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_session(self) -> bool:
        return self.api_key is None

    def has_role(self, role: str) -> bool:
        return self.role is not None and ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def memberships_of(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user).select_related("organization"))


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organization kept in the session, or the user's first one."""
    cached = getattr(request, "_margint_membership", False)
    if cached is not False:
        return cached
    memberships = memberships_of(request.user)
    wanted = request.session.get(SESSION_ORG_KEY)
    chosen = next((m for m in memberships if str(m.organization_id) == wanted), None)
    if chosen is None and memberships:
        chosen = memberships[0]
        request.session[SESSION_ORG_KEY] = str(chosen.organization_id)
    request._margint_membership = chosen
    return chosen


def switch_organization(request: HttpRequest, public_id: str) -> Membership | None:
    """Make the user's organization with this public id the active one; None if not a member."""
    membership = next(
        (m for m in memberships_of(request.user) if m.organization.public_id == public_id), None
    )
    if membership is not None:
        request.session[SESSION_ORG_KEY] = str(membership.organization_id)
        request._margint_membership = membership
    return membership


def session_actor(request: HttpRequest) -> Actor | None:
    membership = active_membership(request)
    if membership is None:
        return None
    return Actor(org=membership.organization, user=request.user, role=membership.role)


def org_is_pro(org: Organization) -> bool:
    return org.is_pro
