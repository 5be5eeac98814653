"""Certificates (generated with trustme, never committed) and a small fleet run under a profile."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import trio
import trustme

from fleet.behaviour import DriverSettings, SimulatedStation
from fleet.csms import CsmsConfig, CsmsSecurity, CsmsServer, serve_csms
from fleet.engine import FleetConfig, run_fleet
from fleet.metrics import RunRecorder
from fleet.station import ShellStation, StationConfig

DRIVER = DriverSettings(mean_idle_s=5, mean_charge_s=10)


@dataclass(frozen=True)
class Pki:
    """A CSMS certificate, the CA stations trust, and the CA that signs station certificates."""

    directory: Path
    server_ca: trustme.CA
    client_ca: trustme.CA

    @property
    def server_ca_file(self) -> str:
        return str(self.directory / "server-ca.pem")

    @property
    def client_ca_file(self) -> str:
        return str(self.directory / "client-ca.pem")

    @property
    def cert_file(self) -> str:
        return str(self.directory / "csms.pem")

    @property
    def key_file(self) -> str:
        return str(self.directory / "csms.key")

    def station_cert(self, station_id: str, *, expired: bool = False) -> str:
        """One PEM file (key + certificate, CN = station id); an expired one ended in 2020."""
        if expired:
            leaf = self.client_ca.issue_cert(
                station_id,
                common_name=station_id,
                not_before=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
                not_after=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
            )
        else:
            leaf = self.client_ca.issue_cert(station_id, common_name=station_id)
        path = self.directory / f"{station_id}.pem"
        leaf.private_key_and_cert_chain_pem.write_to_path(str(path))
        return str(path)


def make_pki(directory: Path, server_ca: trustme.CA | None = None) -> Pki:
    server_ca = server_ca or trustme.CA()
    client_ca = trustme.CA()
    pki = Pki(directory, server_ca, client_ca)
    server_ca.cert_pem.write_to_path(pki.server_ca_file)
    client_ca.cert_pem.write_to_path(pki.client_ca_file)
    server = server_ca.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(pki.cert_file)
    server.private_key_pem.write_to_path(pki.key_file)
    return pki


def make_station(index: int, station_id: str, rng: random.Random, now: float) -> ShellStation:
    config = StationConfig(station_id=station_id, evse_count=1)
    return SimulatedStation(config, rng, DRIVER, start_at=now)


async def run_small_fleet(
    fleet: Callable[[str], FleetConfig], security: CsmsSecurity, *, seconds: float = 60
) -> tuple[RunRecorder, CsmsServer]:
    """Serve the embedded CSMS under ``security``, run ``fleet(csms url)`` for ``seconds``
    (MockClock time when the test uses autojump_clock)."""
    recorder = RunRecorder()
    async with trio.open_nursery() as nursery:
        server: CsmsServer = await nursery.start(partial(serve_csms, security=security), CsmsConfig())
        config = fleet(server.url)
        with trio.fail_after(seconds + 30):
            await run_fleet(config, make_station, recorder)
        nursery.cancel_scope.cancel()
    return recorder, server


def summary_of(recorder: RunRecorder) -> dict[str, Any]:
    return recorder.summary(ocpp_version="2.0.1", duration_s=0.0, stations_configured=0)


def errors_of(recorder: RunRecorder, kind: str) -> list[str]:
    return [entry["message"] for entry in summary_of(recorder)["errors"] if entry["kind"] == kind]


def error_stations_of(recorder: RunRecorder, kind: str) -> set[str]:
    """The stations named by the errors of ``kind`` (the messages name none: errors are grouped by them)."""
    return {
        station
        for entry in summary_of(recorder)["errors"]
        if entry["kind"] == kind
        for station in entry["stations"]
    }
