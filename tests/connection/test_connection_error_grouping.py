"""A CSMS outage seen by a fleet: every station's failed connect is one error, and the run's errors
must still be told apart. Each error is keyed by kind and a message that names no station (the
station id goes on its own), so 1,042 failures are two entries, not 1,042 (issue 17: 942 of them
used to end up as "other: more than 100 distinct entries")."""

from __future__ import annotations

import random

import msgspec

from fleet.behaviour import Backoff, SpeedClock
from fleet.connection import ConnectionSettings, StationConnection, station_credentials
from fleet.connection._errors import without_station
from fleet.identity import ClientSecurity, StationIdentity
from fleet.metrics import RunRecorder, format_summary
from fleet.station import Station, StationConfig

CSMS_URL = "ws://csms.example:9000/ocpp"
REFUSED, TIMED_OUT = 942, 100


def _connection(station_id: str, recorder: RunRecorder, settings: ConnectionSettings) -> StationConnection:
    station = Station(StationConfig(station_id=station_id, evse_count=1), random.Random(1))
    credentials = station_credentials(ClientSecurity(), StationIdentity(station_id, None), station)
    url = f"{CSMS_URL}/{station_id}"
    return StationConnection(station_id, station, url, settings, recorder, random.Random(2), credentials)


def _outage(recorders: list[RunRecorder]) -> None:
    """Station n (on recorder n % 2, as two workers would split them) tries to connect at
    100 + n / 100 s of a run that started at 100 s: refused, or (the last 100) no answer in 10 s."""
    settings = ConnectionSettings(SpeedClock(origin=100.0), connect_timeout_s=10.0, backoff=Backoff())
    for n in range(REFUSED + TIMED_OUT):
        conn = _connection(f"SIM-{n:05}", recorders[n % 2], settings)
        now = 100.0 + n / 100
        conn.transport_opening(now)
        if n < REFUSED:
            conn.transport_failed(ConnectionRefusedError(111, "Connection refused"), now)
        else:
            conn.wakeup(now + 10.0)  # the connect timeout


def test_an_outage_of_a_thousand_stations_is_one_entry_per_kind_with_times_and_examples() -> None:
    recorder = RunRecorder()
    _outage([recorder, recorder])

    errors = recorder.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=1042)["errors"]

    assert [(entry["kind"], entry["count"]) for entry in errors] == [
        ("refused", REFUSED),
        ("timeout", TIMED_OUT),
    ]
    refused, timeout = errors
    assert refused["message"].startswith(f"{CSMS_URL}: connection refused")
    assert "SIM-" not in refused["message"] and "SIM-" not in timeout["message"]
    assert (refused["first_s"], refused["last_s"]) == (0.0, 9.41)
    assert refused["stations"] == ["SIM-00000", "SIM-00001", "SIM-00002"]
    assert (timeout["first_s"], timeout["last_s"]) == (19.42, 20.41)
    assert timeout["stations"] == ["SIM-00942", "SIM-00943", "SIM-00944"]


def test_workers_merged_keep_the_same_entries() -> None:
    whole, workers = RunRecorder(), [RunRecorder(), RunRecorder()]
    _outage([whole, whole])
    _outage(workers)

    parent = RunRecorder()
    for worker in workers:  # as a worker ships its recorder to the parent (--workers)
        parent.merge(RunRecorder.from_dict(msgspec.json.decode(msgspec.json.encode(worker.to_dict()))))

    def entries(recorder: RunRecorder) -> list[tuple[str, str, int, float, float]]:
        summary = recorder.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=1042)
        return [(e["kind"], e["message"], e["count"], e["first_s"], e["last_s"]) for e in summary["errors"]]

    assert entries(parent) == entries(whole)
    summary = parent.summary(ocpp_version="2.0.1", duration_s=60.0, stations_configured=1042)
    assert all(len(entry["stations"]) == 3 for entry in summary["errors"])
    lines = format_summary(summary).splitlines()
    assert any(line.startswith("errors: 1042 errors of 2 kinds") for line in lines)
    assert not any("other" in line for line in lines)


def test_a_csms_answer_that_quotes_the_station_id_is_still_one_entry() -> None:
    recorder = RunRecorder()
    settings = ConnectionSettings(SpeedClock(origin=0.0))
    for station_id in ("SIM-1", "SIM-10", "SIM-11"):
        conn = _connection(station_id, recorder, settings)
        conn.transport_opening(1.0)
        conn.transport_open(1.0)
        conn.data_to_send()
        body = f"wrong password for station '{station_id}'".encode()
        conn.receive_data(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body), 1.0
        )

    (entry,) = recorder.summary(ocpp_version="2.0.1", duration_s=1.0, stations_configured=3)["errors"]

    assert entry["kind"] == "auth_rejected" and entry["count"] == 3
    assert entry["message"].startswith(f"{CSMS_URL}: HTTP 401: wrong password for station '<station id>';")
    assert entry["stations"] == ["SIM-1", "SIM-10", "SIM-11"]


def test_only_the_station_id_as_a_word_of_its_own_is_replaced() -> None:
    assert without_station("HTTP 401: no station '1' here", "1") == "HTTP 401: no station '<station id>' here"
    assert without_station("SIM-10 and SIM-1/x", "SIM-1") == "SIM-10 and <station id>/x"
    assert without_station("nothing to see", "") == "nothing to see"
