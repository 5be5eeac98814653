"""The one latency digest of every result file: how many, p50/p90/p99, max and mean, in ms.

``fleet run`` results (per action, ok and error latency), the ``fleet simulate`` forecast (per
action and over all) and the generator's own health (timer lateness, loop lag) all write it, so a
reader, ``fleet compare``, the reports and the dashboards meet one set of keys everywhere:
``count``, ``p50``, ``p90``, ``p99``, ``max``, ``mean``, milliseconds rounded to 0.01.
"""

from __future__ import annotations

from fleet.metrics._histogram import LatencyHistogram

DIGEST_PERCENTILES = (50.0, 90.0, 99.0)


def latency_digest(histogram: LatencyHistogram) -> dict[str, float]:
    """The histogram's digest; an empty histogram gives count 0 and 0.0 for every figure."""
    p50, p90, p99 = histogram.percentiles(DIGEST_PERCENTILES)
    return {
        "count": histogram.count,
        "p50": _ms(p50),
        "p90": _ms(p90),
        "p99": _ms(p99),
        "max": _ms(histogram.max),
        "mean": _ms(histogram.mean),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
