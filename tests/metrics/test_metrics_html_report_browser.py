"""report.html from a real run, opened in headless Chromium: run metadata at the top, the charts
drawn by the inlined uPlot (the overlaid p99 chart non-blank, a legend click hides a series), two
charts side by side on a wide screen, the CSV link carrying the data, the tables there, no console
errors. Skipped only when Debian's chromium/chromedriver are not installed."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import headless_chromium, needs_chromium

STATIONS = 6

pytestmark = needs_chromium

# the canvas's opaque coloured pixels (the series' lines, not the grey axes and grid), as a count
# and a checksum
_INK = """
const canvas = document.querySelector(arguments[0] + " canvas");
const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
let ink = 0, sum = 0;
for (let i = 0; i < pixels.length; i += 4) {
  const r = pixels[i], g = pixels[i + 1], b = pixels[i + 2];
  if (pixels[i + 3] > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) {
    ink += 1; sum = (sum * 31 + i + pixels[i] + pixels[i + 1]) % 1000000007;
  }
}
return [ink, sum];
"""


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
        driver.set_window_size(1400, 1000)
        yield driver


def test_the_report_draws_its_charts_shows_its_metadata_and_tables(
    report: Path, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    browser.save_screenshot(str(tmp_path / "report-1400.png"))
    metadata = browser.find_element(By.ID, "run-metadata")
    assert "fleet run --stations 6" in metadata.text and "started (UTC)" in metadata.text
    overlay = browser.find_element(By.ID, "chart-latency-p99")
    assert metadata.location["y"] < overlay.location["y"]  # metadata at the top
    ink, _ = browser.execute_script(_INK, "#chart-latency-p99")
    assert ink > 200, "the overlaid p99 chart draws no line"
    legend = overlay.find_elements(By.CSS_SELECTOR, ".u-legend .u-series")
    labels = [entry.find_element(By.CLASS_NAME, "u-label").text for entry in legend[1:]]  # [0]: x
    assert "BootNotification" in labels and len(labels) >= 2  # one line per action

    cards = browser.find_elements(By.CSS_SELECTOR, ".card[data-chart]")
    ids = [card.get_attribute("data-chart") for card in cards]
    for expected in ("latency-p99", "distribution", "throughput", "failures", "stations"):
        assert expected in ids
    for card in cards:
        assert card.find_elements(By.TAG_NAME, "canvas"), card.get_attribute("data-chart")
    first, second = cards[0].rect, cards[1].rect  # side by side at 1400 px
    assert abs(first["y"] - second["y"]) < 2 and second["x"] >= first["x"] + first["width"]
    assert first["width"] > 500

    tables = browser.find_elements(By.TAG_NAME, "table")
    assert any("BootNotification" in t.text and "p99 ms" in t.text for t in tables)
    assert "Generator health" in browser.find_element(By.TAG_NAME, "body").text

    severe = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert severe == []


def test_clicking_a_legend_entry_hides_its_series(report: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    overlay = browser.find_element(By.ID, "chart-latency-p99")
    before = browser.execute_script(_INK, "#chart-latency-p99")
    entry = overlay.find_elements(By.CSS_SELECTOR, ".u-legend .u-series")[1]
    entry.find_element(By.TAG_NAME, "th").click()
    assert "u-off" in (entry.get_attribute("class") or "")
    after = browser.execute_script(_INK, "#chart-latency-p99")
    assert after != before and after[0] > 0  # that line is gone, the others stay


def test_the_csv_link_carries_the_time_series(report: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    link = browser.find_element(By.ID, "csv-download")
    assert link.get_attribute("download") == "ocpp-fleet-timeseries.csv"
    href = link.get_attribute("href") or ""
    assert href.startswith("data:text/csv;charset=utf-8;base64,")
    rows = base64.b64decode(href.split(",", 1)[1]).decode("utf-8").splitlines()
    assert rows[0].startswith("t_s,messages_per_s,") and "BootNotification_p99_ms" in rows[0]
    assert len(rows) >= 6  # a header and a row per second of the 6 s run


def test_the_report_is_readable_on_an_800_px_screen(report: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(800, 1000)
    try:
        browser.get(report.as_uri())
        cards = browser.find_elements(By.CSS_SELECTOR, ".card[data-chart]")
        widths = {card.rect["width"] for card in cards}
        assert all(600 < width <= 800 for width in widths)  # one column, nothing cut off
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 800
    finally:
        browser.set_window_size(1400, 1000)


def test_the_report_loads_nothing_from_the_network(report: Path) -> None:
    # the SVG namespace is an identifier and uPlot's banner comment names its home: neither is a fetch
    html = report.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")
    html = re.sub(r"/\*!.*?\*/", "", html)
    for reference in ("http://", "https://", "<link", "@import", "src="):
        assert reference not in html
