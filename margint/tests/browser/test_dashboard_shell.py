"""The dashboard shell in a real browser: sign-in, navigation by role, settings, members, API keys."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from margint.models import Membership, Organization
from margint.tests.browser.conftest import shoot
from publicapi.keys import api_key_verify
from publicapi.models import ApiKey

pytestmark = pytest.mark.browser

ADMIN_ONLY = ["API keys", "Settings", "Members", "Webhooks"]


def _nav_labels(page) -> list[str]:
    return [text.strip() for text in page.locator("nav.nav a").all_inner_texts()]


def _mark_document(page) -> None:
    """A flag on window that survives fragment swaps and dies with a full page load."""
    page.evaluate("window.__sameDocument = true")


def _same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_sign_in_lands_on_the_overview_with_the_admin_navigation(open_page, admin):
    page = open_page(path="/settings/")
    assert page.url.endswith("/accounts/login/?next=/settings/")
    shoot(page, "login")
    page.get_by_label("Email").fill("admin@acme.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/settings/")
    page.get_by_role("link", name="Overview").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Acme AI"
    assert _nav_labels(page) == [
        "Overview",
        "Margins",
        "Plans",
        "Customers",
        "Mappings",
        "Stripe",
        "Budgets",
        "Webhooks",
        "API keys",
        "Settings",
        "Members",
    ]
    assert page.locator('nav.nav a[aria-current="page"]').inner_text() == "Overview"
    shoot(page, "overview-admin")


def test_viewer_and_free_org_see_only_what_they_may_open_and_a_direct_post_is_refused(
    open_page, viewer, org, free_admin
):
    page = open_page(viewer)
    labels = _nav_labels(page)
    assert labels == ["Overview", "Margins", "Plans", "Customers", "Mappings", "Stripe", "Budgets"]
    assert not set(ADMIN_ONLY) & set(labels)
    shoot(page, "overview-viewer")
    # A hand-made POST carrying the page's own CSRF token: only the role check can refuse it.
    status = page.evaluate(
        """async () => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const body = new URLSearchParams({name: "Taken over", reporting_currency: "usd",
                healthy_threshold: "90", moderate_threshold: "50", at_risk_threshold: "10"});
            const response = await fetch("/settings/", {method: "POST", body, headers: {"X-CSRFToken": token}});
            return response.status;
        }"""
    )
    assert status == 403
    org.refresh_from_db()
    assert (org.name, org.healthy_threshold) == ("Acme AI", Decimal("50"))
    page.goto("/settings/")
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    shoot(page, "forbidden-viewer")

    # A free organization's admin: one Upgrade link where the Pro pages would be.
    page = open_page(free_admin)
    assert _nav_labels(page) == ["Overview", "Upgrade", "API keys", "Members"]
    page.get_by_role("link", name="Upgrade").click()
    assert page.get_by_role("heading", level=1).inner_text() == "This is a Pro feature"
    shoot(page, "upgrade-free")


def test_settings_show_a_threshold_error_next_to_the_field_then_save(open_page, admin, org, fx_rates):
    page = open_page(admin, "/settings/")
    _mark_document(page)
    page.get_by_label("Moderate from (%)").fill("70")
    page.get_by_role("button", name="Save settings").click()
    error = page.locator("#id_moderate_threshold_error")
    assert error.inner_text() == "Must not be above the healthy threshold (50.0%)."
    assert page.get_by_label("Moderate from (%)").get_attribute("aria-invalid") == "true"
    assert _same_document(page), "the form should swap in place, not reload the page"
    expect(page.get_by_label("Moderate from (%)")).to_be_focused()  # the keyboard lands on the fix
    org.refresh_from_db()
    assert org.moderate_threshold == Decimal("20")
    shoot(page, "settings-error")

    page.get_by_label("Moderate from (%)").fill("30")
    page.get_by_label("Reporting currency").fill("eur")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Settings saved.")).to_be_visible()
    expect(page.locator("#id_moderate_threshold_error")).to_have_count(0)
    org.refresh_from_db()
    assert (org.moderate_threshold, org.reporting_currency) == (Decimal("30"), "eur")
    assert page.get_by_label("Reporting currency").input_value() == "EUR"
    shoot(page, "settings-saved")


def test_settings_work_without_javascript(open_page, admin, org):
    page = open_page(admin, "/settings/", java_script_enabled=False)
    page.get_by_label("At risk from (%)").fill("150")
    page.get_by_role("button", name="Save settings").click()
    assert (
        page.locator("#id_at_risk_threshold_error").inner_text()
        == "Ensure this value is less than or equal to 100."
    )
    page.get_by_label("At risk from (%)").fill("-5")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url("**/settings/")
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    org.refresh_from_db()
    assert org.at_risk_threshold == Decimal("-5")


def test_api_key_secret_is_shown_once_then_the_key_is_revoked(open_page, admin, org):
    page = open_page(admin, "/settings/api-keys/", locale="de-DE", timezone_id="Asia/Tokyo")
    assert "No keys yet" in page.locator("#api-keys-table").inner_text()
    _mark_document(page)
    page.get_by_label("Name").fill("backend")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key-secret").inner_text()
    assert re.fullmatch(r"mk_live_[A-Za-z0-9]{40}", secret)
    key = api_key_verify(secret)
    assert (key.org, key.name, key.scopes) == (org, "backend", ["read", "write"])
    row = page.locator(f"#key-{key.pk}")  # the table refreshed itself on the apiKeyCreated event
    expect(row.get_by_text(f"{key.prefix}…")).to_be_visible()
    assert _same_document(page)
    # local-time.js rewrote the server's UTC date in the viewer's locale and kept it as the tooltip.
    created = row.locator("time").first
    day = created.get_attribute("datetime")
    expect(created).to_have_attribute("title", day)
    expect(created).to_have_text(f"{day[8:10]}.{day[5:7]}.{day[:4]}")  # German medium date
    shoot(page, "api-keys-created")

    page.reload()
    assert secret not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke backend").click()
    expect(page.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
    expect(row.get_by_text("Revoked")).to_be_visible()
    assert api_key_verify(secret) is None
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    shoot(page, "api-keys-revoked")


def test_members_add_a_person_and_the_last_admin_stays(open_page, admin, org):
    page = open_page(admin, "/settings/members/")
    page.get_by_label("Email").fill("new@acme.test")
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Add to organization").click()
    expect(page.get_by_role("status").filter(has_text="new@acme.test added as member.")).to_be_visible()
    expect(
        page.locator("#members-table").get_by_role("cell", name="new@acme.test", exact=True)
    ).to_be_visible()
    admin_row = page.locator(f"#member-{Membership.objects.get(user=admin.user, organization=org).pk}")
    admin_row.get_by_label("Role of admin@acme.test").select_option("viewer")
    admin_row.get_by_role("button", name="Change").click()
    expect(page.get_by_role("alert").filter(has_text="keeps at least one admin")).to_be_visible()
    assert Organization.objects.get(pk=org.pk).memberships.filter(role="admin").count() == 1
    shoot(page, "members")
