"""Fault injection on purpose: a TCP fault proxy in front of any CSMS (latency, jitter, bandwidth,
stalls, dropped connections, outage windows, half-open connections) and the words that configure
it and the embedded CSMS's own faults (``--fault``, ``--csms-fault``, ``fleet chaos``).

Imports ``fleet.csms`` (its ``CsmsFaults`` and the ``FaultEvent`` a results timeline shows) and
``fleet.ocpp`` (action names); trio only, loopback or any TCP address.
"""

from fleet.chaos._proxy import ChaosProxy, serve_chaos_proxy, target_address
from fleet.chaos._spec import (
    ProxyFaults,
    parse_bandwidth,
    parse_csms_faults,
    parse_duration,
    parse_proxy_faults,
    parse_window,
)

__all__ = [
    "ChaosProxy",
    "ProxyFaults",
    "parse_bandwidth",
    "parse_csms_faults",
    "parse_duration",
    "parse_proxy_faults",
    "parse_window",
    "serve_chaos_proxy",
    "target_address",
]
