"""The load curve of a forecast as a PNG: messages/s by action, stacked, and concurrent transactions."""

from __future__ import annotations

import os

from fleet.simulation._forecast import Forecast

_TOP_ACTIONS = 5  # the rest is stacked as "other" so the legend stays readable
# messages are averaged over 5-minute bins: a fleet that connected within a minute sends its
# heartbeats in step (default interval 300 s), and per-minute bars would show that comb, not the load
_BIN_MINUTES = 5


def write_forecast_png(forecast: Forecast, path: str | os.PathLike[str]) -> None:
    """Plot the forecast over simulated hours. Needs matplotlib (drawn with the Agg backend)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed; must precede pyplot's import
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RuntimeError(
            f"cannot write the plot {os.fspath(path)!r}: matplotlib is not installed "
            "(pip install matplotlib), or leave out --plot"
        ) from exc

    series = forecast.series
    by_action: dict[str, list[int]] = series["messages_by_action"]
    minutes = int(series["minutes"])
    starts = range(0, minutes, _BIN_MINUTES)
    bin_hours = [(start + min(_BIN_MINUTES, minutes - start) / 2.0) / 60.0 for start in starts]
    ranked = sorted(by_action, key=lambda action: (-sum(by_action[action]), action))
    top = ranked[:_TOP_ACTIONS]
    groups = [[action] for action in top]
    labels = list(top)
    if ranked[_TOP_ACTIONS:]:
        groups.append(ranked[_TOP_ACTIONS:])
        labels.append("other")
    stacks = [
        [
            sum(sum(by_action[action][start : start + _BIN_MINUTES]) for action in group)
            / (60.0 * min(_BIN_MINUTES, minutes - start))
            for start in starts
        ]
        for group in groups
    ]
    hours = [(minute + 0.5) / 60.0 for minute in range(minutes)]

    figure, axis = plt.subplots(figsize=(12, 5), dpi=100)
    try:
        if stacks:
            axis.stackplot(bin_hours, *stacks, labels=labels, alpha=0.85)
        axis.set_xlabel("hours since the start of the simulated day (site local time)")
        axis.set_ylabel(f"messages/s received by the CSMS ({_BIN_MINUTES}-minute mean)")
        axis.set_xlim(0, minutes / 60.0)
        axis.grid(True, alpha=0.3)
        transactions = axis.twinx()
        transactions.plot(
            hours, series["concurrent_transactions"], color="black", linewidth=1.2, label="concurrent tx"
        )
        transactions.set_ylabel("concurrent transactions")
        transactions.set_ylim(bottom=0)
        handles, names = axis.get_legend_handles_labels()
        more_handles, more_names = transactions.get_legend_handles_labels()
        axis.legend(handles + more_handles, names + more_names, loc="upper left", fontsize="small")
        config = forecast.config
        peak = forecast.summary["messages_per_second"]["peak"]
        axis.set_title(
            f"{config['profile']}: {config['stations']} stations, seed {config['seed']}, "
            f"from {config['start_utc']} (peak {peak} msg/s)"
        )
        figure.tight_layout()
        # no timestamp or software version in the file: same forecast, same PNG
        figure.savefig(os.fspath(path), format="png", metadata={"Software": None})
    finally:
        plt.close(figure)
