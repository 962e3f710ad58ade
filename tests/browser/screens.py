"""Screenshots of every page at 360, 390 and 820 px wide, light and dark, for a person to look
at (issue 3's resolving note). Not a test: run against a running app.

    .venv/bin/python -m tests.browser.screens http://127.0.0.1:3000 /work/shared/screens
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import CHROMIUM, PASSWORD

WIDTHS = {360: 780, 390: 844, 820: 1180}


def _sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cases/?$"))
    page.get_by_role("heading", name="Cases").wait_for()


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)


def main(url: str, out: Path, db: Path | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    case_id = 1
    if db is not None:
        with sqlite3.connect(db) as conn:
            case_id = conn.execute(
                "select c.id from 'case' c join interaction i on i.case_id = c.id "
                "group by c.id order by count(*) desc limit 1").fetchone()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu"])
        for width, height in WIDTHS.items():
            for scheme in ("light", "dark"):
                ctx = browser.new_context(viewport={"width": width, "height": height},
                                          base_url=url, color_scheme=scheme,
                                          is_mobile=width < 768, has_touch=True)
                page = ctx.new_page()
                page.goto("/sign-in")
                _settle(page)
                page.screenshot(path=str(out / f"sign-in-{width}-{scheme}.png"))
                _sign_in(page, "admin@example.org")
                _settle(page)
                page.screenshot(path=str(out / f"cases-{width}-{scheme}.png"))
                for name, path in (("case", f"/cases/{case_id}"), ("new-case", "/cases/new"),
                                   ("pathways", "/pathways"), ("settings", "/settings")):
                    page.goto(path)
                    _settle(page)
                    page.screenshot(path=str(out / f"{name}-{width}-{scheme}.png"))
                    if name == "case":
                        page.screenshot(path=str(out / f"case-full-{width}-{scheme}.png"),
                                        full_page=True)
                        page.get_by_role("button", name="Add interaction").click()
                        page.wait_for_timeout(300)
                        page.screenshot(path=str(out / f"case-form-{width}-{scheme}.png"))
                if width < 768:
                    page.goto("/cases")
                    _settle(page)
                    page.get_by_role("button", name="More").click()
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(out / f"more-{width}-{scheme}.png"))
                ctx.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
