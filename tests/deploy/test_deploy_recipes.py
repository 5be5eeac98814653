"""deploy/: the container image recipe and the Kubernetes Indexed Job of `fleet run --segment`,
checked as far as a machine without a container runtime or a cluster allows: the Containerfile
parsed and its entry point run as a plain process, the manifest loaded and validated."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
MANIFEST = ROOT / "deploy" / "k8s" / "fleet-segments-job.yaml"


def _instructions() -> list[tuple[str, str]]:
    """The Containerfile's (INSTRUCTION, arguments), comments and blank lines left out."""
    lines = [line.strip() for line in CONTAINERFILE.read_text().splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def _entrypoint() -> list[str]:
    (argument,) = [rest for word, rest in _instructions() if word == "ENTRYPOINT"]
    entrypoint: list[str] = json.loads(argument)
    return entrypoint


def test_the_image_is_python_3_11_slim_with_the_project_installed_and_fleet_as_entry_point() -> None:
    instructions = _instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [rest for word, rest in instructions if word == "RUN"]
    assert any(re.search(r"\bpip install\b.*\s\.(\s|$)", run) for run in runs), runs
    assert _entrypoint() == ["fleet"]
    copied = {rest.split()[0] for word, rest in instructions if word == "COPY"}
    assert {"pyproject.toml", "fleet", "profiles"} <= copied
    assert ("ENV", "FLEET_PROFILES_DIR=/opt/ocpp-fleet/profiles") in instructions


def test_the_entry_point_runs_a_segment_against_the_embedded_csms_as_a_plain_process(tmp_path: Path) -> None:
    """What `docker run ocpp-fleet run --segment 1/2 ...` runs, without the container."""
    (program,) = _entrypoint()
    executable = Path(sys.executable).with_name(program)  # the venv's console script
    out = tmp_path / "segment-0.json"
    arguments = ["run", "--segment", "1/2", "--stations", "4", "--duration", "2", "--drain-timeout", "0"]
    done = subprocess.run(
        [str(executable), *arguments, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "FLEET_PROFILES_DIR": str(ROOT / "profiles")},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["segment"] == {"index": 1, "of": 2}
    assert result["stations"]["configured"] == 4 and result["stations"]["booted"] == 2
    assert result["mergeable"]["fleet"]["stations"] == 4


def _job() -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return job


def _container() -> dict[str, Any]:
    (container,) = _job()["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = container
    return result


def test_the_manifest_is_an_indexed_job_of_as_many_segments_as_completions() -> None:
    job = _job()
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"]
    (script,) = _container()["args"]
    segment = re.search(r'--segment "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/(\d+)"', script)
    assert segment is not None, script
    assert int(segment.group(1)) == spec["completions"]
    assert "--metrics-port 9100" in script and "$FLEET_CSMS_URL" in script
    assert '--out "/results/segment-${JOB_COMPLETION_INDEX}.json"' in script


def test_pods_are_scraped_by_prometheus_and_take_the_csms_url_from_a_secret() -> None:
    annotations = _job()["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "9100"
    (variable,) = [v for v in _container()["env"] if v["name"] == "FLEET_CSMS_URL"]
    assert set(variable["valueFrom"]["secretKeyRef"]) == {"name", "key"}


def test_each_pod_runs_its_own_segment(tmp_path: Path) -> None:
    """The container's shell line, with `fleet` swapped for a printer, as pod 3 of 8 expands it."""
    (script,) = _container()["args"]
    assert _container()["command"] == ["/bin/sh", "-c"]
    printed = subprocess.run(
        ["/bin/sh", "-c", script.replace("exec fleet ", "exec printf '%s\\n' ", 1)],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
        env={"JOB_COMPLETION_INDEX": "2", "FLEET_CSMS_URL": "wss://csms.example/ocpp", "PATH": os.defpath},
    )
    argv = printed.stdout.splitlines()
    assert argv[argv.index("--segment") + 1] == "3/8"
    assert argv[argv.index("--out") + 1] == "/results/segment-2.json"
    assert argv[argv.index("--csms") + 1] == "wss://csms.example/ocpp"
    assert argv[0] == "run" and shlex.join(argv)  # every word expanded, none left empty


def test_the_manifest_is_valid_against_the_kubernetes_schemas() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    version = kubernetes_validate.latest_version()
    try:
        kubernetes_validate.validate(_job(), version, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:  # pragma: no cover - depends on the install
        pytest.skip(f"no Kubernetes {version} schemas offline: {exc}")
