"""TxCtrlr.MaxEnergyOnInvalidId (OCPP 2.0.1 E05/E07): when the CSMS refuses the idToken of a
running transaction and StopTxOnInvalidId is false, the transaction goes on but the EVSE delivers
at most MaxEnergyOnInvalidId Wh more, then suspends the energy (chargingState SuspendedEVSE). With
the default 0 it suspends at once.

The energy is watched by a timer: at the power now flowing, when the allowance runs out; checked
again at least every ``_CHECK_S`` (the power may change in between), so the work stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable

from fleet.station._context import StationContext
from fleet.station._evse import ActiveTransaction, Evse

_CHECK_S = 60.0
_TOLERANCE_WH = 1e-6  # float integration of the last step may fall short by rounding


def invalid_id_timer(evse_id: int) -> tuple[str, int]:
    return ("invalid-id-energy", evse_id)


class InvalidIdAllowance:
    __slots__ = ("_ctx", "_suspended")

    def __init__(self, ctx: StationContext, suspended: Callable[[Evse, float], None]) -> None:
        self._ctx = ctx
        self._suspended = suspended  # the EVSE's transaction was suspended: report the new state

    def refused(self, evse: Evse, tx: ActiveTransaction, now: float) -> None:
        """The CSMS refused the token of ``tx``; StopTxOnInvalidId is false."""
        if tx.invalid_id_limit_wh is not None:
            return  # refused again: the allowance already counts down
        allowance = self._ctx.settings.max_energy_on_invalid_id
        if allowance <= 0:
            tx.id_rejected = True
            return
        evse.meter.advance(now)
        tx.invalid_id_limit_wh = evse.meter.energy_wh + allowance
        self._arm(evse, tx, now)

    def _arm(self, evse: Evse, tx: ActiveTransaction, now: float) -> None:
        limit = tx.invalid_id_limit_wh
        assert limit is not None
        power = evse.meter.power_w
        remaining_s = (limit - evse.meter.energy_wh) * 3600.0 / power if power > 0 else _CHECK_S
        at = now + max(0.001, min(_CHECK_S, remaining_s))

        def check(deadline: float, _: float) -> None:
            if evse.tx is not tx or tx.id_rejected:
                return
            evse.meter.advance(deadline)
            if evse.meter.energy_wh >= limit - _TOLERANCE_WH:
                tx.id_rejected = True
                self._suspended(evse, deadline)
            else:
                self._arm(evse, tx, deadline)

        self._ctx.timers.set(invalid_id_timer(evse.evse_id), at, check)
