"""Typed, live reads of the device-model variables the station core acts on.

Nothing is cached: a SetVariables from the CSMS takes effect at the next read.
"""

from __future__ import annotations

from fleet.station._device_model import DeviceModel

# used when a variable is missing from the model (the defaults of OCPP 2.0.1 part 2 appendix)
DEFAULT_HEARTBEAT_S = 300
DEFAULT_MESSAGE_TIMEOUT_S = 30


# the keys of the reads made for every message, built once
_HEARTBEAT = ("OCPPCommCtrlr", "HeartbeatInterval", DEFAULT_HEARTBEAT_S, None, None)
_MESSAGE_TIMEOUT = ("OCPPCommCtrlr", "MessageTimeout", DEFAULT_MESSAGE_TIMEOUT_S, "Default", None)


class Settings:
    def __init__(self, model: DeviceModel) -> None:
        self.model = model

    @property
    def heartbeat_interval(self) -> int:
        interval = self.model.read_int(_HEARTBEAT)
        return interval if interval > 1 else 1

    @property
    def message_timeout(self) -> int:
        timeout = self.model.read_int(_MESSAGE_TIMEOUT)
        return timeout if timeout > 1 else 1

    @property
    def message_attempts(self) -> int:
        return max(1, self.model.get_int("OCPPCommCtrlr", "MessageAttempts", 3, instance="TransactionEvent"))

    @property
    def message_attempt_interval(self) -> int:
        return max(
            0, self.model.get_int("OCPPCommCtrlr", "MessageAttemptInterval", 10, instance="TransactionEvent")
        )

    @property
    def tx_updated_interval(self) -> int:
        return max(0, self.model.get_int("SampledDataCtrlr", "TxUpdatedInterval", 60))

    @property
    def tx_started_measurands(self) -> list[str]:
        return self.model.get_list("SampledDataCtrlr", "TxStartedMeasurands", self.tx_updated_measurands)

    @property
    def tx_updated_measurands(self) -> list[str]:
        return self.model.get_list(
            "SampledDataCtrlr", "TxUpdatedMeasurands", ["Energy.Active.Import.Register"]
        )

    @property
    def tx_ended_measurands(self) -> list[str]:
        return self.model.get_list("SampledDataCtrlr", "TxEndedMeasurands", ["Energy.Active.Import.Register"])

    @property
    def aligned_interval(self) -> int:
        return max(0, self.model.get_int("AlignedDataCtrlr", "Interval", 0))

    @property
    def aligned_measurands(self) -> list[str]:
        return self.model.get_list("AlignedDataCtrlr", "Measurands", ["Energy.Active.Import.Register"])

    @property
    def tx_start_points(self) -> list[str]:
        return self.model.get_list("TxCtrlr", "TxStartPoint", ["PowerPathClosed"])

    @property
    def tx_stop_points(self) -> list[str]:
        return self.model.get_list("TxCtrlr", "TxStopPoint", ["EVConnected", "Authorized"])

    @property
    def ev_connection_timeout(self) -> int:
        return max(0, self.model.get_int("TxCtrlr", "EVConnectionTimeOut", 60))

    @property
    def stop_tx_on_ev_side_disconnect(self) -> bool:
        return self.model.get_bool("TxCtrlr", "StopTxOnEVSideDisconnect", True)

    @property
    def stop_tx_on_invalid_id(self) -> bool:
        return self.model.get_bool("TxCtrlr", "StopTxOnInvalidId", True)

    @property
    def max_energy_on_invalid_id(self) -> int:
        return max(0, self.model.get_int("TxCtrlr", "MaxEnergyOnInvalidId", 0))

    @property
    def authorize_remote_start(self) -> bool:
        return self.model.get_bool("AuthCtrlr", "AuthorizeRemoteStart", False)

    @property
    def auth_enabled(self) -> bool:
        return self.model.get_bool("AuthCtrlr", "Enabled", True)

    @property
    def items_per_message(self) -> int:
        return max(1, self.model.items_per_message)

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.model.set_actual("OCPPCommCtrlr", "HeartbeatInterval", str(seconds))
