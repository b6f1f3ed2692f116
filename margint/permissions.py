"""DRF permissions built on the Actor: role at least R, Pro tier or above, API key scopes."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from margint.errors import Forbidden
from margint.tenancy import Actor

UPGRADE_URL = "/upgrade/"


def actor_of(request) -> Actor | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Actor) else None


class HasActor(BasePermission):
    """Signed in with an active organization (or a valid API key)."""

    def has_permission(self, request, view) -> bool:
        return actor_of(request) is not None


def tier_forbidden(actor: Actor) -> Forbidden:
    return Forbidden(
        "This feature needs the Pro plan or above.",
        {"requiredTier": "pro", "currentTier": actor.org.tier, "upgradeUrl": UPGRADE_URL},
    )


class RequiresPro(BasePermission):
    def has_permission(self, request, view) -> bool:
        actor = actor_of(request)
        if actor is None:
            return False
        if not actor.org.is_pro:
            raise tier_forbidden(actor)
        return True


def _role_permission(role: str) -> type[BasePermission]:
    class RolePermission(BasePermission):
        message = f"This needs the {role} role or above."

        def has_permission(self, request, view) -> bool:
            actor = actor_of(request)
            return actor is not None and actor.is_session and actor.has_role(role)

    RolePermission.__name__ = f"Is{role.capitalize()}"
    return RolePermission


IsViewer = _role_permission("viewer")
IsMember = _role_permission("member")
IsAdmin = _role_permission("admin")


def scope_permission(scope: str) -> type[BasePermission]:
    class ScopePermission(BasePermission):
        message = f"This API key lacks the '{scope}' scope."

        def has_permission(self, request, view) -> bool:
            actor = actor_of(request)
            return actor is not None and not actor.is_session and actor.has_scope(scope)

    ScopePermission.__name__ = f"HasScope{scope.capitalize()}"
    return ScopePermission


# Dashboard endpoints: signed-in member of a Pro org, with at least this role.
PRO_VIEWER = [HasActor, RequiresPro, IsViewer]
PRO_MEMBER = [HasActor, RequiresPro, IsMember]
PRO_ADMIN = [HasActor, RequiresPro, IsAdmin]
