"""FleetShape: the load shape chosen with --fleet-shape, as Locust's LoadTestShape.

One class reads the option at every tick (Locust picks up every shape class a locustfile
defines, so one class rather than one per shape). The locustfile removes it for
``--fleet-shape none``, leaving Locust's plain users and spawn rate.
"""

from __future__ import annotations

from locust import LoadTestShape

from fleet.locust import _load_curves as curves
from fleet.locust._options import FleetOptions


class FleetShape(LoadTestShape):
    # --users is the peak, --run-time the length, --spawn-rate a lower bound on the rate
    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        runner = self.runner
        assert runner is not None, "Locust sets the runner before the first tick"
        parsed = runner.environment.parsed_options
        assert parsed is not None, "Locust parses the options before starting a shape"
        options = FleetOptions.from_parsed(parsed)
        peak = max(1, int(parsed.num_users or 1))
        run_s = float(parsed.run_time) if parsed.run_time else None
        rate = float(parsed.spawn_rate or 1.0)
        t: float = self.get_run_time()  # type: ignore[no-untyped-call]  # unannotated in Locust
        if options.shape == "ramp":
            ramp_s = run_s if run_s is not None else peak / rate
            users = curves.ramp(t, peak, ramp_s, run_s)
            needed = peak / ramp_s if ramp_s > 0 else float(peak)
        elif options.shape == "steps":
            users = curves.steps(t, peak, options.steps, run_s)
            needed = peak / options.steps  # each step within a second
        else:
            curve = curves.arrival_curve(options.load_profile())
            users = curves.rush_hour(t, peak, curve, options.speed, run_s)
            needed = float(peak)
        return None if users is None else (users, max(rate, needed))
