"""What the CSMS knows about each station right now, for the live console (``fleet.console``).

An observer the sessions feed from the frames they already decode: connects and disconnects,
every frame in and out (a small ring per station), the station-initiated requests with the
answers the CSMS gave (BootNotification, StatusNotification, TransactionEvent, 1.6
Start/StopTransaction, MeterValues, NotifyReport) and the answers to the CSMS's own calls
(GetVariables, GetConfiguration). Each update is a few dict operations; a server without a
console has no observer at all. Trio runs every session on one thread: no locks.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from fleet.ocpp import answer_status, v16, v201

FRAMES_KEPT = 20  # per station: the last frames exchanged, both directions
SAMPLES_KEPT = 240  # per live transaction: meter readings for its chart
TRANSACTIONS_KEPT = 100_000  # the ledger page keeps the newest this many transactions
STATION_STATES = ("offline", "booting", "available", "charging", "faulted", "unavailable")

_ENERGY = "Energy.Active.Import.Register"
_POWER = "Power.Active.Import"
_SOC = "SoC"
_KILO = {"kWh": 1000.0, "kW": 1000.0}


@dataclass(slots=True)
class ConnectorView:
    evse_id: int
    connector_id: int
    status: str
    error_code: str = ""  # OCPP 1.6 StatusNotification errorCode ("" or NoError: none)
    since: float = 0.0  # epoch seconds of the status


@dataclass(slots=True)
class TransactionView:
    transaction_id: str
    station_id: str
    evse_id: int = 0
    id_token: str = ""
    started_at: float = 0.0  # epoch seconds (the station's timestamp)
    ended_at: float | None = None
    last_at: float = 0.0  # epoch seconds of the latest event or reading (the station's clock)
    stopped_reason: str = ""
    energy_wh: float | None = None  # latest register reading
    first_energy_wh: float | None = None
    power_w: float | None = None
    soc: float | None = None
    samples: deque[tuple[float, float | None, float | None]] = field(
        default_factory=lambda: deque(maxlen=SAMPLES_KEPT)
    )  # (epoch, energy Wh, power W)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def duration_s(self) -> float:
        """Started to ended, or to the latest news, on the station's clock (which runs --speed
        times faster than the CSMS's in a compressed run)."""
        end = self.ended_at if self.ended_at is not None else self.last_at
        return max(0.0, end - self.started_at)

    @property
    def delivered_wh(self) -> float:
        if self.energy_wh is None or self.first_energy_wh is None:
            return 0.0
        return max(0.0, self.energy_wh - self.first_energy_wh)


@dataclass(slots=True)
class StationView:
    station_id: str
    ocpp_version: str = ""
    connected: bool = False
    booted: bool = False
    state: str = "offline"
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    messages: int = 0
    errors: int = 0
    version: int = 0  # grows on every change: a console page pushes only when it moved
    connectors: dict[tuple[int, int], ConnectorView] = field(default_factory=dict)
    transactions: dict[str, TransactionView] = field(default_factory=dict)  # the live ones
    frames: deque[tuple[float, str, str | bytes]] = field(default_factory=lambda: deque(maxlen=FRAMES_KEPT))
    variables: dict[str, str] = field(default_factory=dict)  # device model / configuration keys


