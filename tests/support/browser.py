"""Headless Chromium for the browser tests (Debian's chromium and chromedriver), driven by Selenium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

needs_chromium = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromedriver (apt-get install chromium chromium-driver)",
)

_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # no update checks, sync or first-run pages: nothing leaves 127.0.0.1
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1600,1000",
)


@contextmanager
def headless_chromium(profile_dir: Path, *, page_load_timeout_s: float = 30.0) -> Iterator[Any]:
    """A Selenium WebDriver on a fresh profile in ``profile_dir`` that keeps the console log
    (``driver.get_log("browser")``); quit on exit. Blocking: call it from a thread in trio tests."""
    # imported here: selenium is a test extra only the browser tests need
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*_FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(page_load_timeout_s)
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Any, what: str, timeout_s: float) -> Any:
    """``condition(driver)`` once truthy (polled every 0.2 s), for pages that re-render while
    read (live updates, a form posted): an element replaced between finding and reading it
    (stale, or "does not belong to the document") is not a failure but a reason to look again.
    Read elements inside ``condition`` only; a timeout says ``what`` was awaited."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout_s, poll_frequency=0.2, ignored_exceptions=(WebDriverException,))
    return wait.until(condition, message=what)
