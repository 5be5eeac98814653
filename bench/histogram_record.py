"""How long LatencyHistogram.record takes, in ns per call. A measurement, never a test.

python bench/histogram_record.py [values]
"""

from __future__ import annotations

import random
import sys
import time

from fleet.metrics import LatencyHistogram


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 1_000_000
    rng = random.Random(1)
    # lognormal around 20 ms: the shape real CSMS latencies have
    values = [rng.lognormvariate(-3.9, 1.0) for _ in range(n)]
    histogram = LatencyHistogram()
    record = histogram.record
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter_ns()
        for value in values:
            record(value)
        best = min(best, time.perf_counter_ns() - start)
    # the bare loop's cost is part of every caller's cost too, but show it so it can be taken off
    start = time.perf_counter_ns()
    for _value in values:
        pass
    loop = time.perf_counter_ns() - start
    print(f"record: {best / n:.0f} ns/record (best of 5 x {n}; empty loop {loop / n:.0f} ns)")
    many = LatencyHistogram()
    start = time.perf_counter_ns()
    many.record_many(values)
    print(f"record_many: {(time.perf_counter_ns() - start) / n:.0f} ns/value")
    start = time.perf_counter_ns()
    histogram.percentiles([50, 90, 99, 99.9])
    print(f"percentiles (4 at once): {(time.perf_counter_ns() - start) / 1000:.0f} µs")


if __name__ == "__main__":
    main(sys.argv)
