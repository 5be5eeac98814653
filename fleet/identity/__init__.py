"""Who each station is and what it presents when it connects: ids, passwords, client
certificates, OCPP security profiles 1-3, TLS contexts.

Shell-neutral (no trio, no gevent, no Locust): the trio engine (`fleet run`) and the Locust shell
(`fleet locust`) both build their stations' credentials here, so the options mean the same and
their errors read the same in both (``OptionNames`` spells the option names per shell).
"""

from fleet.identity._identities import (
    FILE_FIELDS,
    IdentityError,
    StationIdentities,
    StationIdentity,
    load_stations_file,
)
from fleet.identity._option_names import LOCUST_OPTIONS, RUN_OPTIONS, OptionNames
from fleet.identity._security import (
    INSECURE_WARNING,
    PROFILES,
    ClientSecurity,
    SecuritySetupError,
    StationCredentials,
    basic_auth_header,
    insecure_warning,
    warn_if_insecure,
)
from fleet.identity._tls_files import check_tls_files

__all__ = [
    "FILE_FIELDS",
    "INSECURE_WARNING",
    "LOCUST_OPTIONS",
    "PROFILES",
    "RUN_OPTIONS",
    "ClientSecurity",
    "IdentityError",
    "OptionNames",
    "SecuritySetupError",
    "StationCredentials",
    "StationIdentities",
    "StationIdentity",
    "basic_auth_header",
    "check_tls_files",
    "insecure_warning",
    "load_stations_file",
    "warn_if_insecure",
]
