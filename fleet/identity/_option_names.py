"""How a shell spells the identity and security options in the errors a user sees.

`fleet run` says ``--password``, the Locust shell ``--fleet-password``; the rest of each message is
the same, so a user meets one wording whichever shell they start.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OptionNames:
    prefix: str = "--"
    stations_file: bool = True  # the shell takes a stations file (`fleet run --stations-file`)
    csms_url: str = "--csms"  # the option that names the CSMS's URL

    def __call__(self, name: str) -> str:
        return f"{self.prefix}{name}"


RUN_OPTIONS = OptionNames()
LOCUST_OPTIONS = OptionNames("--fleet-", stations_file=False, csms_url="--host")
