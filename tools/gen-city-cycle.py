#!/usr/bin/env python3
"""Generates scenarios/cycles/evtwin-city.csv: evtwin's own stop-and-go city cycle.

Run from the repository root:  python3 tools/gen-city-cycle.py
A fixed list of blocks (target speed, cruise time, stop time) driven with constant
acceleration (1.2 m/s²) and deceleration (1.1 m/s²), sampled at 1 Hz. It resembles
the low-speed phases of standard cycles without copying any of them.
"""
from pathlib import Path

ACCEL, DECEL = 1.2, 1.1
# (speed km/h, seconds at speed, seconds stopped after)
BLOCKS = [
    (30, 20, 15), (50, 45, 30), (40, 25, 10), (50, 60, 40), (20, 10, 5),
    (30, 30, 20), (60, 50, 35), (50, 40, 25), (30, 15, 10), (40, 35, 45),
    (50, 55, 20), (30, 20, 15), (45, 30, 30), (60, 70, 25), (25, 10, 20),
]

def main():
    samples = [0.0] * 10          # ten seconds standing at the start
    for kph, hold_s, stop_s in BLOCKS:
        v_top = kph / 3.6
        v = 0.0
        while v < v_top:
            v = min(v_top, v + ACCEL)
            samples.append(v)
        samples += [v_top] * hold_s
        while v > 0.0:
            v = max(0.0, v - DECEL)
            samples.append(v)
        samples += [0.0] * stop_s
    lines = [
        "# evtwin-city: evtwin's own stop-and-go city cycle (tools/gen-city-cycle.py).",
        "time_s,speed_mps",
    ]
    lines += [f"{t},{v:.6f}" for t, v in enumerate(samples)]
    Path("scenarios/cycles/evtwin-city.csv").write_text("\n".join(lines) + "\n")
    dist = sum(0.5 * (a + b) for a, b in zip(samples, samples[1:]))
    print(f"{len(samples) - 1} s, {dist / 1000:.4f} km, mean {dist / (len(samples) - 1) * 3.6:.1f} km/h")

main()
