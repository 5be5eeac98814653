"""DataTransfer in both directions."""

from __future__ import annotations

from _station_harness import boot, events_of, make_station

from fleet.ocpp import v201
from fleet.station import MessageDropped


def test_csms_data_transfer_unknown_vendor_and_registered_handler() -> None:
    station = make_station()
    csms = boot(station)
    request = v201.DataTransferRequest(vendor_id="com.example", message_id="ping", data={"n": 1})
    assert csms.call("DataTransfer", request, now=1.0)[2] == {"status": "UnknownVendorId"}

    def echo(received: v201.DataTransferRequest) -> v201.DataTransferResponse:
        return v201.DataTransferResponse(status="Accepted", data=received.data)

    station.register_data_transfer_handler("com.example", echo)
    assert csms.call("DataTransfer", request, now=2.0)[2] == {"status": "Accepted", "data": {"n": 1}}
    csms.assert_schema_valid()


def test_station_data_transfer_goes_out_online_and_is_reported_dropped_offline() -> None:
    station = make_station()
    csms = boot(station)
    station.send_data_transfer("com.example", "hello", {"temperature": 21.5}, 1.0)
    sent = csms.take("DataTransfer")
    assert sent.payload == {"vendorId": "com.example", "messageId": "hello", "data": {"temperature": 21.5}}
    csms.answer(sent, now=1.0)
    station.disconnected(2.0)
    csms.drain_events()
    station.send_data_transfer("com.example", None, None, 3.0)
    assert events_of(csms.drain_events(), MessageDropped) == [MessageDropped("DataTransfer", "Offline")]
    csms.assert_schema_valid()
