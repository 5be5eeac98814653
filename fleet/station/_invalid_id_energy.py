"""MaxEnergyOnInvalidId (OCPP 2.0.1 TxCtrlr, OCPP 1.6 configuration key): when the CSMS refuses
the id token of a running transaction and StopTxOnInvalidId (1.6 StopTransactionOnInvalidId) is
false, the transaction goes on but the EVSE delivers at most MaxEnergyOnInvalidId Wh more, then
suspends the energy (2.0.1 chargingState / 1.6 status SuspendedEVSE). With 0 it suspends at once.

The energy is watched by a timer: at the power now flowing, when the allowance runs out; checked
again at least every ``_CHECK_S`` (the power may change in between), so the work stays bounded.
Both versions' cores use it: an EVSE (2.0.1) or connector (1.6) with its meter and transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

from fleet.station._meter import Meter
from fleet.station._timers import Timers

_CHECK_S = 60.0
_TOLERANCE_WH = 1e-6  # float integration of the last step may fall short by rounding


class RefusedTransaction(Protocol):
    id_rejected: bool  # the energy is suspended
    invalid_id_limit_wh: float | None  # the meter register where the allowance ends


class ChargingPoint(Protocol):
    @property
    def meter(self) -> Meter: ...

    @property
    def tx(self) -> object: ...  # compared by identity: is the transaction still the same


def invalid_id_timer(point_id: int) -> tuple[str, int]:
    return ("invalid-id-energy", point_id)


def refuse_energy(
    timers: Timers,
    point: ChargingPoint,
    point_id: int,
    tx: RefusedTransaction,
    allowance_wh: int,
    suspended: Callable[[float], None],
    now: float,
) -> None:
    """The CSMS refused the token of ``tx`` and the transaction goes on: suspend its energy now
    (``allowance_wh`` 0) or once ``allowance_wh`` more has flowed, then call ``suspended``."""
    if tx.invalid_id_limit_wh is not None or tx.id_rejected:
        return  # refused again: the allowance already counts down (or ran out)
    if allowance_wh <= 0:
        tx.id_rejected = True
        return
    point.meter.advance(now)
    tx.invalid_id_limit_wh = point.meter.energy_wh + allowance_wh
    _watch(timers, invalid_id_timer(point_id), point, tx, suspended, now)


def _watch(
    timers: Timers,
    key: Hashable,
    point: ChargingPoint,
    tx: RefusedTransaction,
    suspended: Callable[[float], None],
    now: float,
) -> None:
    limit = tx.invalid_id_limit_wh
    assert limit is not None
    meter = point.meter
    remaining_s = (limit - meter.energy_wh) * 3600.0 / meter.power_w if meter.power_w > 0 else _CHECK_S
    at = now + max(0.001, min(_CHECK_S, remaining_s))

    def check(deadline: float, _: float) -> None:
        if point.tx is not tx or tx.id_rejected:
            return
        meter.advance(deadline)
        if meter.energy_wh >= limit - _TOLERANCE_WH:
            tx.id_rejected = True
            suspended(deadline)
        else:
            _watch(timers, key, point, tx, suspended, deadline)

    timers.set(key, at, check)
