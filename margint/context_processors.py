from __future__ import annotations

from django.http import HttpRequest

from margint.navigation import nav_links
from margint.tenancy import active_membership, memberships_of


def tenancy(request: HttpRequest) -> dict:
    """The active membership, the organizations to switch to, and the links the role may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = active_membership(request)
    return {
        "active_membership": membership,
        "memberships": memberships_of(user),
        "nav_links": nav_links(membership, request.path),
    }
