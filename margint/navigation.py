"""The main navigation: which pages a membership may open, in one table.

Each entry names its page by URL name. The server enforces every rule again in the page's own
guard (margint.decorators.member_required): hiding a link is a courtesy, not a permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from margint.models import Membership, Role

UPGRADE_LABEL = "Upgrade"


@dataclass(frozen=True)
class NavEntry:
    label: str
    role: str
    pro: bool
    url_name: str

    @property
    def href(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool
    upgrade: bool = False


NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("Overview", Role.VIEWER, pro=False, url_name="home"),
    NavEntry("Margins", Role.VIEWER, pro=True, url_name="margins"),
    NavEntry("Plans", Role.VIEWER, pro=True, url_name="margins-plans"),
    NavEntry("Customers", Role.VIEWER, pro=True, url_name="customers"),
    NavEntry("Mappings", Role.VIEWER, pro=True, url_name="mappings"),
    NavEntry("Stripe", Role.VIEWER, pro=True, url_name="stripe-page"),
    NavEntry("Budgets", Role.VIEWER, pro=True, url_name="budgets"),
    NavEntry("Webhooks", Role.ADMIN, pro=True, url_name="webhooks"),
    NavEntry("API keys", Role.ADMIN, pro=False, url_name="api-keys"),
    NavEntry("Settings", Role.ADMIN, pro=True, url_name="org-settings"),
    NavEntry("Members", Role.ADMIN, pro=False, url_name="members"),
)


def _current_href(hrefs: list[str], path: str) -> str | None:
    """The longest link that the path starts with, so /settings/members/ lights Members, not Settings."""
    matching = [h for h in hrefs if path == h or (h != "/" and path.startswith(h))]
    return max(matching, key=len, default=None)


def nav_links(membership: Membership | None, path: str) -> list[NavLink]:
    """The links this membership may follow; a free org gets one Upgrade link where Pro pages would be."""
    if membership is None:
        return []
    shown: list[tuple[str, str, bool]] = []
    is_pro = membership.organization.is_pro
    for entry in NAV_ENTRIES:
        if not membership.has_role(entry.role):
            continue
        if entry.pro and not is_pro:
            if not any(upgrade for _, _, upgrade in shown):
                shown.append((UPGRADE_LABEL, reverse("upgrade"), True))
            continue
        shown.append((entry.label, entry.href, False))
    current = _current_href([href for _, href, _ in shown], path)
    return [NavLink(label, href, href == current, upgrade) for label, href, upgrade in shown]
