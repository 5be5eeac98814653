"""OCPP 2.0.1 local authorization: SendLocalList / GetLocalListVersion, the authorization cache and
ClearCache, and how both decide who charges while the CSMS is unreachable."""

from __future__ import annotations

from typing import Any

import msgspec
from _station_harness import FakeCsms, boot, make_station, set_variable

from fleet.ocpp import v201
from fleet.station import Station


def _entry(token: str, status: v201.AuthorizationStatusEnum | None = "Accepted") -> v201.AuthorizationData:
    return v201.AuthorizationData(
        id_token=v201.IdToken(id_token=token, type="ISO14443"),
        id_token_info=v201.IdTokenInfo(status=status) if status is not None else msgspec.UNSET,
    )


def _send(
    csms: FakeCsms, version: int, kind: v201.UpdateEnum, entries: list[v201.AuthorizationData], now: float
) -> dict[str, Any]:
    request = v201.SendLocalListRequest(
        version_number=version, update_type=kind, local_authorization_list=entries or msgspec.UNSET
    )
    reply: dict[str, Any] = csms.call("SendLocalList", request, now)[2]
    return reply


def _version(csms: FakeCsms, now: float) -> int:
    version: int = csms.call("GetLocalListVersion", v201.GetLocalListVersionRequest(), now)[2][
        "versionNumber"
    ]
    return version


def _offline_session_starts(station: Station, token: str, now: float) -> bool:
    station.plug_in(1, now)
    station.present_id_token(1, token, "ISO14443", now)
    started = station.evse_state(1).transaction_id is not None
    station.unplug(1, now + 1.0)
    return started


def test_full_and_differential_lists_and_the_version() -> None:
    station = make_station()
    csms = boot(station)
    assert _version(csms, 1.0) == 0
    assert _send(csms, 3, "Full", [_entry("AAA"), _entry("BBB", "Blocked")], 2.0) == {"status": "Accepted"}
    assert _version(csms, 3.0) == 3
    assert station.device_model.get_int("LocalAuthListCtrlr", "Entries", 0) == 2
    mismatch = _send(csms, 3, "Differential", [_entry("CCC")], 4.0)
    assert mismatch["status"] == "VersionMismatch"
    # a differential update adds CCC and removes AAA (an entry without idTokenInfo)
    assert _send(csms, 4, "Differential", [_entry("CCC"), _entry("AAA", None)], 5.0) == {"status": "Accepted"}
    assert _version(csms, 6.0) == 4
    assert station.device_model.get_int("LocalAuthListCtrlr", "Entries", 0) == 2
    assert _send(csms, 5, "Full", [], 7.0) == {"status": "Accepted"}  # an empty full list clears it
    assert station.device_model.get_int("LocalAuthListCtrlr", "Entries", 0) == 0
    csms.assert_schema_valid()


def test_offline_the_local_list_decides_and_online_pre_authorize_skips_the_csms() -> None:
    station = make_station()
    set_variable(station, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false")
    csms = boot(station)
    _send(csms, 1, "Full", [_entry("LISTED"), _entry("BLOCKED", "Blocked")], 1.0)
    station.disconnected(10.0)
    assert _offline_session_starts(station, "LISTED", 20.0)
    assert not _offline_session_starts(station, "BLOCKED", 30.0)
    assert not _offline_session_starts(station, "UNKNOWN", 40.0)
    set_variable(station, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true")
    assert _offline_session_starts(station, "UNKNOWN", 50.0)
    assert not _offline_session_starts(station, "BLOCKED", 60.0)  # known as invalid: always refused
    station.connected(100.0)
    csms.answer_all(100.0)
    set_variable(station, "AuthCtrlr", "LocalPreAuthorize", "true")
    authorizes_before = len(csms.sent_of("Authorize"))
    station.plug_in(1, 110.0)
    station.present_id_token(1, "LISTED", "ISO14443", 110.0)
    assert station.evse_state(1).transaction_id is not None  # at once, no Authorize round trip
    csms.answer_all(110.0)
    assert len(csms.sent_of("Authorize")) == authorizes_before
    csms.assert_schema_valid()


def test_clear_cache_forgets_the_tokens_that_authorized_offline() -> None:
    station = make_station()
    set_variable(station, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false")
    csms = boot(station)
    station.plug_in(1, 1.0)
    station.present_id_token(1, "CACHED", "ISO14443", 1.0)
    csms.answer_all(1.0)  # Authorize Accepted: the token is cached
    station.unplug(1, 2.0)
    csms.answer_all(2.0)
    station.disconnected(10.0)
    assert _offline_session_starts(station, "CACHED", 20.0)
    station.connected(30.0)
    csms.answer_all(30.0)
    assert csms.call("ClearCache", v201.ClearCacheRequest(), 40.0)[2] == {"status": "Accepted"}
    station.disconnected(50.0)
    assert not _offline_session_starts(station, "CACHED", 60.0)
    station.connected(70.0)
    csms.answer_all(70.0)
    set_variable(station, "AuthCacheCtrlr", "Enabled", "false")
    assert csms.call("ClearCache", v201.ClearCacheRequest(), 80.0)[2]["status"] == "Rejected"
    csms.assert_schema_valid()
