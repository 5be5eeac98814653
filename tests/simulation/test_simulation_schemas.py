"""Every frame exchanged in a simulation validates against the official OCPP 2.0.1 schemas,
both ways (the stations' requests and answers, and the CSMS model's)."""

from __future__ import annotations

from _simulation_stations import scripted_fleet

from fleet.simulation import Simulation, SimulationConfig
from support import OcppSchemaValidator


def test_every_frame_of_a_short_simulation_is_schema_valid() -> None:
    frames: dict[str, list[tuple[str, str]]] = {}

    def capture(now: float, station_id: str, direction: str, frame: str) -> None:
        frames.setdefault(station_id, []).append((direction, frame))

    config = SimulationConfig(hours=2.0, seed=9)
    stations = scripted_fleet(6, seed=9, outages=[(1_500.0, 2_400.0)], app_starts=[600.0, 4_000.0])
    Simulation(config, stations, on_frame=capture).run()

    validator = OcppSchemaValidator("2.0.1")
    violations = [
        problem
        for station_id in sorted(frames)
        for problem in validator.validate_stream(
            frames[station_id], directions=("sent", "received"), where=f"{station_id} "
        )
    ]
    assert violations == []
    sent = [text for stream in frames.values() for direction, text in stream if direction == "sent"]
    actions = {text.split('"')[3] for text in sent if text.startswith("[2,")}
    assert {"BootNotification", "StatusNotification", "TransactionEvent", "Heartbeat"} <= actions
    assert any('"RequestStartTransaction"' in text for stream in frames.values() for _, text in stream)
