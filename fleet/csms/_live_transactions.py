"""The transactions running now, as the CSMS's ledger knows them: what a CSMS script's live
placeholders (``${transactionId}``, ``${idToken}``, ``${evseId}``) become for one station."""

from __future__ import annotations

from dataclasses import dataclass

from fleet.csms._ledger import Ledger

LIVE_NAMES = ("transactionId", "idToken", "evseId")


@dataclass(frozen=True, slots=True)
class LiveTransaction:
    """One running transaction: its id (the CSMS's integer for 1.6), EVSE (1.6: connector), idToken."""

    transaction_id: str
    evse_id: int | None
    id_token: str | None
    ocpp: str = "2.0.1"

    def value(self, name: str) -> str | int | None:
        """The value of the placeholder ``name`` (None: the ledger does not know it)."""
        if name == "transactionId":
            return int(self.transaction_id) if self.ocpp == "1.6" else self.transaction_id
        if name == "evseId":
            return self.evse_id
        return self.id_token

    def knows(self, names: frozenset[str]) -> bool:
        return all(self.value(name) is not None for name in names)


# what a script's payload is checked with when it is loaded
SAMPLE = {ocpp: LiveTransaction("1", 1, "TOKEN", ocpp) for ocpp in ("2.0.1", "1.6")}


def live_transactions(ledger: Ledger, ocpp: str) -> dict[str, LiveTransaction]:
    """Each station's running transaction of version ``ocpp`` (started, not ended), on its lowest
    EVSE; of two on one EVSE (one never ended, e.g. lost in a reboot), the later one."""
    latest: dict[tuple[str, int], LiveTransaction] = {}
    for record in ledger.transactions.values():  # in the order they were first seen
        if record.started and not record.ended and record.ocpp_version == ocpp:
            key = (record.station_id, record.evse_id if record.evse_id is not None else 0)
            latest[key] = LiveTransaction(record.transaction_id, record.evse_id, record.id_token, ocpp)
    chosen: dict[str, LiveTransaction] = {}
    for (station_id, _), live in sorted(latest.items(), key=lambda item: item[0]):
        chosen.setdefault(station_id, live)
    return chosen
