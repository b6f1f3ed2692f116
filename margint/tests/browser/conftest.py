"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download cannot work here, so the tests launch /usr/bin/chromium (or
$MARGINT_CHROMIUM) through `executable_path`. Without that binary they skip on a developer's
machine and fail when CI is set (.ci/run installs the chromium package first).
Screenshots go to artifacts/screenshots/ (git-ignored): <name>-1280.png and <name>-390.png.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = os.environ.get("MARGINT_CHROMIUM", "/usr/bin/chromium")
# Playwright adds --headless and a fresh temporary --user-data-dir to every launch itself.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One Chromium per test module."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    # The sync API keeps an asyncio loop on this thread while the browser lives; Django would take
    # every ORM call of the test (not of the live server's threads) for one made from async code.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, live_server) -> Iterator[Callable[..., object]]:
    """open_page(persona=None, path="/", **context_options): a fresh browser context, signed in as persona."""
    contexts = []

    def _open(persona=None, path: str = "/", **options) -> object:
        options.setdefault("viewport", LAPTOP)
        context = chromium.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        if persona is not None:
            client = persona.page_client()
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        page = context.new_page()
        page.goto(path)
        return page

    yield _open
    for context in contexts:
        context.close()


def shoot(page, name: str) -> list[Path]:
    """Full-page screenshots at laptop and phone widths; the page is left at laptop width.

    Also checks what a screenshot would show: nothing may make the page wider than the screen.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= size["width"], f"{name} is {scroll_width}px wide at {size['width']}px"
        path = SCREENSHOTS / f"{name}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(LAPTOP)
    return paths
