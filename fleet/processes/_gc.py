"""Garbage-collector settings for a process that holds tens of thousands of connections.

CPython's cyclic collector re-scans every tracked object in its full collections, which it runs
each time the heap has grown by a quarter. A fleet or CSMS process holds millions of long-lived
objects (stations, sessions, sockets): measured at 3,000 stations against the embedded CSMS,
the collector took 34 % of the generator's CPU (3.7 of 11 s) with pauses up to 0.5 s, and fewer
stations booted (2,328 of 3,000 in 12 s; 3,000 with these settings, collector 0.8 s). Pauses
grow with the heap, and they are the generator's timer lateness.

So: freeze what was imported (never garbage), collect the young generations in bigger batches,
and leave full collections out. Reference counting still frees all acyclic garbage at once;
only reference cycles among objects that lived through two young collections stay until the
process exits, which a process that lives for one run can afford. Called by the process entry
points of long runs (`fleet run`, `fleet csms`, their worker processes through
``run_child(..., long_run=True)``, the bench), not by the library, so a test process keeps the
default collector.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between young collections (CPython default 700)
MIDDLE_THRESHOLD = 10  # young collections per middle-generation collection (default 10)
# full collections per middle collection: so many that a run never reaches one (default 10)
OLD_THRESHOLD = 1_000_000


def tune_gc_for_long_runs() -> None:
    """Freeze the objects alive now (imports) and set the thresholds above (see the module doc)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
