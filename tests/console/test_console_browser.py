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

from support.browser import headless_chromium, needs_chromium, wait_for
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
    return wait_for(browser, condition, what, WAIT_S)


def _log_in(browser: Any, url: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url)
    _wait(browser, lambda b: b.current_url.endswith("/login"), "redirected to the login page")
    field = browser.find_element(By.ID, "password")
    field.clear()
    field.send_keys(password)
    browser.find_element(By.ID, "login").click()


def _energy(browser: Any) -> float | None:
    """The first live transaction's energy (read inside a wait: the card re-renders live)."""
    from selenium.webdriver.common.by import By

    cells = browser.find_elements(By.CSS_SELECTOR, "#transactions .tx .energy")
    try:
        return float(cells[0].text) if cells else None
    except ValueError:  # "—" until the first reading
        return None


def _texts(browser: Any, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def _stop_first_transaction(browser: Any) -> str:
    """Press the first live transaction's stop button; its id."""
    from selenium.webdriver.common.by import By

    card = browser.find_element(By.CSS_SELECTOR, "#transactions .tx")
    transaction_id = str(card.get_attribute("data-transaction"))
    card.find_element(By.CLASS_NAME, "stop-transaction").click()
    return transaction_id


def test_wrong_password_refused_then_watch_a_charge_and_stop_it(
    console_url: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _log_in(browser, console_url, "not-the-password")
    refused = _wait(browser, lambda b: _texts(b, "#login-error"), "the wrong-password message")
    assert refused == ["Wrong password."]
    _log_in(browser, console_url, PASSWORD)
    _wait(browser, lambda b: b.find_elements(By.ID, "fleet-chart"), "the fleet overview")

    browser.find_element(By.LINK_TEXT, "Stations").click()
    box = _wait(browser, lambda b: b.find_elements(By.ID, "filter-id"), "the station filter")[0]
    box.send_keys(STATION[-5:])
    browser.find_element(By.ID, "filter").click()
    # the filtered page replaces the unfiltered one: wait for its rows, not the old page's
    rows = "#stations-table tbody a"
    assert _wait(browser, lambda b: _texts(b, rows) == [STATION] and [STATION], "the one matching row")
    _wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, rows).click() or True, "a click on it")

    first = _wait(browser, lambda b: [_energy(b)] if _energy(b) is not None else None, "a meter reading")[0]
    browser.save_screenshot(str(tmp_path / "station-1.png"))
    risen = _wait(browser, lambda b: [e] if (e := _energy(b) or 0.0) > first else None, "the energy to rise")
    browser.save_screenshot(str(tmp_path / "station-2.png"))
    assert risen[0] > first
    if os.environ.get("FLEET_CONSOLE_SCREENSHOT"):
        shutil.copy(tmp_path / "station-2.png", os.environ["FLEET_CONSOLE_SCREENSHOT"])

    transaction_id = _wait(browser, _stop_first_transaction, "a press of the stop button")
    answer = _wait(browser, lambda b: _texts(b, "#flash"), "the answer to the stop")
    assert answer == ["RequestStopTransaction: Accepted"]
    _wait(
        browser,
        lambda b: (
            '"eventType":"Ended"' in b.find_element(By.ID, "frames").text
            and not b.find_elements(By.CSS_SELECTOR, f'#transactions [data-transaction="{transaction_id}"]')
        ),
        "TransactionEvent Ended in the frames, the transaction gone from the station",
    )
    browser.find_element(By.LINK_TEXT, "Transactions").click()
    state = _wait(
        browser,
        lambda b: _texts(b, f'#ledger tr[data-transaction="{transaction_id}"] .tx-state'),
        "the ledger row",
    )
    assert state == ["Ended"]
    uncaught = [entry for entry in browser.get_log("browser") if "Uncaught" in entry["message"]]
    assert uncaught == []
