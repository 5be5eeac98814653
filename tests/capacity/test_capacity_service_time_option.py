"""The embedded CSMS's service time: a CsmsConfig field and `--service-time` / `--csms-service-time`."""

from __future__ import annotations

import pytest

from fleet.cli._csms_options import csms_config
from fleet.cli._main import _parse
from fleet.cli._run import job_from_arguments
from fleet.csms import CsmsConfig


def test_a_negative_or_endless_service_time_is_refused_by_name() -> None:
    for seconds in (-0.001, float("inf")):
        with pytest.raises(ValueError, match=r"^CsmsConfig.service_time_s: expected seconds >= 0, got "):
            CsmsConfig(service_time_s=seconds)


def test_the_options_set_it() -> None:
    assert job_from_arguments(_parse(["run", "--csms-service-time", "10ms"])).csms.service_time_s == 0.01
    assert csms_config(_parse(["csms", "--service-time", "2ms"]), "", 0).service_time_s == 0.002
