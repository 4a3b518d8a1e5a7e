"""The timing half of tools/bench-fastsim (run it through that script)."""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import fastsim

UDDS_S = 1369.0  # simulated seconds of one UDDS (1370 rows at 1 Hz)

# (label, step in ms, pack lines, cycle repeats for evtwin)
CASES = [
    ("1 s step, 96 groups", 1000, "", 40),
    ("1 s step, 192 groups", 1000, "[pack]\nseries = 192\nparallel = 15\n", 40),
    ("10 ms step, 96 groups", 10, "", 2),
    ("10 ms step, 192 groups", 10, "[pack]\nseries = 192\nparallel = 15\n", 2),
]


def scenario(path, cycles, step_ms, pack, repeat):
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            f'[scenario]\nname = "bench"\nstep_ms = {step_ms}\n'
            f'[vehicle]\npreset = "model3-rwd-2022"\n{pack}'
            f'[[route]]\ncycle = {{ file = "{cycles}/udds.csv", repeat = {repeat} }}\n'
        )


def evtwin_us_per_sim_s(exe, path):
    out = subprocess.run(
        [exe, "run", path, "--json"], check=True, capture_output=True, text=True
    ).stdout
    d = json.loads(out)
    return d["performance"]["wall_time_s"] / d["duration_s"] * 1e6, d


def fastsim_us_per_sim_s(veh, cyc, walks):
    best = []
    for _ in range(walks):
        sd = fastsim.SimDrive(veh, cyc)
        t0 = time.perf_counter()
        sd.run()
        best.append(time.perf_counter() - t0)
    return statistics.median(best) / UDDS_S * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evtwin", required=True)
    ap.add_argument("--cycles", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    veh = fastsim.Vehicle.from_resource("2022 Tesla Model 3 RWD thrml.yaml")
    cyc_1s = fastsim.Cycle.from_resource("udds.csv")
    cyc_10ms = cyc_1s.resample(0.01)
    print(f"fastsim {fastsim.__version__}, evtwin {a.evtwin}, {a.rounds} rounds, medians")
    print(f"{'case':<24} {'evtwin µs/sim s':>16} {'FASTSim µs/sim s':>17} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, step_ms, pack, repeat in CASES:
            path = os.path.join(tmp, "bench.toml")
            scenario(path, os.path.abspath(a.cycles), step_ms, pack, repeat)
            cyc = cyc_1s if step_ms == 1000 else cyc_10ms
            walks = 5 if step_ms == 1000 else 1
            ev, fs = [], []
            for _ in range(a.rounds):
                us, _ = evtwin_us_per_sim_s(a.evtwin, path)
                ev.append(us)
                fs.append(fastsim_us_per_sim_s(veh, cyc, walks))
            e, f = statistics.median(ev), statistics.median(fs)
            print(f"{label:<24} {e:>16.2f} {f:>17.2f} {f / e:>6.1f}×")


if __name__ == "__main__":
    main()
