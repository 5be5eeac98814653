"""report.html from a real run, opened in headless Chromium: plots rendered, tables there, no
console errors. Skipped only when Debian's chromium/chromidriver are not installed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import headless_chromium, needs_chromium

STATIONS = 6

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fleet run --report` as a user runs it: a real short run against the embedded CSMS."""
    directory = tmp_path_factory.mktemp("report")
    path = directory / "report.html"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "fleet", "run", "--stations", str(STATIONS), "--duration", "6"),
            *("--ramp", "10", "--charge-mean", "3", "--idle-mean", "1", "--report", str(path)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def test_the_report_renders_its_plots_and_tables_without_console_errors(report: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    titles = [chart.get_attribute("aria-label") for chart in charts]
    for expected in ("Throughput", "Errors", "Stations and transactions", "Latency BootNotification"):
        assert expected in titles
    for chart in charts:
        size = chart.size
        assert size["width"] > 100 and size["height"] > 100, chart.get_attribute("aria-label")
    stations_chart = charts[titles.index("Stations and transactions")]
    paths = stations_chart.find_elements(By.CSS_SELECTOR, "path.series")
    assert paths, "the stations chart has no data path"
    assert all(len(path.get_attribute("d")) > 10 for path in paths)
    box = paths[0].rect
    assert box["width"] > 0  # drawn across time, not a point

    tables = browser.find_elements(By.TAG_NAME, "table")
    assert len(tables) >= 3
    action_table = tables[0].text
    assert "BootNotification" in action_table and "p99 ms" in action_table
    assert "Generator health" in browser.find_element(By.TAG_NAME, "body").text

    # the hover read-out works: the inline script ran
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).move_to_element(stations_chart).perform()
    assert stations_chart.find_elements(By.CSS_SELECTOR, "text.readout")

    severe = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert severe == []


def test_the_report_loads_nothing_from_the_network(report: Path) -> None:
    # the SVG namespace is an identifier, not a fetch
    html = report.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")
    for reference in ("http://", "https://", "<link", "@import", "src="):
        assert reference not in html
