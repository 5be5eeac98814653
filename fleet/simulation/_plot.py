"""The load curve of a forecast as a PNG: messages/s by action, stacked, and concurrent
transactions; for the session model a second panel below with the kW load per site type, stacked,
and the occupied and charging EVSEs."""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

from fleet.simulation._forecast import Forecast

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_TOP_ACTIONS = 5  # the rest is stacked as "other" so the legend stays readable
# messages are averaged over 5-minute bins: a fleet that connected within a minute sends its
# heartbeats in step (default interval 300 s), and per-minute bars would show that comb, not the load
_BIN_MINUTES = 5


def write_forecast_png(forecast: Forecast, path: str | os.PathLike[str]) -> None:
    """Plot the forecast over simulated hours. Needs matplotlib (drawn with the Agg backend)."""
    plt = _pyplot(path)
    series = forecast.series
    minutes = int(series["minutes"])
    sites = series.get("sites")
    if sites is None:
        figure, axis = plt.subplots(figsize=(12, 5), dpi=100)
    else:
        figure, (axis, power) = plt.subplots(2, 1, figsize=(12, 9), dpi=100, sharex=True)
    try:
        if sites is not None:
            _plot_sites(power, sites, minutes)
            load = forecast.summary["sites"]["all"]["load_kw"]
            power.set_title(
                f"load: peak {load['peak']:g} kW at {load['peak_at_s'] / 3600.0:.2f} h", fontsize="medium"
            )
        _plot_messages(axis, series["messages_by_action"], minutes)
        transactions = _plot_transactions(axis, series["concurrent_transactions"], minutes)
        handles, names = axis.get_legend_handles_labels()
        more_handles, more_names = transactions.get_legend_handles_labels()
        axis.legend(handles + more_handles, names + more_names, loc="upper left", fontsize="small")
        config = forecast.config
        rates = forecast.summary["messages_per_second"]
        # the busiest single second (clock-aligned meter values land together), not the chart's means
        axis.set_title(
            f"{config['profile']}: {config['stations']} stations, seed {config['seed']}, "
            f"from {config['start_utc']} (busiest second {rates['peak']} msg/s "
            f"at {rates['peak_at_s'] / 3600.0:.2f} h)"
        )
        figure.tight_layout()
        # no timestamp or software version in the file: same forecast, same PNG
        figure.savefig(os.fspath(path), format="png", metadata={"Software": None})
    finally:
        plt.close(figure)


def _pyplot(path: str | os.PathLike[str]) -> ModuleType:
    """matplotlib's pyplot on the Agg backend (no display needed), or a RuntimeError saying how to get it."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # must precede pyplot's import
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RuntimeError(
            f"cannot write the plot {os.fspath(path)!r}: matplotlib is not installed "
            "(pip install matplotlib), or leave out --plot"
        ) from exc
    return plt


def _plot_messages(axis: Axes, by_action: dict[str, list[int]], minutes: int) -> None:
    """Messages/s of the top actions and "other", stacked, each a mean over a bin of minutes."""
    starts = range(0, minutes, _BIN_MINUTES)
    bin_hours = [(start + min(_BIN_MINUTES, minutes - start) / 2.0) / 60.0 for start in starts]
    groups, labels = _action_groups(by_action)
    stacks = [
        [
            sum(sum(by_action[action][start : start + _BIN_MINUTES]) for action in group)
            / (60.0 * min(_BIN_MINUTES, minutes - start))
            for start in starts
        ]
        for group in groups
    ]
    if stacks:
        axis.stackplot(bin_hours, *stacks, labels=labels, alpha=0.85)
    axis.set_xlabel("hours since the start of the simulated day (site local time)")
    axis.set_ylabel(f"messages/s received by the CSMS ({_BIN_MINUTES}-minute mean)")
    axis.set_xlim(0, minutes / 60.0)
    axis.grid(True, alpha=0.3)


def _action_groups(by_action: dict[str, list[int]]) -> tuple[list[list[str]], list[str]]:
    """The busiest actions, one group each, and the rest as one group "other"; with their labels."""
    ranked = sorted(by_action, key=lambda action: (-sum(by_action[action]), action))
    top = ranked[:_TOP_ACTIONS]
    groups = [[action] for action in top]
    labels = list(top)
    if ranked[_TOP_ACTIONS:]:
        groups.append(ranked[_TOP_ACTIONS:])
        labels.append("other")
    return groups, labels


def _plot_sites(axis: Axes, sites: dict[str, Any], minutes: int) -> None:
    """kW per site type, stacked (5-minute means), and occupied and charging EVSEs on a second axis."""
    starts = range(0, minutes, _BIN_MINUTES)
    bin_hours = [(start + min(_BIN_MINUTES, minutes - start) / 2.0) / 60.0 for start in starts]
    names = sorted(sites["load_kw"])
    stacks = [
        [
            sum(sites["load_kw"][name][start : start + _BIN_MINUTES]) / min(_BIN_MINUTES, minutes - start)
            for start in starts
        ]
        for name in names
    ]
    if stacks:
        axis.stackplot(bin_hours, *stacks, labels=[f"{name} (kW)" for name in names], alpha=0.8)
    axis.set_xlabel("hours since the start of the simulated period (site local time)")
    axis.set_ylabel(f"load, kW ({_BIN_MINUTES}-minute mean)")
    axis.set_xlim(0, minutes / 60.0)
    axis.grid(True, alpha=0.3)
    evses = axis.twinx()
    hours = [(minute + 0.5) / 60.0 for minute in range(minutes)]
    for key, style, label in (
        ("occupied_evses", "-", "occupied EVSEs"),
        ("charging_evses", ":", "charging EVSEs"),
    ):
        total = [sum(values) for values in zip(*sites[key].values(), strict=True)] or [0.0] * minutes
        evses.plot(hours, total, color="black", linestyle=style, linewidth=1.1, label=label)
    evses.set_ylabel("EVSEs (minute mean)")
    evses.set_ylim(bottom=0)
    handles, labels = axis.get_legend_handles_labels()
    more_handles, more_labels = evses.get_legend_handles_labels()
    axis.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize="small")


def _plot_transactions(axis: Axes, concurrent: list[Any], minutes: int) -> Axes:
    """Concurrent transactions, minute by minute, on a second y axis (returned)."""
    hours = [(minute + 0.5) / 60.0 for minute in range(minutes)]
    transactions = axis.twinx()
    transactions.plot(hours, concurrent, color="black", linewidth=1.2, label="concurrent tx")
    transactions.set_ylabel("concurrent transactions")
    transactions.set_ylim(bottom=0)
    return transactions
