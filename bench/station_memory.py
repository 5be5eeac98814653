"""Memory per idle station in the sans-IO core: COUNT stations booted against the embedded CSMS
session and left idle (heartbeating), measured with tracemalloc and as the RSS growth of this
process. No sockets: the connection's own cost (framing, socket buffers) is not in these figures.
A measurement, never a test.

python bench/station_memory.py [COUNT]
"""

from __future__ import annotations

import gc
import json
import random
import resource
import sys
import tracemalloc
from pathlib import Path

from fleet.csms import CsmsConfig, CsmsSession, Ledger
from fleet.station import Station, StationConfig

RESULTS = Path(__file__).resolve().parent / "results"


def _rss_kib() -> int:
    # current, not peak: /proc/self/statm counts pages
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() // 1024


def _boot(station: Station, csms: CsmsSession, now: float) -> None:
    station.connected(now)
    while outgoing := station.data_to_send():
        for frame in outgoing:
            csms.receive(frame, now)
        for answer in csms.data_to_send():
            station.receive(answer, now)
    station.events()
    csms.events()


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 2_000
    ledger, config = Ledger(), CsmsConfig(heartbeat_interval=60)
    gc.collect()
    rss_before = _rss_kib()
    tracemalloc.start()
    stations = []
    for index in range(count):
        station_id = f"MEM-{index:05d}"
        station = Station(StationConfig(station_id=station_id), random.Random(index))
        # the CSMS session is dropped after the boot: only the station's side is measured
        _boot(station, CsmsSession(station_id, config, ledger, random.Random(-index)), 1_000.0)
        stations.append(station)
    gc.collect()
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _rss_kib()
    result = {
        "stations": count,
        "traced_bytes_per_station": round(traced / count),
        "rss_kib_per_station": round((rss_after - rss_before) / count, 2),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"station_memory-{count}.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
