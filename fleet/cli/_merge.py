"""`fleet merge A.json B.json ... --out merged.json [--report merged.html]`: the segment results of
`fleet run --segment K/N` combined exactly into the result of the whole fleet (README: "Past one
machine")."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fleet.cli._exit_codes import ExitCode
from fleet.cli._output_paths import check_output_options
from fleet.engine import SegmentMergeError, merge_segments
from fleet.metrics import format_summary, write_html_report, write_json


def add_merge_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    merge = commands.add_parser(
        "merge",
        help="combine the --out files of `fleet run --segment K/N` into the whole fleet's result",
        description=(
            "Merge the results of every segment of one fleet (fleet run --segment 1/N ... N/N "
            "--out FILE) into the result one process would have written: counts added, latency "
            "histograms and time series merged bucket by bucket. Refused (exit 2) for files of "
            "different fleets, a segment missing or given twice, or a file that is no segment result."
        ),
    )
    merge.add_argument("files", nargs="+", metavar="SEGMENT.json", help="one segment result per segment")
    merge.add_argument("--out", required=True, metavar="FILE", help="write the merged result (JSON) here")
    merge.add_argument("--report", metavar="FILE", help="also write the merged result's HTML report")


def run_merge(ns: argparse.Namespace) -> int:
    if not check_output_options("fleet merge", (("--out", ns.out), ("--report", ns.report))):
        return ExitCode.BAD_INPUT
    try:
        summary = merge_segments([(name, _read(name)) for name in ns.files])
    except (OSError, ValueError) as exc:  # SegmentMergeError is a ValueError
        print(f"fleet merge: error: {_one_line(exc)}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print(format_summary(summary))
    write_json(summary, ns.out)
    print(f"merged result of {len(ns.files)} segments written to {ns.out}", file=sys.stderr)
    if ns.report:
        write_html_report(ns.report, summary)
        print(f"report written to {ns.report}", file=sys.stderr)
    return ExitCode.OK


def _read(name: str) -> Any:
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise SegmentMergeError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SegmentMergeError(f"{name}: not JSON ({exc})") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
