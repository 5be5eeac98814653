"""A station's own display in headless Chromium, against a real `fleet run --console-port 0` whose
simulated drivers come and go: log in, open a station, follow its display link, choose a free
EVSE, badge a card, plug in, watch the display show the transaction, and see the CSMS's station
page show that transaction with the card's id token (it came on the wire); stop it from the
display and see it leave the CSMS's live transactions. Explicit waits only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import headless_chromium, needs_chromium, wait_for
from support.console_run import console_of_fleet_run

pytestmark = needs_chromium

PASSWORD = "display-browser-pw"
WAIT_S = 45.0
STATION = "SIM-00000"
CARD = "BADGE0042"


@pytest.fixture(scope="module")
def console_url() -> Iterator[str]:
    """Two stations of three EVSEs whose drivers come and go (--speed 10)."""
    arguments = ["--stations", "2", "--evses", "3", "--duration", "300", "--speed", "10"]
    arguments += ["--idle-mean", "600", "--charge-mean", "600"]
    with console_of_fleet_run(arguments, PASSWORD, WAIT_S) as url:
        yield url


def _wait(browser: Any, condition: Any, what: str) -> Any:
    # a page being replaced (a form posted, the display refreshed) may hand out stale elements
    return wait_for(browser, condition, what, WAIT_S)


def _flash(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in browser.find_elements(By.ID, "flash")]


def _row(browser: Any, evse: str) -> Any:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'#display-evses tr[data-evse="{evse}"]')


def _free_evse(browser: Any) -> str | None:
    from selenium.webdriver.common.by import By

    for row in browser.find_elements(By.CSS_SELECTOR, "#display-evses tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells[2].text == "free" and cells[1].text == "Available":
            return str(row.get_attribute("data-evse"))
    return None


def _press(browser: Any, button: str, evse: str) -> None:
    """Choose ``evse`` and press ``button`` (again if the display re-rendered under the hand)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def press(b: Any) -> bool:
        Select(b.find_element(By.ID, "display-evse")).select_by_visible_text(evse)
        b.find_element(By.ID, f"display-{button}").click()
        return True

    _wait(browser, press, f"a press of {button} for EVSE {evse}")


def test_badge_a_card_at_a_station_display_and_see_the_transaction_on_the_wire(
    console_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from selenium.webdriver.common.by import By

    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as browser:
        browser.get(console_url)
        _wait(browser, lambda b: b.current_url.endswith("/login"), "the login page")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login").click()
        _wait(browser, lambda b: b.find_elements(By.ID, "fleet-chart"), "the fleet overview")
        browser.get(console_url + f"stations/{STATION}")
        _wait(browser, lambda b: b.find_elements(By.ID, "display-link"), "the display link")[0].click()
        _wait(browser, lambda b: b.find_elements(By.ID, "display-evses"), "the station's display")
        evse = _wait(browser, _free_evse, "a free EVSE")

        browser.find_element(By.ID, "display-token").send_keys(CARD)
        _press(browser, "present", evse)
        said = f"EVSE {evse}: token {CARD} presented: authorizing"
        assert _wait(browser, lambda b: _flash(b) == [said] and [said], "the display's answer") == [said]
        _press(browser, "plug-in", evse)
        _wait(
            browser,
            lambda b: _row(b, evse).find_element(By.CLASS_NAME, "tx-id").text,
            "the transaction on the display",
        )
        _wait(browser, lambda b: _row(b, evse).find_elements(By.TAG_NAME, "td")[2].text == "you", "you at it")

        browser.find_element(By.ID, "display-station").click()  # the CSMS's page of the station
        _wait(
            browser,
            lambda b: any(
                card.find_element(By.CLASS_NAME, "id-token").text == CARD
                for card in b.find_elements(By.CSS_SELECTOR, "#transactions .tx")
            ),
            "the CSMS's live transaction with the card's id token",
        )
        browser.back()
        _wait(browser, lambda b: b.find_elements(By.ID, "display-stop"), "the display again")
        _press(browser, "stop", evse)
        ended = "the charge ended"
        _wait(browser, lambda b: not _row(b, evse).find_element(By.CLASS_NAME, "tx-id").text, ended)
        _press(browser, "unplug", evse)
        said = f"EVSE {evse}: car unplugged, the connector is free"
        _wait(browser, lambda b: said in _flash(b), said)
        uncaught = [entry for entry in browser.get_log("browser") if "Uncaught" in entry["message"]]
        assert uncaught == []
