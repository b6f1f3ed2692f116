"""Refresh the screenshots of every dashboard page at 1440 and 390 px into docs/screenshots/.

Run it against a running demo (`make demo`, or `manage.py demo --port 8109`):

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000

It signs in as the demo admin (margint/demo.py), opens each page with headless Chromium
(/usr/bin/chromium, or $MARGINT_CHROMIUM, through Playwright's `executable_path`) and saves
<name>-1440.png and <name>-390.png: the first screen's height at 1440 px, the whole page at
390 px up to a cap, so the files stay small. It fails when a page answers other than 200 or
scrolls sideways at either width.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("MARGINT_CHROMIUM", "/usr/bin/chromium")
EMAIL, PASSWORD = "admin@demo.margint.dev", "margint-demo-2026"
WIDTHS = {1440: 900, 390: 844}  # width: viewport height
PHONE_PAGE_CAP = 2600  # px of a phone page kept in its screenshot

# (file name, path); the customer page is the margin table's first (worst) customer.
PAGES = [
    ("overview", "/"),
    ("margins", "/margins/"),
    ("margins-critical", "/margins/?tier=critical"),
    ("customer", None),
    ("plans", "/margins/plans/"),
    ("customers", "/customers/"),
    ("mappings", "/mappings/"),
    ("mappings-all", "/mappings/?tab=all"),
    ("stripe", "/stripe/"),
    ("budgets", "/budgets/"),
    ("webhooks", "/webhooks/"),
    ("api-keys", "/settings/api-keys/"),
    ("settings", "/settings/"),
    ("members", "/settings/members/"),
    ("api-docs", "/api/v1/docs"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the running demo's address")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=args.base, viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        for name, path in PAGES:
            if path is None:
                page.goto("/margins/")
                path = page.locator("#margins-table tbody tr a").first.get_attribute("href")
            for width, height in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(path)
                page.wait_for_load_state("networkidle")
                if response is None or response.status != 200:
                    problems.append(f"{path}: status {response.status if response else 'none'}")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    problems.append(f"{path}: {scroll} px wide at {width} px")
                full = page.evaluate("document.documentElement.scrollHeight")
                clip_height = height if width > 600 else min(full, PHONE_PAGE_CAP)
                target = args.out / f"{name}-{width}.png"
                page.screenshot(
                    path=str(target),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": clip_height},
                )
                print(f"{target.relative_to(ROOT)}  {path}")
        browser.close()
    # The README shows the margins page under this name.
    (args.out / "margins.png").write_bytes((args.out / "margins-1440.png").read_bytes())
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
