"""The words of fault injection: durations (``250ms``, ``90s``, ``5m``, ``1h30m``), windows
(``60s+20s``: from 60 s for 20 s), and the ``--fault`` / ``--csms-fault`` items that build
``ProxyFaults`` and ``CsmsFaults``. Every error is one line naming the item and what is wrong."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from fleet.chaos._answer_fault_words import ANSWER_FAULT_WORDS, answer_faults, error_code
from fleet.csms import CsmsFaults
from fleet.ocpp import ErrorCode, v16, v201

Window = tuple[float, float]  # (start, length), seconds from the start of the run

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_SIZE_UNIT = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_duration(text: str, what: str) -> float:
    """Seconds in ``text``: ``250ms``, ``90s``, ``5m``, ``1h30m``, or a bare number of seconds."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(number + unit for number, unit in parts) != text:
            raise ValueError(f"{what}: {text!r} is not a duration (e.g. 250ms, 90s, 5m, 1h30m)") from None
        seconds = sum(float(number) * _UNIT_S[unit] for number, unit in parts)
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"{what}: {text!r} is not a duration >= 0")
    return seconds


def parse_window(text: str, what: str) -> Window:
    """``START+LENGTH`` (``60s+20s``): from START after the start of the run, for LENGTH."""
    start, plus, length = text.partition("+")
    if not plus:
        raise ValueError(f"{what}: {text!r} is not a window START+LENGTH (e.g. 60s+20s)")
    window = parse_duration(start, what), parse_duration(length, what)
    if window[1] <= 0:
        raise ValueError(f"{what}: {text!r} lasts no time (LENGTH must be > 0)")
    return window


def parse_bandwidth(text: str, what: str) -> float:
    """Bytes per second: ``64k``, ``1.5M``, ``20000`` (optionally ending in ``B/s``)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)(?:B/s|B)?", text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{what}: {text!r} is not a bandwidth in bytes/s > 0 (e.g. 64k, 1.5M)")
    return float(match.group(1)) * _SIZE_UNIT[match.group(2).lower()]


@dataclass(frozen=True, slots=True)
class ProxyFaults:
    """What the fault proxy does to the bytes it forwards (nothing by default)."""

    latency_s: float = 0.0  # added to every chunk, each direction
    jitter_s: float = 0.0  # plus a uniform 0..jitter, drawn per chunk from a seeded stream
    bandwidth_bps: float = math.inf  # bytes/s per connection and direction
    drop_rate: float = 0.0  # connections cut per connection per second (a Poisson process)
    stalls: tuple[Window, ...] = ()  # nothing forwarded (held, not lost) during these
    outages: tuple[Window, ...] = ()  # every connection cut and new ones refused during these
    half_open: tuple[Window, ...] = ()  # connections go silent, the CSMS side closed, the station's not
    seed: int = 0

    def __bool__(self) -> bool:
        return self != ProxyFaults(seed=self.seed)


def _rate(text: str, what: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"{what}: {text!r} is not a rate >= 0 (connections cut per connection per second)")
    return rate


def _items(text: str, option: str) -> list[tuple[str, str, str]]:
    """``key=value,key=value`` as (key, value, what-to-call-it-in-an-error)."""
    items = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        if not equals or not value:
            raise ValueError(f"{option} {item!r}: expected KIND=VALUE (e.g. latency=50ms)")
        items.append((key.strip().lower().replace("_", "-"), value.strip(), f"{option} {key.strip()}"))
    return items


_ADD_WINDOW: dict[str, Callable[[ProxyFaults, Window], ProxyFaults]] = {
    "stall": lambda faults, window: replace(faults, stalls=(*faults.stalls, window)),
    "outage": lambda faults, window: replace(faults, outages=(*faults.outages, window)),
    "half-open": lambda faults, window: replace(faults, half_open=(*faults.half_open, window)),
}


def parse_proxy_faults(specs: list[str], seed: int = 0, option: str = "--fault") -> ProxyFaults:
    """``latency=50ms,jitter=20ms``, ``bandwidth=64k``, ``drop-rate=0.01``, ``stall=30s+5s``,
    ``outage=60s+20s``, ``half-open=90s+30s``; windows may repeat."""
    faults = ProxyFaults(seed=seed)
    for spec in specs:
        for key, value, what in _items(spec, option):
            if key == "latency":
                faults = replace(faults, latency_s=parse_duration(value, what))
            elif key == "jitter":
                faults = replace(faults, jitter_s=parse_duration(value, what))
            elif key == "bandwidth":
                faults = replace(faults, bandwidth_bps=parse_bandwidth(value, what))
            elif key == "drop-rate":
                faults = replace(faults, drop_rate=_rate(value, what))
            elif key in _ADD_WINDOW:
                faults = _ADD_WINDOW[key](faults, parse_window(value, what))
            else:
                raise ValueError(
                    f"{what}: unknown fault (expected latency, jitter, bandwidth, drop-rate, stall, "
                    "outage or half-open)"
                )
    return faults


def _known_action(action: str, what: str) -> str:
    if action not in v201.ACTIONS and action not in v16.ACTIONS:
        raise ValueError(f"{what}: {action!r} is not an OCPP 2.0.1 or 1.6 action")
    return action


def _action_and(value: str, what: str) -> tuple[str, str]:
    action, _, rest = value.partition(":")
    return _known_action(action.strip(), what), rest.strip()


def parse_csms_faults(specs: list[str], option: str = "--csms-fault", seed: int = 0) -> CsmsFaults:
    """``crash=60s+10s``, ``slow=TransactionEvent:2s``, ``silent=Heartbeat``,
    ``callerror=Authorize[:CODE]``, ``reject=BootNotification``, ``pending=30s``, and the words
    of ``ANSWER_FAULT_WORDS`` (``pending-boots=3``, ``tx-callerror=Ended``, ``tx-token=Blocked``,
    ...); the shares they choose are drawn from ``seed``."""
    crashes: list[Window] = []
    slow: list[tuple[str, float]] = []
    errors: list[tuple[str, ErrorCode]] = []
    silent: set[str] = set()
    rejected: set[str] = set()
    pending = 0.0
    chosen: list[tuple[str, str, str]] = []
    for spec in specs:
        for key, value, what in _items(spec, option):
            if key in ANSWER_FAULT_WORDS:
                chosen.append((key, value, what))
            elif key == "crash":
                crashes.append(parse_window(value, what))
            elif key == "slow":
                action, delay = _action_and(value, what)
                slow.append((action, parse_duration(delay, what)))
            elif key == "callerror":
                action, code = _action_and(value, what)
                errors.append((action, error_code(code, what)))
            elif key in ("silent", "reject"):
                (silent if key == "silent" else rejected).add(_known_action(value, what))
            elif key == "pending":
                pending = parse_duration(value, what)
            else:
                raise ValueError(
                    f"{what}: unknown fault (expected crash, slow, silent, callerror, reject, pending, "
                    f"{', '.join(sorted(ANSWER_FAULT_WORDS))})"
                )
    return CsmsFaults(
        crashes=tuple(crashes),
        slow=tuple(slow),
        silent=frozenset(silent),
        call_errors=tuple(errors),
        rejected=frozenset(rejected),
        pending_boot_s=pending,
        seed=seed,
        **answer_faults(chosen, parse_duration),
    )
