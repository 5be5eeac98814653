"""A published DC charging figure of an EV model, kept next to its curve in the profile so a test
can check the curve against it (``fleet.behaviour._ev_catalogue.dc_window`` computes the same
figure from the curve): the minutes and/or the average power from one SoC to another, and where
the figure comes from."""

from __future__ import annotations

from typing import Annotated

import msgspec

_Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
_Positive = Annotated[float, msgspec.Meta(gt=0.0)]

# how far the curve may be from a published figure: real sessions vary with battery temperature,
# charger and software by about that much (assumption)
DC_FIGURE_TOLERANCE = 0.10


class DcFigure(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """``[[ev_models.dc_figures]]``: from ``from_percent`` to ``to_percent`` SoC the model took
    ``minutes`` and/or averaged ``avg_kw`` (metered at the charger) in the cited ``source``."""

    from_percent: _Percent
    to_percent: _Percent
    source: Annotated[str, msgspec.Meta(min_length=1)]  # title, year, the figure, the link
    minutes: _Positive | None = None
    avg_kw: _Positive | None = None

    def __post_init__(self) -> None:
        if self.to_percent <= self.from_percent:
            raise ValueError(
                f"dc_figures: to_percent ({self.to_percent}) must be above from_percent ({self.from_percent})"
            )
        if self.minutes is None and self.avg_kw is None:
            raise ValueError("dc_figures: give minutes, avg_kw or both")
