"""The console in headless Chromium as a person uses it, against a real `fleet run`: a wrong
password refused, log in, find a charging station by id, watch its energy rise between two
screenshots, stop its transaction from the page and see the station report it Ended (the frames
list shows TransactionEvent eventType=Ended, the ledger says Ended). Explicit waits only.
FLEET_CONSOLE_SCREENSHOT=path also saves the station page there (README's docs/console-station.png)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import headless_chromium, needs_chromium
from support.console_run import console_of_fleet_run

pytestmark = needs_chromium

PASSWORD = "browser-pw"
WAIT_S = 45.0
STATION = "SIM-00001"


@pytest.fixture(scope="module")
def console_url() -> Iterator[str]:
    """`fleet run --console-port 0` as a user starts it: charging at once, meter values every
    couple of real seconds (--speed 30), sessions long enough to stop one by hand."""
    arguments = ("--stations", "3", "--duration", "300", "--ramp", "50", "--speed", "30")
    with console_of_fleet_run(
        (*arguments, "--idle-mean", "1", "--charge-mean", "36000"), PASSWORD, WAIT_S
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        driver.set_window_size(1400, 1300)
        yield driver


def _wait(browser: Any, condition: Any, what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT_S, poll_frequency=0.2).until(condition, message=what)


def _log_in(browser: Any, url: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url)
    _wait(browser, lambda b: b.current_url.endswith("/login"), "redirected to the login page")
    field = browser.find_element(By.ID, "password")
    field.clear()
    field.send_keys(password)
    browser.find_element(By.ID, "login").click()


def _energy(browser: Any) -> float | None:
    from selenium.webdriver.common.by import By

    cells = browser.find_elements(By.CSS_SELECTOR, "#transactions .tx .energy")
    try:
        return float(cells[0].text) if cells else None
    except ValueError:  # "—" until the first reading
        return None


def test_wrong_password_refused_then_watch_a_charge_and_stop_it(
    console_url: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _log_in(browser, console_url, "not-the-password")
    error = _wait(browser, lambda b: b.find_elements(By.ID, "login-error"), "the wrong-password message")
    assert error[0].text == "Wrong password."
    _log_in(browser, console_url, PASSWORD)
    _wait(browser, lambda b: b.find_elements(By.ID, "fleet-chart"), "the fleet overview")

    browser.find_element(By.LINK_TEXT, "Stations").click()
    box = _wait(browser, lambda b: b.find_elements(By.ID, "filter-id"), "the station filter")[0]
    box.send_keys(STATION[-5:])
    browser.find_element(By.ID, "filter").click()
    rows = _wait(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#stations-table tbody a"), "a matching row"
    )
    assert [row.text for row in rows] == [STATION]
    rows[0].click()

    _wait(browser, lambda b: _energy(b) is not None, "a meter reading of the running transaction")
    first = _energy(browser)
    browser.save_screenshot(str(tmp_path / "station-1.png"))
    _wait(browser, lambda b: (_energy(b) or 0.0) > (first or 0.0), "the energy to rise")
    browser.save_screenshot(str(tmp_path / "station-2.png"))
    assert (_energy(browser) or 0.0) > (first or 0.0)
    if os.environ.get("FLEET_CONSOLE_SCREENSHOT"):
        shutil.copy(tmp_path / "station-2.png", os.environ["FLEET_CONSOLE_SCREENSHOT"])

    card = browser.find_element(By.CSS_SELECTOR, "#transactions .tx")
    transaction_id = card.get_attribute("data-transaction")
    card.find_element(By.CLASS_NAME, "stop-transaction").click()
    flash = _wait(browser, lambda b: b.find_elements(By.ID, "flash"), "the answer to the stop")[0]
    assert flash.text == "RequestStopTransaction: Accepted"
    _wait(
        browser,
        lambda b: (
            '"eventType":"Ended"' in b.find_element(By.ID, "frames").text
            and not b.find_elements(By.CSS_SELECTOR, f'#transactions [data-transaction="{transaction_id}"]')
        ),
        "TransactionEvent Ended in the frames, the transaction gone from the station",
    )
    browser.find_element(By.LINK_TEXT, "Transactions").click()
    row = _wait(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, f'#ledger tr[data-transaction="{transaction_id}"]'),
        "the ledger row",
    )
    assert row[0].find_element(By.CLASS_NAME, "tx-state").text == "Ended"
    uncaught = [entry for entry in browser.get_log("browser") if "Uncaught" in entry["message"]]
    assert uncaught == []
