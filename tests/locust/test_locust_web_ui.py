"""The Locust web UI in headless Chromium: fill the start form (with a --fleet-* field), swarm,
see the stations counted and OCPP actions in the statistics table, stop.

Over 20 s on a busy machine: Locust and Chromium start, and the table refreshes every 2 s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trio
from _locust_support import fleet_locust, open_csms

from support.browser import headless_chromium, needs_chromium

USERS = 4
WAIT_S = 20.0  # the longest any one step of the page may take

pytestmark = needs_chromium


@dataclass
class Seen:
    users: str
    failures_by_action: dict[str, str]  # the OCPP rows of the statistics table: action -> # Fails
    status_after_stop: str


def drive_web_ui(url: str, csms_url: str, id_prefix: str, profile_dir: Path) -> Seen:
    """What a user does in the browser; blocking (Selenium), so the test runs it in a thread."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

    profile_dir.mkdir()
    with headless_chromium(profile_dir) as driver:
        wait = WebDriverWait(
            driver,
            WAIT_S,
            poll_frequency=0.2,
            ignored_exceptions=[StaleElementReferenceException, NoSuchElementException],
        )

        def fill(name: str, value: str) -> None:
            # React-controlled MUI inputs: select all and type, so onChange sees the new value
            field = wait.until(lambda d: d.find_element(By.NAME, name))
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(value)

        def click(xpath: str) -> None:
            # retried while React re-renders the element under us (stale or not there yet)
            def clicked(d: WebDriver) -> bool:
                d.find_element(By.XPATH, xpath).click()
                return True

            wait.until(clicked)

        def header_value(label: str) -> str:
            xpath = f"//header//p[normalize-space()='{label}']/following-sibling::span"
            return str(driver.find_element(By.XPATH, xpath).text)

        def ocpp_rows(d: WebDriver) -> dict[str, str]:
            # in one script: the table re-renders every 2 s, element handles go stale
            table = d.execute_script(
                "return Array.from(document.querySelectorAll('table tr'), row => "
                "Array.from(row.querySelectorAll('td'), cell => cell.innerText.trim()))"
            )
            # Type, Name, # Requests, # Fails, ...
            return {cells[1]: cells[3] for cells in table if cells and cells[0] == "OCPP2.0.1"}

        driver.get(url)
        fill("userCount", str(USERS))
        fill("spawnRate", str(USERS))
        fill("host", csms_url)
        click("//button[normalize-space()='Custom parameters']")
        wait.until(lambda d: d.find_element(By.NAME, "fleetIdPrefix").is_displayed())
        fill("fleetIdPrefix", id_prefix)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

        wait.until(lambda d: header_value("Users") == str(USERS))
        users = header_value("Users")
        wait.until(lambda d: {"BootNotification", "StatusNotification"} <= set(ocpp_rows(d)))
        rows = ocpp_rows(driver)
        # MUI upper-cases button labels in CSS only: the DOM says "Stop"
        click("//button[translate(normalize-space(), 'stop', 'STOP')='STOP']")
        wait.until(lambda d: header_value("Status") == "STOPPED")
        return Seen(users, rows, header_value("Status"))


async def test_web_ui_starts_a_swarm_with_a_fleet_option_and_stops_it(
    tmp_path: Path, unused_port: int
) -> None:
    async with open_csms() as csms:
        # the Host given on the command line is a dead end: the one typed into the form must win
        args = [
            "--web-host",
            "127.0.0.1",
            "--web-port",
            str(unused_port),
            "--host",
            "ws://127.0.0.1:9/nowhere",
        ]
        async with fleet_locust(args, tmp_path) as locust:
            with trio.fail_after(30):
                await locust.wait_for(b"Starting web interface")
            with trio.fail_after(38):
                seen = await trio.to_thread.run_sync(
                    drive_web_ui,
                    f"http://127.0.0.1:{unused_port}/",
                    f"{csms.url}/ocpp",
                    "WEB-",
                    tmp_path / "chromium-profile",
                )
        booted = set(csms.ledger.stations_booted)
    assert seen.users == str(USERS)
    assert {"BootNotification", "StatusNotification"} <= set(seen.failures_by_action)
    assert set(seen.failures_by_action.values()) == {"0"}, seen.failures_by_action
    assert seen.status_after_stop == "STOPPED"
    # the id prefix typed into the form reached the stations: the CSMS saw exactly these
    assert booted == {f"WEB-{n:05d}" for n in range(USERS)}
