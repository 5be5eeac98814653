"""The OCPP action names an SLO may name (a data table: fleet.metrics imports nothing of fleet).

``STATION_ACTIONS`` are the CALLs a station sends in OCPP 2.0.1 or 1.6 (what the recorder times);
``CSMS_ACTIONS`` the ones the CSMS sends, which a station answers and nothing times. Together they
are every action of the generated message tables (fleet.ocpp.v201.ACTIONS, fleet.ocpp.v16.ACTIONS);
a test keeps them equal.
"""

from __future__ import annotations

STATION_ACTIONS = frozenset(
    {
        # both versions
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        # 2.0.1
        "ClearedChargingLimit",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "TransactionEvent",
        # 1.6 (and its security extension)
        "DiagnosticsStatusNotification",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StopTransaction",
    }
)

CSMS_ACTIONS = frozenset(
    {
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ChangeConfiguration",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "CostUpdated",
        "CustomerInformation",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetBaseReport",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetConfiguration",
        "GetDiagnostics",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "InstallCertificate",
        "PublishFirmware",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReserveNow",
        "Reset",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "SignedUpdateFirmware",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)
