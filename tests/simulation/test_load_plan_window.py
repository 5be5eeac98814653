"""Which planned visits a replay window takes, and when: a visit under way at the window's start
joins at once, one that ended before it or arrives after the window's end is left out, and a
plan's times move onto the run's clock by the offset between the two days."""

from __future__ import annotations

from fleet.behaviour import PlannedArrivals, PlannedVisit, load_profile, resolve_profile

HOUR = 3600.0


def _visit(arrival_h: float, departs_h: float, *, method: str = "rfid") -> PlannedVisit:
    return PlannedVisit(
        arrival_s=arrival_h * HOUR,
        departs_s=departs_h * HOUR,
        ev_model="Renault Zoe R135",
        soc_percent=40.0,
        target_soc_percent=80.0,
        id_token="0A1B2C3D",
        start_method="app" if method == "app" else "rfid",
        plug_in_first=True,
        unplug_before_stop=False,
        idle_after_stop=False,
        unplugged_s=departs_h * HOUR + 30.0,
    )


def _arrivals(visits: list[PlannedVisit], offset: float = 0.0) -> PlannedArrivals:
    profile = load_profile(resolve_profile("urban_public"))
    models = {model.name: model for model in profile.ev_models}
    return PlannedArrivals(visits, models, offset, (17 * HOUR, 18 * HOUR))


def test_a_window_takes_the_visits_that_overlap_it_in_order() -> None:
    before, straddling = _visit(12, 16.5), _visit(16, 19)
    inside, later = _visit(17.5, 20, method="app"), _visit(18.2, 21)
    arrivals = _arrivals([later, inside, straddling, before])
    # the visit under way at 17:00 joins as soon as the driver can arrive
    assert arrivals.next_arrival(17 * HOUR) == 17 * HOUR
    joined = arrivals.take(app_start=True)
    assert joined.depart_at == 19 * HOUR and joined.battery.soc_percent == 40.0
    assert arrivals.next_arrival(17 * HOUR + 60) == 17.5 * HOUR
    app = arrivals.take(app_start=False)
    assert app.method == "rfid" and app.token == "0A1B2C3D"  # no app path: a card instead
    assert arrivals.next_arrival(19 * HOUR) is None  # 18:12 is past the window's end


def test_plan_times_move_onto_the_runs_clock() -> None:
    arrivals = _arrivals([_visit(17.25, 18.5)], offset=-17 * HOUR + 5.0)
    assert arrivals.next_arrival(0.0) == 0.25 * HOUR + 5.0
    assert arrivals.take(app_start=True).depart_at == 1.5 * HOUR + 5.0