class LiveView:
    """Every station the CSMS has seen, its connectors, live transactions and last frames;
    fleet counters; a bounded ledger of transactions. ``clock`` gives epoch seconds."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.stations: dict[str, StationView] = {}
        self.counts: dict[str, int] = dict.fromkeys(STATION_STATES, 0)
        self.transactions: dict[str, TransactionView] = {}  # newest last
        self.messages = 0  # frames in and out
        self.errors = 0  # CALLERROR frames in and out

    # -- the connection ------------------------------------------------------------------------

    def connected(self, station_id: str, subprotocol: str) -> None:
        station = self.stations.get(station_id)
        if station is None:
            station = self.stations[station_id] = StationView(station_id)
            self.counts["offline"] += 1
        station.ocpp_version = "1.6" if subprotocol == "ocpp1.6" else "2.0.1"
        # a station that reconnects without rebooting sends no BootNotification: it stays booted
        station.connected = True
        self._restate(station)

    def disconnected(self, station_id: str) -> None:
        station = self.stations.get(station_id)
        if station is not None:
            station.connected = False
            self._restate(station)

    # -- frames --------------------------------------------------------------------------------

    def frame_in(self, station_id: str, data: str | bytes) -> None:
        self._frame(station_id, "in", data)

    def frames_out(self, station_id: str, frames: Iterable[str]) -> None:
        for frame in frames:
            self._frame(station_id, "out", frame)

    def _frame(self, station_id: str, direction: str, data: str | bytes) -> None:
        station = self.stations.get(station_id)
        if station is None:
            return
        station.frames.append((self.clock(), direction, data))
        station.messages += 1
        station.version += 1
        self.messages += 1
        if data[:2] in ("[4", b"[4"):
            station.errors += 1
            self.errors += 1

    # -- what the frames said ------------------------------------------------------------------

    def request(
        self, station_id: str, action: str, request: msgspec.Struct, response: msgspec.Struct | None
    ) -> None:
        """A station-initiated request and the CSMS's answer (None: none was given)."""
        handle = _REQUESTS.get(action)
        station = self.stations.get(station_id)
        if handle is not None and station is not None:
            handle(self, station, request, response)
            self._restate(station)

    def answer(self, station_id: str, action: str, payload: msgspec.Struct) -> None:
        """A station's answer to a CSMS-initiated call."""
        station = self.stations.get(station_id)
        if station is None:
            return
        if isinstance(payload, v201.GetVariablesResponse):
            for result in payload.get_variable_result:
                if result.attribute_status == "Accepted" and isinstance(result.attribute_value, str):
                    station.variables[_variable_key(result.component, result.variable)] = (
                        result.attribute_value
                    )
        elif isinstance(payload, v16.GetConfigurationResponse) and isinstance(
            payload.configuration_key, list
        ):
            for key in payload.configuration_key:
                station.variables[key.key] = key.value if isinstance(key.value, str) else ""

    # -- queries -------------------------------------------------------------------------------

    def page(
        self,
        *,
        state: str = "",
        contains: str = "",
        ocpp_version: str = "",
        sort: str = "id",
        descending: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[StationView]]:
        """One page of stations, filtered and sorted; (how many matched, the page)."""
        rows: Iterable[StationView] = self.stations.values()
        if state:
            rows = (row for row in rows if row.state == state)
        if contains:
            rows = (row for row in rows if contains in row.station_id)
        if ocpp_version:
            rows = (row for row in rows if row.ocpp_version == ocpp_version)
        matched = sorted(rows, key=_SORT_KEYS.get(sort, _SORT_KEYS["id"]), reverse=descending)
        return len(matched), matched[offset : offset + limit]

    def ledger(self, offset: int = 0, limit: int = 50) -> tuple[int, list[TransactionView]]:
        """One page of the transactions, newest first."""
        newest = list(reversed(self.transactions.values()))
        return len(newest), newest[offset : offset + limit]

    # -- bookkeeping ---------------------------------------------------------------------------

    def _restate(self, station: StationView) -> None:
        state = _state_of(station)
        if state != station.state:
            self.counts[station.state] -= 1
            self.counts[state] += 1
            station.state = state
        station.version += 1

    def _transaction(self, station: StationView, transaction_id: str, evse_id: int) -> TransactionView:
        transaction = station.transactions.get(transaction_id)
        if transaction is None:
            transaction = self.transactions.get(transaction_id)
        if transaction is None:
            transaction = TransactionView(
                transaction_id, station.station_id, evse_id, started_at=self.clock()
            )
            self.transactions[transaction_id] = transaction
            if len(self.transactions) > TRANSACTIONS_KEPT:
                del self.transactions[next(iter(self.transactions))]
        if not transaction.ended:
            station.transactions[transaction_id] = transaction
        return transaction

    def _end(self, station: StationView, transaction: TransactionView, at: float, reason: str) -> None:
        transaction.ended_at = at
        transaction.stopped_reason = reason
        transaction.samples.clear()  # the chart is for live transactions; the ledger keeps totals
        station.transactions.pop(transaction.transaction_id, None)


