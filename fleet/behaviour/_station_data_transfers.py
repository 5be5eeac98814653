"""The station's own DataTransfer CALLs (a profile's ``[data_transfer]``): a Poisson process per
station at ``per_station_hour``, each CALL with the profile's vendor id, message id and data.

A DataTransfer falls due whether or not the station is online; one due while it is not (no
connection, or not yet registered) is skipped: a vendor message about now is no use later.
"""

from __future__ import annotations

from fleet.behaviour._profile_schema import DataTransfer
from fleet.station import AnyStation, LazyRandom

_HOUR_S = 3600.0


class StationDataTransfers:
    def __init__(self, settings: DataTransfer, rng: LazyRandom, start_at: float) -> None:
        self._settings = settings
        self._rate_s = settings.per_station_hour / _HOUR_S
        self._rng = rng
        self.sent = 0
        self.skipped = 0  # due while the station was offline or not registered
        self.next_at: float | None = self._after(start_at)

    def _after(self, at: float) -> float | None:
        if self._rate_s <= 0.0:
            return None
        return at + self._rng.expovariate(self._rate_s)

    def fire(self, at: float, station: AnyStation) -> None:
        """The DataTransfer due at ``at``: sent if the station is online; then the next is drawn."""
        if station.is_connected and station.boot_status == "Accepted":
            settings = self._settings
            station.send_data_transfer(settings.vendor_id, settings.message_id, settings.data, at)
            self.sent += 1
        else:
            self.skipped += 1
        self.next_at = self._after(at)
