"""Hash every frame of deterministic runs: simulate (frames model, virtual time) for each bundled
profile and the simple driver, and run_job on a MockClock (1.6/2.0.1 mix) with a capture file."""
import hashlib, json, re, sys, tempfile, os
import trio, trio.testing
from fleet.simulation import SimulationConfig, FleetSpec, build_fleet, run_simulation
from fleet.engine import FleetConfig, OcppMix, RunJob, run_job
from fleet.behaviour import load_profile, resolve_profile

def sim(profile, count, hours):
    name, epoch, stations = build_fleet(FleetSpec(count=count, seed=7, profile=profile))
    h = hashlib.sha256(); n = 0
    def on_frame(now, sid, direction, frame):
        nonlocal n
        n += 1
        h.update(f"{now:.6f}|{sid}|{direction}|{frame}\n".encode())
    run_simulation(SimulationConfig(hours=hours, seed=7, epoch=epoch, profile_name=name), stations, on_frame=on_frame)
    return n, h.hexdigest()[:16]

for profile, count, hours in [(None, 20, 6), ("workplace", 30, 12), ("highway_dc", 10, 6), ("residential", 20, 12)]:
    print("simulate", profile, *sim(profile, count, hours), flush=True)

async def engine(profile, mix):
    path = tempfile.mktemp(suffix=".jsonl")
    job = RunJob(fleet=FleetConfig(csms_url="", stations=12, duration_s=3600, ramp_per_s=4, seed=3),
                 profile=load_profile(resolve_profile(profile)) if profile else None,
                 ocpp=OcppMix.parse(mix) if mix else OcppMix(), capture_path=path, sim_start_epoch=1.7e9)
    with trio.fail_after(8000):
        result = await run_job(job)
    lines = []
    for line in open(path):
        rec = json.loads(line)
        rec.pop("t", None); rec.pop("time", None); rec.pop("at", None)
        text = json.dumps(rec, sort_keys=True)
        lines.append(re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?", "<time>", text))
    os.unlink(path)
    return result.exit_code, len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16], hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:16]

for profile, mix in [(None, None), ("workplace", None), (None, "mix:0.5")]:
    out = trio.run(engine, profile, mix, clock=trio.testing.MockClock(autojump_threshold=0))
    print("engine", profile, mix, *out, flush=True)
