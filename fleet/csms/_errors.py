"""Why a CSMS-initiated request to a station did not produce a response."""

from __future__ import annotations


class StationCallFailed(Exception):
    """Base class: the request ``action`` to station ``station_id`` got no usable response."""

    def __init__(self, message: str, *, station_id: str, action: str) -> None:
        super().__init__(message)
        self.station_id = station_id
        self.action = action


class StationNotConnected(StationCallFailed):
    """The station is not connected, or its connection closed before it answered."""


class StationCallTimeout(StationCallFailed):
    """The station did not answer within the timeout."""


class StationCallRefused(StationCallFailed):
    """The station answered with a CALLERROR (or with a response that breaks the schema)."""

    def __init__(
        self, message: str, *, station_id: str, action: str, error_code: str, description: str
    ) -> None:
        super().__init__(message, station_id=station_id, action=action)
        self.error_code = error_code
        self.description = description
