"""Run a CSMS script against the stations connected to an embedded CSMS, step by step."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio

from fleet.csms._errors import StationCallFailed, StationCallRefused
from fleet.csms._live_transactions import LiveTransaction, live_transactions
from fleet.csms._script import ScriptStep
from fleet.csms._server import CsmsServer
from fleet.ocpp import answer_status

_CONCURRENT_CALLS = 500  # per step: enough to reach thousands of stations fast, not a thundering herd


@dataclass(frozen=True, slots=True)
class ScriptClock:
    """The stations' clock (UTC epoch seconds) against trio's: ``speed`` > 1 when ``fleet run
    --speed`` compresses time, so "18:00" means 18:00 on the stations' clock."""

    real_origin: float
    epoch_origin: float
    speed: float = 1.0

    def epoch(self, real: float) -> float:
        return self.epoch_origin + (real - self.real_origin) * self.speed

    def real(self, epoch: float) -> float:
        return self.real_origin + (epoch - self.epoch_origin) / self.speed


@dataclass(slots=True)
class StepOutcome:
    step: int
    action: str
    due_epoch: float
    stations: int = 0
    answers: dict[str, int] = field(default_factory=dict)  # response status (or "answered") -> count
    errors: dict[str, int] = field(default_factory=dict)  # error code / kind -> count
    # a step with live placeholders: chosen stations skipped for want of a running transaction
    no_live_transaction: int | None = None

    def line(self) -> str:
        answers = ", ".join(f"{n} {status}" for status, n in sorted(self.answers.items())) or "no answers"
        errors = ", ".join(f"{n} {kind}" for kind, n in sorted(self.errors.items()))
        skipped = (
            ""
            if self.no_live_transaction is None
            else f"; {self.no_live_transaction} with no live transaction"
        )
        return (
            f"script step {self.step}: {self.action} to {self.stations} station(s): {answers}"
            + (f"; errors: {errors}" if errors else "")
            + skipped
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step,
            "action": self.action,
            "stations": self.stations,
            "answers": dict(sorted(self.answers.items())),
            "errors": dict(sorted(self.errors.items())),
        }
        if self.no_live_transaction is not None:
            out["no_live_transaction"] = self.no_live_transaction
        return out


async def run_script(
    server: CsmsServer,
    steps: list[ScriptStep],
    clock: ScriptClock,
    rng: random.Random,
    report: Callable[[StepOutcome], None],
) -> list[StepOutcome]:
    """Run every step at its time (in order of due time); ``report`` hears each outcome."""
    started = clock.epoch(trio.current_time())
    outcomes: list[StepOutcome] = []
    for due, step in sorted(((step.at.due(started), step) for step in steps), key=lambda item: item[0]):
        await trio.sleep_until(clock.real(due))
        outcome = await _run_step(server, step, due, clock, rng)
        outcomes.append(outcome)
        report(outcome)
    return outcomes


async def _run_step(
    server: CsmsServer, step: ScriptStep, due: float, clock: ScriptClock, rng: random.Random
) -> StepOutcome:
    connected = server.connected_stations()
    subprotocols = {station: server.station_subprotocol(station) or "" for station in connected}
    targets = step.select(connected, subprotocols, rng)
    running: dict[str, LiveTransaction] = {}
    if step.live:  # only stations with a running transaction that has every value the step needs
        chosen = live_transactions(server.ledger, step.ocpp)
        running = {s: chosen[s] for s in targets if s in chosen and chosen[s].knows(step.live)}
        skipped = len(targets) - len(running)
        targets = [s for s in targets if s in running]
    outcome = StepOutcome(step.number, step.action, due, stations=len(targets))
    if step.live:
        outcome.no_live_transaction = skipped
    limiter = trio.CapacityLimiter(_CONCURRENT_CALLS)

    async def call(station_id: str) -> None:
        async with limiter:
            request = step.request(clock.epoch(trio.current_time()), running.get(station_id))
            try:
                response = await server.call(station_id, step.action, request, timeout=step.timeout_s)
            except StationCallRefused as exc:
                _count(outcome.errors, exc.error_code)
            except StationCallFailed as exc:
                _count(outcome.errors, type(exc).__name__)
            else:
                _count(outcome.answers, answer_status(response, "answered"))

    async with trio.open_nursery() as nursery:
        for station_id in targets:
            nursery.start_soon(call, station_id)
    return outcome


def _count(into: dict[str, int], key: str) -> None:
    into[key] = into.get(key, 0) + 1
