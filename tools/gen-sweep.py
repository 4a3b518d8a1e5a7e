#!/usr/bin/env python3
"""Writes a sweep of short scenarios for the suite benchmark (README):
ambient temperature x charger power x chemistry, each a 1 km cruise and a
one-minute charge stop, 100 ms steps.

    tools/gen-sweep.py OUT_DIR [--ambients N]

Default: 13 ambients (-30 to 30 degC by 5) x 20 charger powers (50 to 430 kW
by 20) x 4 chemistries = 1040 scenarios. The files are generated, not
committed.
"""
import argparse
import pathlib

CHEMISTRIES = ["nmc-graphite", "sulfide", "oxide", "polymer"]

parser = argparse.ArgumentParser()
parser.add_argument("out", type=pathlib.Path)
parser.add_argument("--ambients", type=int, default=13)
args = parser.parse_args()
args.out.mkdir(parents=True, exist_ok=True)
n = 0
for a in range(args.ambients):
    ambient = -30 + 5 * a
    for kw in range(50, 450, 20):
        for chem in CHEMISTRIES:
            name = f"{chem}-{ambient:+d}c-{kw}kw"
            (args.out / f"{name}.toml").write_text(f"""[scenario]
name = "sweep {chem} {ambient} degC {kw} kW"
step_ms = 100

[vehicle]
preset = "ssb-sedan-800v"

[pack]
chemistry = "{chem}"
initial_soc_pct = 30

[environment]
ambient_c = {ambient}

[[route]]
cruise = {{ distance_km = 1, speed_kph = 60 }}
[[route]]
charge = {{ station = "dc", max_duration_min = 1, precondition = false }}

[stations.dc]
max_power_kw = {kw}
max_voltage_v = 920
max_current_a = 600
""")
            n += 1
print(f"{n} scenarios in {args.out}")
