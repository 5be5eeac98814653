"""N peer stations on one asyncio loop: ramped, reconnecting after a lost connection, stopped
after ``duration_s``; everything reported to a ``RunRecorder`` like the fleet's stations."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

import websockets
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.peer._station import PeerStation, boot, drive, heartbeat
from fleet.metrics import RunRecorder

_TEARDOWN_S = 20.0


@dataclass(frozen=True, slots=True)
class PeerConfig:
    csms_url: str
    stations: int
    duration_s: float
    ramp_per_s: float = 100.0
    seed: int = 1
    evses: int = 1
    idle_mean_s: float = 3_600.0
    charge_mean_s: float = 1_800.0
    step_s: float = 1.0
    meter_interval_s: float = 60.0  # the fleet station's default SampledDataCtrlr.TxUpdatedInterval
    id_prefix: str = "PEER-"


async def run_peer_fleet(config: PeerConfig, recorder: RunRecorder) -> float:
    """Run the peer fleet; returns the seconds it ran."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    master = random.Random(config.seed)
    tasks: list[asyncio.Task[None]] = []

    async def ramp() -> None:
        for index in range(config.stations):
            await asyncio.sleep(max(0.0, started + index / config.ramp_per_s - loop.time()))
            station_id = f"{config.id_prefix}{index:05d}"
            rng = random.Random(master.getrandbits(64))
            tasks.append(asyncio.create_task(_station_life(config, station_id, rng, recorder)))

    ramp_task = asyncio.create_task(ramp())
    await asyncio.sleep(config.duration_s)
    ramp_task.cancel()
    ran_s = loop.time() - started
    for task in tasks:
        task.cancel()
    # closing handshakes of an overloaded fleet can take long: bounded, the run is over anyway
    await asyncio.wait([ramp_task, *tasks], timeout=_TEARDOWN_S)
    return ran_s


async def _station_life(
    config: PeerConfig, station_id: str, rng: random.Random, recorder: RunRecorder
) -> None:
    """Connect, run, and after a lost connection reconnect (and boot again) after 1-5 s."""
    first = True
    while True:
        if not first:
            recorder.reconnect()
            await asyncio.sleep(rng.uniform(1.0, 5.0))
        first = False
        try:
            async with connect(
                f"{config.csms_url.rstrip('/')}/{station_id}",
                subprotocols=[Subprotocol("ocpp2.0.1")],
                compression=None,
                open_timeout=30,
            ) as ws:
                recorder.station_connected()
                try:
                    await _run_connected(config, station_id, ws, rng, recorder)
                finally:
                    recorder.station_disconnected()
        except websockets.exceptions.ConnectionClosed:
            pass  # the CSMS went away (e.g. restarted): reconnect, as after any other loss
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            recorder.error("connect_error", f"{type(exc).__name__}: {exc}"[:120])


async def _run_connected(
    config: PeerConfig, station_id: str, ws: object, rng: random.Random, recorder: RunRecorder
) -> None:
    station = PeerStation(station_id, ws)
    station.recorder = recorder
    reader = asyncio.create_task(station.start())
    loops: list[asyncio.Task[None]] = []
    try:
        interval = await boot(station, config.evses)
        loops.append(asyncio.create_task(heartbeat(station, interval)))
        for evse_id in range(1, config.evses + 1):
            loops.append(
                asyncio.create_task(
                    drive(
                        station,
                        evse_id,
                        random.Random(rng.getrandbits(64)),
                        config.idle_mean_s,
                        config.charge_mean_s,
                        config.step_s,
                        config.meter_interval_s,
                    )
                )
            )
        # the reader ends (with ConnectionClosed) when the connection is lost
        await asyncio.wait([reader, *loops], return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, *loops):
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in (reader, *loops):
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(reader, *loops, return_exceptions=True)
