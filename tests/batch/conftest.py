"""Fixtures of the batch tests: a minimal data folder for the runner on fixture notebooks, and a real headless
Chromium (Debian's, as `scripts/setup.sh --test` installs it) to open the reports in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, problems


@pytest.fixture(scope="session")
def open_page() -> Callable[[Any, Path], tuple[Any, list[str], list[str]]]:
    """``open_page(browser, path)``: the page, the requests it made and the console errors it raised."""
    return _open


@pytest.fixture
def minimal_data(tmp_path: Path) -> Path:
    """A data folder the runner accepts (``2023/`` with one dataset file); fixture notebooks never read it."""
    year = tmp_path / "data" / "2023"
    year.mkdir(parents=True)
    (year / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
    return tmp_path / "data"
