"""`fleet verify CAPTURE... LEDGER`: did a CSMS store every transaction message it acknowledged,
once and in order? (README "Loss accounting".) Exit 0 when everything matches, 1 when not, 2 for
unreadable input."""

from __future__ import annotations

import argparse
import sys

from fleet.cli._exit_codes import ExitCode
from fleet.cli._verify_check import EXAMPLES, Comparison, Key, describe, read_capture, read_stored


def add_verify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="check a CSMS's ledger against a `fleet run --capture`: lost, duplicated, out of order",
        description=(
            "Compare the transaction messages (TransactionEvent; 1.6 StartTransaction, StopTransaction, "
            "MeterValues) the stations sent and the CSMS acknowledged, as a `fleet run --capture` file "
            "shows them, with a ledger of what the CSMS stored: one JSON line per stored message, the "
            'format `fleet csms --ledger-out` writes (README "Loss accounting"). Exit codes: 0 all '
            "match, 1 something lost, duplicated, out of order or unknown, 2 unreadable input."
        ),
    )
    verify.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="one or more capture files (a --workers run writes one per worker), then the ledger file",
    )


def run_verify(ns: argparse.Namespace) -> int:
    if len(ns.files) < 2:
        print(
            "fleet verify: error: give a capture file and a ledger file (CAPTURE... LEDGER)", file=sys.stderr
        )
        return ExitCode.BAD_INPUT
    *captures, ledger = ns.files
    comparison = Comparison()
    try:
        read_capture(captures, comparison)
        read_stored(ledger, comparison)
    except OSError as exc:
        print(f"fleet verify: error: {exc.filename}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except ValueError as exc:
        print(f"fleet verify: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print("\n".join(report_lines(comparison)))
    return ExitCode.OK if comparison.matches else ExitCode.FAILED


def report_lines(comparison: Comparison) -> list[str]:
    stored = sum(comparison.stored.values())
    lines = [
        f"{len(comparison.acknowledged)} transaction messages acknowledged in the capture, "
        f"{stored} entries in the ledger"
    ]
    lines += _kind("lost (acknowledged, not in the ledger)", comparison.lost)
    lines += _kind("duplicated (in the ledger more than once)", comparison.duplicated)
    lines += _kind("out of order (stored after a higher seqNo)", comparison.out_of_order)
    lines += _kind("unknown (in the ledger, never sent)", comparison.unknown)
    if comparison.unanswered:
        missing = sum(1 for key in comparison.unanswered if key not in comparison.stored)
        lines.append(
            f"unanswered: {len(comparison.unanswered)} sent but never acknowledged "
            f"({missing} of them not in the ledger; not counted as lost)"
        )
    lines.append("result: all match" if comparison.matches else "result: MISMATCH")
    return lines


def _kind(title: str, keys: list[Key]) -> list[str]:
    lines = [f"{title}: {len(keys)}"]
    lines += [f"  {describe(key)}" for key in keys[:EXAMPLES]]
    if len(keys) > EXAMPLES:
        lines.append(f"  ... and {len(keys) - EXAMPLES} more")
    return lines
