from __future__ import annotations

from django.http import HttpRequest

from margint.tenancy import active_membership, memberships_of


def tenancy(request: HttpRequest) -> dict:
    """The active membership and the organizations to switch to, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"active_membership": active_membership(request), "memberships": memberships_of(user)}
