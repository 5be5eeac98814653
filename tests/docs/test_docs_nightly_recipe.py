"""The README's nightly CI recipe runs as printed (issue 18: "README shows a nightly CI recipe end to
end (config file, tags, baseline, JUnit, compare markdown) and it is what a test runs").

The config block is written to nightly.toml and the job block run by bash in an empty directory,
twice as a CI server would on two nights: the first stores the baseline, the second is judged
against it. Against the embedded CSMS (no FLEET_CSMS_URL), loopback only.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import trio

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(marker: str, language: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```{language}\n(.*?)```", text, re.S)
    assert match is not None, f"{README}: no ```{language} block after <!-- {marker} -->"
    return match.group(1)


async def _job(directory: Path) -> subprocess.CompletedProcess[bytes]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("FLEET_")
    }  # the embedded CSMS, whatever the machine's environment says
    environment |= {"BUILD": "1234", "BRANCH": "main"}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    with trio.fail_after(240):
        return await trio.run_process(
            ["bash", "-c", _block("nightly-job", "sh")],
            cwd=directory,
            env=environment,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )


async def test_the_nightly_recipe_runs_as_printed(tmp_path: Path) -> None:
    (tmp_path / "nightly.toml").write_text(_block("nightly-config", "toml"), encoding="utf-8")
    first = await _job(tmp_path)
    assert first.returncode == 0, first.stdout.decode() + first.stderr.decode()
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert baseline["run"]["tags"] == {"suite": "nightly", "build": "1234", "branch": "main"}

    second = await _job(tmp_path)
    output = second.stdout.decode() + second.stderr.decode()
    assert second.returncode == 0, output
    assert "baseline.json" in output and "no regressions" in output

    results = tmp_path / "results"
    tonight = json.loads((results / "tonight.json").read_text())
    run = tonight["run"]
    assert run["tags"] == {"suite": "nightly", "build": "1234", "branch": "main"}
    assert run["config"]["profile"] == "workplace" and run["config"]["stations"] == 40
    assert "--baseline" in run["command"] and run["sim_start"] == "2026-12-07T07:00:00.000Z"
    assert tonight["transactions"]["energy_kwh"] > 0  # sessions charging: metered energy counts
    assert [verdict["passed"] for verdict in tonight["slo"]] == [True, True, True]

    junit = ET.parse(results / "slo.xml").getroot()
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("3", "0", "0")
    properties = {prop.get("name"): prop.get("value") for prop in junit.iter("property")}
    assert properties["tags.build"] == "1234"

    with (results / "tonight_stats.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert {"TransactionEvent", "Aggregated"} <= {row["Name"] for row in rows}
    assert (results / "tonight_stats_history.csv").exists() and (results / "tonight_failures.csv").exists()

    markdown = (results / "compare.md").read_text()
    assert markdown.startswith("#") or "|" in markdown
    compared = json.loads((results / "compare.json").read_text())
    assert compared["verdict"] == "pass" and compared["comparable"] is True
    assert "<title>" in (results / "tonight.html").read_text()
