"""CPU cost of one OCPP round trip through the sans-IO cores, no sockets: a station's heartbeat
encoded, decoded and answered by the embedded CSMS session, the answer decoded by the station.
A measurement, never a test.

python bench/core_round_trip.py [round_trips]
"""

from __future__ import annotations

import random
import sys
import time

from fleet.csms import CsmsConfig, CsmsSession, Ledger
from fleet.station import Station, StationConfig


def _exchange(station: Station, csms: CsmsSession, now: float) -> int:
    frames = 0
    while outgoing := station.data_to_send():
        for frame in outgoing:
            csms.receive(frame, now)
            frames += 1
        for answer in csms.data_to_send():
            station.receive(answer, now)
        station.events()
        csms.events()
    return frames


def main(argv: list[str]) -> None:
    rounds = int(argv[1]) if len(argv) > 1 else 50_000
    station = Station(StationConfig(station_id="BENCH-1"), random.Random(1))
    csms = CsmsSession("BENCH-1", CsmsConfig(heartbeat_interval=60), Ledger(), random.Random(2))
    now = 1_000.0
    station.connected(now)
    _exchange(station, csms, now)
    frames = 0
    start = time.perf_counter()
    for _ in range(rounds):
        now += 60
        station.handle_timer(now)
        frames += _exchange(station, csms, now)
    elapsed = time.perf_counter() - start
    print(
        f"{frames} heartbeat round trips in {elapsed:.2f} s: {elapsed / frames * 1e6:.1f} us per round trip"
    )


if __name__ == "__main__":
    main(sys.argv)
