"""JUnit XML of the SLO verdicts (issue 18, finding 5): the shape GitLab and Jenkins read."""

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fleet.metrics import junit_xml, write_junit

_RUN = {
    "tool": "ocpp-fleet",
    "version": "0.1.0",
    "host": "ci-7",
    "command": ["fleet", "run", "--slo", "p99 < 1s"],
    "started_at": "2026-12-04T17:00:00.000Z",
    "tags": {"team": "csms"},
    "config": {"stations": 50, "profile": None},
}


def _summary(**extra: Any) -> dict[str, Any]:
    return {
        "duration_s": 30.5,
        "slo": [
            {
                "slo": "p99 < 1s",
                "passed": True,
                "measured": 0.2,
                "threshold": 1.0,
                "detail": "measured 200ms",
            },
            {
                "slo": "errors == 0",
                "passed": False,
                "measured": 3.0,
                "threshold": 0.0,
                "detail": "measured 3",
            },
        ],
        **extra,
    }


def test_one_test_case_per_threshold_with_failures_counted(tmp_path: Path) -> None:
    path = tmp_path / "slo.xml"
    write_junit(str(path), _summary(run=_RUN))
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("time")) == (
        "2",
        "1",
        "0",
        "30.500",
    )
    [suite] = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "ocpp-fleet.slo",
        "2",
        "1",
        "0",
    )
    assert suite.get("timestamp") == "2026-12-04T17:00:00.000" and suite.get("hostname") == "ci-7"
    passing, failing = suite.findall("testcase")
    assert (passing.get("classname"), passing.get("name"), passing.find("failure")) == (
        "ocpp-fleet.slo",
        "p99 < 1s",
        None,
    )
    failure = failing.find("failure")
    assert failure is not None and failing.get("name") == "errors == 0"
    assert "measured 3" in (failure.get("message") or "") and "threshold 0.0" in (
        failure.get("message") or ""
    )


def test_run_metadata_becomes_properties() -> None:
    run = {**_RUN, "options": {"stations": 50, "seed": 1}}
    suite = junit_xml(_summary(run=run, aborted={"slo": "errors == 0", "at_s": 4.0})).getroot()[0]
    properties = {item.get("name"): item.get("value") for item in suite.iter("property")}
    assert properties["version"] == "0.1.0"
    assert properties["command"] == "fleet run --slo p99 < 1s"
    assert properties["tags.team"] == "csms"
    assert properties["config.stations"] == "50" and properties["config.profile"] == ""
    assert properties["aborted"] == "errors == 0 lost after 4.0 s"
    assert not any(str(name).startswith("options") for name in properties)  # in the JSON, not here


def test_without_slos_or_metadata_zero_tests(tmp_path: Path) -> None:
    path = tmp_path / "none.xml"
    write_junit(str(path), {"duration_s": 3.0})
    root = ET.parse(path).getroot()
    assert root.get("tests") == "0" and root.get("failures") == "0"
    assert root.find("testsuite/properties") is None and root.findall("testsuite/testcase") == []
    assert path.read_text(encoding="utf-8").startswith("<?xml version='1.0' encoding='utf-8'?>")
