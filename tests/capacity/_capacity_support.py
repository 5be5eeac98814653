"""The job the capacity tests run: the embedded CSMS with one queue of 10 ms per message and a
heartbeat every second, stations that only send heartbeats: it saturates at 100 stations."""

from __future__ import annotations

from fleet.behaviour import DriverSettings
from fleet.csms import CsmsConfig
from fleet.engine import FleetConfig, RunJob

SERVICE_S = 0.010  # 100 messages per second
QUIET = DriverSettings(mean_idle_s=1e9, mean_charge_s=10, step_s=1)  # no driver: heartbeats only


def heartbeat_job() -> RunJob:
    return RunJob(
        fleet=FleetConfig(csms_url="", stations=1, duration_s=1, ramp_per_s=1000, seed=3),
        csms=CsmsConfig(heartbeat_interval=1, service_time_s=SERVICE_S),
        driver=QUIET,
    )
