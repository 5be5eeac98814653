"""``fleet run --junit FILE``: the SLO verdicts as JUnit XML, one test case per threshold.

The shape GitLab, Jenkins and most CI servers read (the common "JUnit XML" schema): a
``<testsuites>`` root holding one ``<testsuite name="ocpp-fleet.slo">`` with ``tests``,
``failures``, ``errors``, ``skipped`` and ``time`` (the run's measured duration), the run's
metadata (``summary["run"]``, when the result has it) as ``<properties>``, and per threshold a
``<testcase classname="ocpp-fleet.slo" name="THRESHOLD">``, with a ``<failure message=...>`` saying
measured against threshold when it failed. A run without ``--slo`` writes 0 tests. Built with the
standard library's ``xml.etree.ElementTree`` (it escapes every attribute and text).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fleet.metrics._slo_parse import Slo

SUITE = "ocpp-fleet.slo"
# every option's value is in the results JSON; in CI's test view they would bury the run's name
_NOT_PROPERTIES = frozenset({"options"})
RUN_CASE = "the run"  # the test case of a run that could not happen


def unmeasured_verdicts(slos: Iterable[Slo], failure: str) -> list[dict[str, Any]]:
    """The verdicts of thresholds a run that could not happen leaves unmeasured: each failed."""
    return [
        {"slo": slo.text, "passed": False, "measured": None, "threshold": slo.threshold,
         "detail": f"not measured: {failure}"}
        for slo in slos
    ]  # fmt: skip


def junit_xml(summary: Mapping[str, Any]) -> ET.ElementTree[ET.Element]:
    """The JUnit document of a run's ``summary`` (its ``slo`` verdicts, ``run`` metadata)."""
    verdicts = list(summary.get("slo") or [])
    failures = sum(not verdict.get("passed") for verdict in verdicts)
    run_failure = summary.get("failure")  # the run could not happen: one more test case, an error
    errors = 1 if run_failure else 0
    seconds = f"{float(summary.get('duration_s') or 0.0):.3f}"
    counts = {
        "tests": str(len(verdicts) + errors),
        "failures": str(failures),
        "errors": str(errors),
        "time": seconds,
    }
    root = ET.Element("testsuites", {"name": "ocpp-fleet", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts, "skipped": "0"})
    run = summary.get("run")
    if isinstance(run, Mapping):
        if run.get("started_at"):
            suite.set("timestamp", str(run["started_at"]).removesuffix("Z").split("+")[0])
        if run.get("host"):
            suite.set("hostname", str(run["host"]))
    properties = list(_properties(summary))
    if properties:
        listed = ET.SubElement(suite, "properties")
        for name, value in properties:
            ET.SubElement(listed, "property", {"name": name, "value": value})
    if run_failure:
        case = ET.SubElement(suite, "testcase", {"classname": SUITE, "name": RUN_CASE, "time": seconds})
        ET.SubElement(case, "error", {"message": str(run_failure), "type": "RunFailed"}).text = str(
            run_failure
        )
    for verdict in verdicts:
        case = ET.SubElement(
            suite, "testcase", {"classname": SUITE, "name": str(verdict["slo"]), "time": seconds}
        )
        if not verdict.get("passed"):
            failure = ET.SubElement(
                case, "failure", {"message": _failure_message(verdict), "type": "SloViolated"}
            )
            failure.text = f"{verdict['slo']}: {verdict.get('detail', '')}"
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: str, summary: Mapping[str, Any]) -> None:
    junit_xml(summary).write(path, encoding="utf-8", xml_declaration=True)


def _failure_message(verdict: Mapping[str, Any]) -> str:
    detail = verdict.get("detail") or "nothing measured"
    return f"{verdict['slo']} violated: {detail} (threshold {verdict.get('threshold')} in base units)"


def _properties(summary: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The run's metadata, flattened: ``version``, ``command``, ``tags.team``, ``config.stations``."""
    run = summary.get("run")
    if isinstance(run, Mapping):
        for key, value in run.items():
            if key in _NOT_PROPERTIES:
                continue
            if isinstance(value, Mapping):
                for inner, item in value.items():
                    yield f"{key}.{inner}", "" if item is None else str(item)
            elif isinstance(value, list):
                yield key, " ".join(str(item) for item in value)
            else:
                yield key, "" if value is None else str(value)
    aborted = summary.get("aborted")
    if isinstance(aborted, Mapping):
        yield "aborted", f"{aborted.get('slo')} lost after {aborted.get('at_s')} s"
