"""The `fleet csms --script` file format, as the help text shows it."""

SCRIPT_EPILOG = """\
CSMS script (--script FILE, TOML): CSMS-initiated operations on a schedule, e.g.

  [[step]]
  at = "18:00"                   # next 18:00 UTC; or "+90s", "+5m", "+1h30m" after the start
  action = "SetChargingProfile"  # any CSMS-initiated action of the version below
  ocpp = "2.0.1"                 # stations of this version: "2.0.1" (default) or "1.6"
  stations = "10%"               # "all", a share "10%", a glob "SIM-001*", or a list of ids
  timeout_s = 30                 # per call (default 30)
  [step.payload]                 # the request as on the wire (camelCase);
  evseId = 1                     # "${now}" / "${now+15m}" become UTC date-times at send time

"${transactionId}", "${idToken}", "${evseId}" become the station's running transaction (from the
CSMS's ledger; a 1.6 transactionId is a number), e.g. transactionId = "${transactionId}" in a
RequestStopTransaction; stations with none are skipped ("no live transaction").
Each payload is checked against its OCPP schema when the file is loaded; one line per step
reports how many stations answered what. Examples: profiles/scripts/*.toml
(basic-implementation.toml walks the OCPP basic implementation, the paper's Table 3)
"""