_SORT_KEYS: dict[str, Callable[[StationView], tuple[str | int, str]]] = {
    "id": lambda row: (row.station_id, ""),
    "state": lambda row: (row.state, row.station_id),
    "version": lambda row: (row.ocpp_version, row.station_id),
    "messages": lambda row: (row.messages, row.station_id),
    "errors": lambda row: (row.errors, row.station_id),
}


def _state_of(station: StationView) -> str:
    if not station.connected:
        return "offline"
    if not station.booted:
        return "booting"
    if station.transactions:
        return "charging"
    statuses = [connector.status for connector in station.connectors.values()]
    if "Faulted" in statuses:
        return "faulted"
    if statuses and all(status == "Unavailable" for status in statuses):
        return "unavailable"
    return "available"


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _variable_key(component: v201.Component, variable: v201.Variable) -> str:
    name = component.name
    if isinstance(component.instance, str):
        name += f"[{component.instance}]"
    if isinstance(component.evse, v201.EVSE):
        name += f"@evse{component.evse.id}"
        if isinstance(component.evse.connector_id, int):
            name += f".{component.evse.connector_id}"
    key = f"{name}.{variable.name}"
    return f"{key}[{variable.instance}]" if isinstance(variable.instance, str) else key


# -- handlers per action ---------------------------------------------------------------------------


