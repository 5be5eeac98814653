"""EV models the battery tests share: the same car on its own and driving a real Station."""

from __future__ import annotations

from fleet.behaviour import EvModel

# roughly a 77 kWh 800 V car: flat to 50 %, tapering from 60 % (published curves, rounded)
DC_CURVE = [
    (0.0, 200.0),
    (10.0, 230.0),
    (50.0, 230.0),
    (60.0, 180.0),
    (80.0, 100.0),
    (90.0, 50.0),
    (100.0, 10.0),
]
FAST_DC = EvModel(
    name="fast-dc", share=1.0, battery_kwh=77.4, max_ac_kw=11.0, max_dc_kw=235.0, dc_curve=DC_CURVE
)
