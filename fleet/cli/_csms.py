"""`fleet csms`: serve the embedded CSMS until Ctrl-C and print what it received."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from functools import partial

import trio

from fleet.cli import _arguments as arg
from fleet.cli._console_options import add_console_options, console_companion, console_settings
from fleet.cli._csms_options import (
    add_csms_behaviour_options,
    add_csms_limit_options,
    add_csms_script_option,
    csms_config,
    csms_limits,
)
from fleet.cli._exit_codes import ExitCode
from fleet.cli._metrics_options import add_metrics_options, csms_metrics
from fleet.cli._scale import add_csms_scale_options, serve_csms_workers
from fleet.cli._script_help import SCRIPT_EPILOG
from fleet.cli._security_options import add_csms_security_options, csms_security
from fleet.cli._signals import until_signalled
from fleet.console import ConsoleUnavailable
from fleet.csms import CsmsConfig, run_csms
from fleet.metrics import MetricsPortUnavailable
from fleet.processes import tune_gc_for_long_runs


def add_csms_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    csms = commands.add_parser(
        "csms",
        help="run the embedded CSMS as a server",
        description="Serve OCPP 2.0.1 and 1.6J at ws://HOST:PORT/<station id> until Ctrl-C; print what "
        "it received.",
        epilog=SCRIPT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csms.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    csms.add_argument("--port", type=arg.port, default=9000, help="listen port (default 9000; 0 = any free)")
    add_csms_behaviour_options(csms, prefix="", title="behaviour")
    add_metrics_options(csms, suggested_port=9465)
    add_csms_scale_options(csms)
    add_csms_security_options(csms)
    add_csms_limit_options(csms)
    add_console_options(csms, embedded=False)
    add_csms_script_option(
        csms, "--script", "run CSMS-initiated operations on a schedule (a TOML file; see below)"
    )
    csms.add_argument(
        "--ledger-out",
        metavar="FILE",
        help="write one JSON line per transaction message stored (emptied at start), for `fleet verify` "
        '(README "Loss accounting")',
    )


def _config(ns: argparse.Namespace) -> CsmsConfig | None:
    """The CSMS's settings, with --ledger-out emptied and ready; None (and a line on stderr) when
    that file cannot be written."""
    if ns.ledger_out:
        try:
            open(ns.ledger_out, "wb").close()  # created empty: the CSMS appends to it
        except OSError as exc:
            print(f"fleet csms: error: --ledger-out {ns.ledger_out}: {exc.strerror or exc}", file=sys.stderr)
            return None
    return replace(csms_config(ns, "", 0), ledger_out=ns.ledger_out, **csms_limits(ns))  # type: ignore[arg-type]


def serve_csms(ns: argparse.Namespace) -> int:
    """Run `fleet csms` with parsed arguments until Ctrl-C; the exit code."""
    try:
        security = csms_security(ns)
        console = console_settings(ns)
    except ValueError as exc:
        print(f"fleet csms: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if ns.workers > 1:
        if security is not None:
            print("fleet csms: error: --security-profile needs --workers 1 (for now)", file=sys.stderr)
            return ExitCode.BAD_INPUT
        if ns.script:
            print(
                "fleet csms: error: --script needs --workers 1 (one process sees every station)",
                file=sys.stderr,
            )
            return ExitCode.BAD_INPUT
        config = _config(ns)
        return serve_csms_workers(ns, config) if config is not None else ExitCode.BAD_INPUT
    config = _config(ns)
    if config is None:
        return ExitCode.BAD_INPUT
    try:
        live, companion = console_companion(console)
    except ConsoleUnavailable as exc:
        print(f"fleet csms: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    tune_gc_for_long_runs()
    try:
        with csms_metrics(ns) as registry:
            serve = partial(run_csms, config, ns.host, ns.port, registry=registry, script=ns.script)
            serve = partial(serve, security=security, live=live, companion=companion)
            trio.run(until_signalled, serve)
    except MetricsPortUnavailable as exc:
        print(f"fleet csms: error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except OSError as exc:
        print(f"fleet csms: cannot listen on {ns.host}:{ns.port}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK
