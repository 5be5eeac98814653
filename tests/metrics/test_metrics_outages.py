"""Outage windows (issue 17, finding 3): the rule that opens and closes one, and merging the
windows of several worker processes."""

from __future__ import annotations

from fleet.metrics import OutageTracker, TimeSeries


def _fleet(tracker: OutageTracker, stations: int, at: float = 0.0) -> None:
    for _ in range(stations):
        tracker.connected(at)


def test_a_burst_of_lost_connections_opens_a_window_and_returns_close_it() -> None:
    tracker = OutageTracker()
    _fleet(tracker, 100)
    tracker.queue_sampled(9.0, 2)
    for i in range(10):
        tracker.disconnected(10.0 + i * 0.1)  # 10 of 100 within 1 s: past max(3, 5 %)
    tracker.queue_sampled(11.0, 40)
    tracker.queue_sampled(12.0, 52)
    for i in range(10):
        tracker.connected(30.0 + i)
    tracker.queue_sampled(40.0, 30)
    tracker.queue_sampled(41.0, 1)
    (window,) = tracker.summary(1_700_000_000.0)["windows"]
    assert window["start_s"] == 10.0
    assert window["start_utc"] == "2023-11-14T22:13:30+00:00"
    assert window["stations_connected_before"] == 100 and window["stations_lost"] == 10
    assert window["back_95_percent_s"] == 29.0 and window["back_all_s"] == 29.0
    assert window["messages_queued"] == 50
    assert window["queue_drained_s"] == 31.0 and window["all_delivered"]


def test_scattered_losses_open_no_window() -> None:
    tracker = OutageTracker()
    _fleet(tracker, 100)
    for i in range(20):
        tracker.disconnected(i * 3.0)  # one every 3 s: never 5 within 2 s
        tracker.connected(i * 3.0 + 1)
    assert tracker.summary(0.0)["windows"] == []


def test_a_window_still_open_at_the_end_says_so_and_a_drop_means_not_delivered() -> None:
    tracker = OutageTracker()
    _fleet(tracker, 10)
    for _ in range(4):
        tracker.disconnected(5.0)
    tracker.message_dropped()
    tracker.connected(7.0)
    (window,) = tracker.summary(0.0)["windows"]
    assert not window["recovered"] and window["stations_back"] == 1
    assert window["back_all_s"] is None and window["messages_dropped"] == 1
    assert not window["all_delivered"]


def test_windows_of_two_workers_merge_into_one_and_survive_the_time_series_round_trip() -> None:
    now = [0.0]
    first, second = TimeSeries(lambda: now[0], start=0.0), TimeSeries(lambda: now[0], start=0.0)
    for series, returns in ((first, (20.0, 21.0, 22.0, 23.0)), (second, (24.0, 25.0, 26.0, 40.0))):
        now[0] = 0.0
        for _ in range(4):
            series.station_connected()
        now[0] = 10.0
        for _ in range(4):
            series.station_disconnected()
        for at in returns:
            now[0] = at
            series.station_connected()
    merged = TimeSeries.from_dict(first.to_dict())
    merged.merge(TimeSeries.from_dict(second.to_dict()))
    (window,) = merged.outages.summary(0.0)["windows"]
    assert window["stations_lost"] == 8 and window["stations_connected_before"] == 8
    assert window["back_95_percent_s"] == 30.0  # the 8th of 8 returns (95 % of 8 rounds up to 8)
    assert window["back_all_s"] == 30.0


def test_the_summary_and_the_html_report_name_the_window_and_the_loss() -> None:
    from fleet.metrics import format_summary
    from fleet.metrics._html_report import render_html_report

    tracker = OutageTracker()
    _fleet(tracker, 20)
    for _ in range(5):
        tracker.disconnected(12.0)
    for at in range(5):
        tracker.connected(30.0 + at)
    loss = {
        "acknowledged": 10,
        "stored": 10,
        "lost": 0,
        "duplicated": 0,
        "out_of_order": 0,
        "seq_no_gaps": 0,
        "stored_unacknowledged": 0,
        "replayed_offline": 3,
        "dropped_by_stations": 0,
    }
    summary = {"outages": tracker.summary(0.0), "loss": loss}
    text = format_summary(summary)
    assert "outages: 1 window (≥ max(3, 5% of connected) connections lost within 2 s)" in text
    assert "at 12.0 s (1970-01-01T00:00:12+00:00): 5 of 20 stations lost; 95 % back after 22.0 s" in text
    assert "10 acknowledged, 10 stored by the CSMS: 0 lost, 0 duplicated" in text
    html = render_html_report(summary)
    assert "<h2>Outages</h2>" in html and "1970-01-01T00:00:12+00:00" in html
    assert "<h2>Loss accounting (against the CSMS ledger)</h2>" in html
