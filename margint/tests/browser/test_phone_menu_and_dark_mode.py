"""On a phone the navigation folds behind a Menu button; the colours follow the system's dark mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from margint.tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_on_a_phone_the_navigation_opens_from_the_menu_button(open_page, admin):
    page = open_page(admin, "/", viewport=PHONE)
    menu = page.get_by_role("button", name="Menu")
    members = page.locator("nav.nav").get_by_role("link", name="Members")
    expect(menu).to_be_visible()
    expect(members).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    members.click()
    page.wait_for_url("**/settings/members/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_laptop_the_links_show_without_a_menu_button(open_page, admin):
    page = open_page(admin, "/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("nav.nav").get_by_role("link", name="Members")).to_be_visible()


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_follows_the_system_setting(open_page, admin):
    light = open_page(admin, "/", color_scheme="light")
    dark = open_page(admin, "/", color_scheme="dark")
    assert _background(light) == "rgb(246, 247, 249)"
    assert _background(dark) == "rgb(18, 21, 27)"
