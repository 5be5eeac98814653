"""One peer station, as the ``ocpp`` library's examples write it: boot, report the connectors,
heartbeat in a loop, and per EVSE a driver who plugs in, authorizes, charges with meter values
every ``meter_interval_s`` and leaves (the same pattern as the fleet's simple driver)."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

from ocpp.v201 import ChargePoint, call

from fleet.metrics import RunRecorder


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class PeerStation(ChargePoint):  # type: ignore[misc]  # ocpp ships no type hints
    """A station with timed calls: every CALL's latency goes to the shared recorder."""

    recorder: RunRecorder

    async def timed(self, request: Any) -> Any | None:
        action = type(request).__name__
        started = time.monotonic()
        try:
            response = await self.call(request)
        except TimeoutError:
            self.recorder.call_failed(action, "Timeout", time.monotonic() - started)
            return None
        if response is None:  # the library returns None for a CALLERROR (suppress=True)
            self.recorder.call_failed(action, "CallError", time.monotonic() - started)
            return None
        self.recorder.call_succeeded(action, time.monotonic() - started)
        return response


async def boot(station: PeerStation, evses: int) -> float:
    """BootNotification and one StatusNotification per connector; returns the heartbeat interval."""
    response = await station.timed(
        call.BootNotification(
            charging_station={"model": "PeerModel", "vendor_name": "PeerVendor"}, reason="PowerUp"
        )
    )
    if response is None or response.status != "Accepted":
        raise ConnectionError(f"{station.id}: BootNotification not accepted: {response}")
    station.recorder.station_booted()
    for evse_id in range(1, evses + 1):
        await station.timed(
            call.StatusNotification(
                timestamp=_now_iso(), connector_status="Available", evse_id=evse_id, connector_id=1
            )
        )
    return float(response.interval)


async def heartbeat(station: PeerStation, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await station.timed(call.Heartbeat())


async def drive(
    station: PeerStation,
    evse_id: int,
    rng: random.Random,
    idle_mean_s: float,
    charge_mean_s: float,
    step_s: float,
    meter_interval_s: float,
) -> None:
    sessions = 0
    while True:
        await asyncio.sleep(rng.expovariate(1.0 / idle_mean_s))
        sessions += 1
        tx_id = f"{station.id}-{evse_id}-{sessions}"
        await station.timed(
            call.StatusNotification(
                timestamp=_now_iso(), connector_status="Occupied", evse_id=evse_id, connector_id=1
            )
        )
        await asyncio.sleep(step_s)
        token = {"id_token": f"{rng.getrandbits(32):08X}", "type": "ISO14443"}
        await station.timed(call.Authorize(id_token=token))
        seq_no = 0
        energy_wh = 0.0
        await station.timed(_tx_event("Started", "Authorized", seq_no, tx_id, evse_id, energy_wh, token))
        station.recorder.transaction_started()
        charge_until = time.monotonic() + rng.expovariate(1.0 / charge_mean_s)
        while (left := charge_until - time.monotonic()) > 0:
            await asyncio.sleep(min(meter_interval_s, left))
            energy_wh += 11_000.0 * min(meter_interval_s, left) / 3600.0
            if time.monotonic() < charge_until:
                seq_no += 1
                await station.timed(
                    _tx_event("Updated", "MeterValuePeriodic", seq_no, tx_id, evse_id, energy_wh)
                )
        seq_no += 1
        await station.timed(_tx_event("Ended", "StopAuthorized", seq_no, tx_id, evse_id, energy_wh))
        station.recorder.transaction_ended(energy_wh)
        await asyncio.sleep(step_s)
        await station.timed(
            call.StatusNotification(
                timestamp=_now_iso(), connector_status="Available", evse_id=evse_id, connector_id=1
            )
        )


def _tx_event(
    event_type: str,
    trigger: str,
    seq_no: int,
    tx_id: str,
    evse_id: int,
    energy_wh: float,
    token: dict[str, str] | None = None,
) -> Any:
    meter = [
        {
            "timestamp": _now_iso(),
            "sampled_value": [{"value": round(energy_wh, 1), "measurand": "Energy.Active.Import.Register"}],
        }
    ]
    return call.TransactionEvent(
        event_type=event_type,
        timestamp=_now_iso(),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info={"transaction_id": tx_id},
        evse={"id": evse_id, "connector_id": 1},
        meter_value=meter,
        id_token=token,
    )
