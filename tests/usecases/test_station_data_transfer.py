"""Issue 20, section 2: station-initiated DataTransfer (both versions), driven by a profile's
``[data_transfer]`` in a real run against the embedded CSMS: each station sends the profile's
vendor id, message id and data at ``per_station_hour``; the embedded CSMS answers UnknownVendorId
unless told to accept the vendor (``--csms-data-transfer VENDOR[:MESSAGE]``), then Accepted (and
UnknownMessageId for another message id of that vendor)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio.testing
from _usecase_profile_runs import run_profile, urban_public
from _usecase_wire import Frame, answers_to, calls

from fleet.behaviour._profile_schema import DataTransfer
from fleet.csms import CsmsConfig

_SETTINGS = DataTransfer(per_station_hour=2.0, vendor_id="com.example.fleet", message_id="Diag", data="hello")


def _answered(frames: list[Frame]) -> list[tuple[dict[str, object], str]]:
    """Each DataTransfer the stations sent, with the status the CSMS answered."""
    out = []
    for call in calls(frames, "DataTransfer"):
        (answer,) = answers_to(frames, call)
        assert answer.message[0] == 3, answer
        out.append((call.payload, answer.payload["status"]))
    return out


@pytest.mark.parametrize("ocpp", ["2.0.1", "1.6"])
async def test_stations_send_the_profiles_data_transfer_the_csms_knows_no_vendor(
    autojump_clock: trio.testing.MockClock, tmp_path: Path, ocpp: str
) -> None:
    summary, frames = await run_profile(tmp_path, urban_public(data_transfer=_SETTINGS), ocpp=ocpp)
    sent = _answered(frames)
    # 6 stations x 2 per hour over ~20 simulated hours: about 240
    assert 150 <= len(sent) <= 350
    assert {station for station in (c.station for c in calls(frames, "DataTransfer"))} == {
        f"SIM-{n:05d}" for n in range(6)
    }
    for payload, status in sent:
        assert payload == {"vendorId": "com.example.fleet", "messageId": "Diag", "data": "hello"}
        assert status == "UnknownVendorId"
    row = summary["actions"]["DataTransfer"]
    assert row["ok"] == len(sent) and row["errors"] == 0


async def test_the_embedded_csms_told_to_accept_the_vendor_answers_accepted(
    autojump_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    csms = CsmsConfig(data_transfer_accepts=(("com.example.fleet", "Diag"),))
    _, frames = await run_profile(tmp_path, urban_public(data_transfer=_SETTINGS), ocpp="1.6", csms=csms)
    assert {status for _, status in _answered(frames)} == {"Accepted"}
    # the known vendor with another message id (2.0.1 here): UnknownMessageId
    other = DataTransfer(per_station_hour=2.0, vendor_id="com.example.fleet", message_id="Other")
    _, frames = await run_profile(tmp_path, urban_public(data_transfer=other), csms=csms)
    assert {status for _, status in _answered(frames)} == {"UnknownMessageId"}


async def test_no_data_transfer_by_default(autojump_clock: trio.testing.MockClock, tmp_path: Path) -> None:
    assert urban_public().data_transfer.per_station_hour == 0.0
    _, frames = await run_profile(tmp_path, urban_public(), stations=3)
    assert calls(frames, "DataTransfer") == []
