"""Options for the CSMS that `fleet csms` serves and `fleet run` embeds: how it answers, what it
runs on a schedule. `fleet run` prefixes the answer options with ``csms-``."""

from __future__ import annotations

import argparse

from fleet.cli import _arguments as arg
from fleet.csms import CsmsConfig


def add_csms_behaviour_options(parser: argparse.ArgumentParser, *, prefix: str, title: str) -> None:
    group = parser.add_argument_group(title)
    group.add_argument(
        f"--{prefix}boot-status",
        choices=("Accepted", "Pending", "Rejected"),
        default="Accepted",
        help="BootNotification answer (default Accepted)",
    )
    group.add_argument(
        f"--{prefix}heartbeat-interval",
        type=arg.positive_whole_seconds,
        default=300,
        metavar="DURATION",
        help="heartbeat interval given to stations, whole seconds: 300, 5m (default 300s)",
    )
    group.add_argument(
        f"--{prefix}auth-reject-ratio",
        type=arg.ratio,
        default=0.0,
        metavar="RATIO",
        help="share of idTokens answered Invalid, 0..1 (default 0)",
    )
    group.add_argument(
        f"--{prefix}response-delay",
        type=arg.non_negative_duration,
        default=0.0,
        metavar="DURATION",
        help="delay before every response: 0.2, 200ms (default 0)",
    )
    group.add_argument(
        f"--{prefix}service-time",
        type=arg.non_negative_duration,
        default=0.0,
        metavar="DURATION",
        help="every message waits its turn in one queue and takes this long, so the CSMS saturates "
        "at 1/DURATION messages per second: 10ms holds 100 msg/s (default 0: no queue)",
    )
    group.add_argument(
        f"--{prefix}data-transfer",
        type=data_transfer_accept,
        action="append",
        default=[],
        metavar="VENDOR[:MESSAGE]",
        help="answer a station's DataTransfer Accepted for this vendorId (and only this messageId, "
        "if given); repeatable; another vendor gets UnknownVendorId, another message of a listed "
        "vendor UnknownMessageId (default: none accepted, every DataTransfer UnknownVendorId)",
    )


def data_transfer_accept(text: str) -> tuple[str, str | None]:
    """``VENDOR[:MESSAGE]``: a DataTransfer the CSMS accepts (vendorId up to 255, messageId 50)."""
    vendor, colon, message = text.partition(":")
    if not vendor or len(vendor) > 255 or (colon and not 0 < len(message) <= 50):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected VENDOR[:MESSAGE] (a vendorId of 1-255 characters, a messageId of 1-50)"
        )
    return vendor, message if colon else None


def add_csms_limit_options(parser: argparse.ArgumentParser) -> None:
    """How much abuse `fleet csms` takes (README "fleet csms": limits and logged refusals)."""
    group = parser.add_argument_group("limits")
    group.add_argument(
        "--handshake-timeout",
        type=arg.duration,
        default=10.0,
        metavar="DURATION",
        help="close a connection whose whole HTTP upgrade request (after TLS) takes longer (default 10s)",
    )
    group.add_argument(
        "--max-pending-upgrades",
        type=arg.positive_int,
        default=4096,
        metavar="N",
        help="close new connections at once while N are waiting to upgrade (default 4096)",
    )
    group.add_argument(
        "--auth-failure-limit",
        type=arg.non_negative_int,
        default=20,
        metavar="N",
        help="after N failed Basic auth attempts from one address within --auth-failure-window, "
        "answer it 429 until the window ends (default 20; 0 = never)",
    )
    group.add_argument(
        "--auth-failure-window",
        type=arg.duration,
        default=60.0,
        metavar="DURATION",
        help="the window of --auth-failure-limit (default 60s)",
    )


def csms_limits(ns: argparse.Namespace) -> dict[str, float | int]:
    """The ``CsmsConfig`` fields the options of ``add_csms_limit_options`` set."""
    return {
        "handshake_timeout_s": ns.handshake_timeout,
        "max_pending_upgrades": ns.max_pending_upgrades,
        "auth_failure_limit": ns.auth_failure_limit,
        "auth_failure_window_s": ns.auth_failure_window,
    }


def add_csms_script_option(parser: argparse.ArgumentParser, flag: str, help_text: str) -> None:
    """The CSMS-initiated operations file (format: ``SCRIPT_EPILOG``), as ``flag``."""
    parser.add_argument(flag, type=arg.csms_script, default=None, metavar="FILE", help=help_text)


def csms_config(ns: argparse.Namespace, prefix: str, seed: int) -> CsmsConfig:
    """The CSMS answers that the options added with ``prefix`` ask for."""

    def get(name: str) -> object:
        return getattr(ns, (prefix + name).replace("-", "_"))

    return CsmsConfig(
        boot_status=get("boot-status"),  # type: ignore[arg-type]
        heartbeat_interval=int(get("heartbeat-interval")),  # type: ignore[call-overload]
        auth_reject_ratio=float(get("auth-reject-ratio")),  # type: ignore[arg-type]
        response_delay_s=float(get("response-delay")),  # type: ignore[arg-type]
        service_time_s=float(get("service-time")),  # type: ignore[arg-type]
        data_transfer_accepts=tuple(get("data-transfer")),  # type: ignore[arg-type]
        seed=seed,
    )