def _boot(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if isinstance(request, v201.BootNotificationRequest):
        box = request.charging_station
        station.vendor, station.model = box.vendor_name, box.model
        station.firmware = box.firmware_version if isinstance(box.firmware_version, str) else ""
    elif isinstance(request, v16.BootNotificationRequest):
        station.vendor, station.model = request.charge_point_vendor, request.charge_point_model
        station.firmware = request.firmware_version if isinstance(request.firmware_version, str) else ""
    station.booted = response is not None and answer_status(response, "") == "Accepted"


def _status(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    status: str
    if isinstance(request, v201.StatusNotificationRequest):
        key = (request.evse_id, request.connector_id)
        status, error, at = request.connector_status, "", _epoch(request.timestamp)
    elif isinstance(request, v16.StatusNotificationRequest):
        key = (request.connector_id, 1 if request.connector_id else 0)
        status, error = request.status, request.error_code
        at = _epoch(request.timestamp) if isinstance(request.timestamp, datetime) else view.clock()
    else:
        return
    connector = station.connectors.get(key)
    if connector is None:
        connector = station.connectors[key] = ConnectorView(key[0], key[1], status)
    connector.status, connector.error_code, connector.since = status, error, at


def _transaction_event(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if not isinstance(request, v201.TransactionEventRequest):
        return
    evse_id = request.evse.id if isinstance(request.evse, v201.EVSE) else 0
    transaction = view._transaction(station, request.transaction_info.transaction_id, evse_id)
    if evse_id and not transaction.evse_id:
        transaction.evse_id = evse_id
    at = _epoch(request.timestamp)
    transaction.last_at = max(transaction.last_at, at)
    if request.event_type == "Started":
        transaction.started_at = at
    if isinstance(request.id_token, v201.IdToken):
        transaction.id_token = request.id_token.id_token
    if isinstance(request.meter_value, list):
        for meter_value in request.meter_value:
            _reading(transaction, _epoch(meter_value.timestamp), _samples201(meter_value.sampled_value))
    if request.event_type == "Ended" and not transaction.ended:
        reason = request.transaction_info.stopped_reason
        view._end(station, transaction, at, reason if isinstance(reason, str) else "")


def _start16(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if not isinstance(request, v16.StartTransactionRequest) or not isinstance(
        response, v16.StartTransactionResponse
    ):
        return
    transaction = view._transaction(station, str(response.transaction_id), request.connector_id)
    transaction.id_token = request.id_tag
    transaction.started_at = transaction.last_at = _epoch(request.timestamp)
    _reading(transaction, transaction.started_at, [(_ENERGY, float(request.meter_start), "Wh")])


def _stop16(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if not isinstance(request, v16.StopTransactionRequest):
        return
    transaction = view._transaction(station, str(request.transaction_id), 0)
    at = _epoch(request.timestamp)
    _reading(transaction, at, [(_ENERGY, float(request.meter_stop), "Wh")])
    if not transaction.ended:
        view._end(station, transaction, at, request.reason if isinstance(request.reason, str) else "Local")


def _meter_values(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if isinstance(request, v16.MeterValuesRequest) and isinstance(request.transaction_id, int):
        transaction = view._transaction(station, str(request.transaction_id), request.connector_id)
        for reading16 in request.meter_value:
            _reading(transaction, _epoch(reading16.timestamp), _samples16(reading16.sampled_value))
    elif isinstance(request, v201.MeterValuesRequest):
        for transaction in station.transactions.values():
            if transaction.evse_id == request.evse_id:
                for meter_value in request.meter_value:
                    _reading(
                        transaction, _epoch(meter_value.timestamp), _samples201(meter_value.sampled_value)
                    )


def _notify_report(
    view: LiveView, station: StationView, request: msgspec.Struct, response: msgspec.Struct | None
) -> None:
    if not isinstance(request, v201.NotifyReportRequest) or not isinstance(request.report_data, list):
        return
    for data in request.report_data:
        for attribute in data.variable_attribute:
            if attribute.type in ("Actual", msgspec.UNSET) and isinstance(attribute.value, str):
                station.variables[_variable_key(data.component, data.variable)] = attribute.value


_Handler = Callable[[LiveView, StationView, msgspec.Struct, "msgspec.Struct | None"], None]
_REQUESTS: dict[str, _Handler] = {
    "BootNotification": _boot,
    "StatusNotification": _status,
    "TransactionEvent": _transaction_event,
    "StartTransaction": _start16,
    "StopTransaction": _stop16,
    "MeterValues": _meter_values,
    "NotifyReport": _notify_report,
}


def _samples201(values: list[v201.SampledValue]) -> list[tuple[str, float, str]]:
    return [
        (
            value.measurand if isinstance(value.measurand, str) else _ENERGY,
            value.value,
            value.unit_of_measure.unit
            if isinstance(value.unit_of_measure, v201.UnitOfMeasure)
            and isinstance(value.unit_of_measure.unit, str)
            else "",
        )
        for value in values
    ]


def _samples16(values: list[v16.MeterValueSampledValue]) -> list[tuple[str, float, str]]:
    readings: list[tuple[str, float, str]] = []
    for value in values:
        try:
            number = float(value.value)
        except ValueError:
            continue
        measurand = value.measurand if isinstance(value.measurand, str) else _ENERGY
        readings.append((measurand, number, value.unit if isinstance(value.unit, str) else ""))
    return readings


def _reading(transaction: TransactionView, at: float, samples: list[tuple[str, float, str]]) -> None:
    """Energy (Wh), power (W) and state of charge (%) out of one meter value's samples."""
    transaction.last_at = max(transaction.last_at, at)
    energy = power = None
    for measurand, value, unit in samples:
        if measurand == _ENERGY:
            energy = value * _KILO.get(unit, 1.0)
        elif measurand == _POWER:
            power = value * _KILO.get(unit, 1.0)
        elif measurand == _SOC:
            transaction.soc = value
    if energy is not None:
        transaction.energy_wh = energy
        if transaction.first_energy_wh is None:
            transaction.first_energy_wh = energy
    if power is not None:
        transaction.power_w = power
    if energy is not None or power is not None:
        transaction.samples.append((at, energy, power))
