"""FASTSim 3.1 (PyPI `fastsim`) on drive cycles: the independent checker of
tests/fastsim.rs. Prints one JSON object per cycle: distance and the energy out
of the battery terminals (propulsion, auxiliaries and HVAC), with its road loads.

    python3 tests/fastsim_check.py CYCLE.csv...

Cycles are evtwin's/FASTSim's CSV (`cycSecs,cycMps,...`, a header, 1 Hz); the car
is FASTSim's own 2022 Tesla Model 3 RWD, the source of evtwin's preset.
"""

import csv
import json
import sys
import warnings

import fastsim

warnings.simplefilter("ignore", DeprecationWarning)


def load(path):
    t, v = [], []
    with open(path, encoding="utf-8-sig") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        for row in rows:
            t.append(float(row[0]))
            v.append(float(row[1]))
    return t, v


def main():
    veh = fastsim.Vehicle.from_resource("2022 Tesla Model 3 RWD thrml.yaml")
    for path in sys.argv[1:]:
        t, v = load(path)
        cyc = fastsim.Cycle.from_pydict(
            {
                "time_seconds": t,
                "speed_meters_per_second": v,
                "init_elev_meters": 0.0,
                "grade": [0.0] * len(t),
            }
        )
        sd = fastsim.SimDrive(veh, cyc)
        sd.run()
        d = sd.to_dict()
        res = d["veh"]["pt_type"]["BEV"]["res"]["state"]
        st = d["veh"]["state"]
        print(
            json.dumps(
                {
                    "cycle": path,
                    "fastsim": fastsim.__version__,
                    "distance_m": st["dist_meters"],
                    "terminal_j": res["energy_out_electrical_joules"],
                    "aux_j": st["energy_aux_joules"],
                    "drag_j": st["energy_drag_joules"],
                    "rolling_j": st["energy_rr_joules"],
                    "air_density_kg_m3": st["air_density_kilograms_per_cubic_meter"],
                }
            )
        )


if __name__ == "__main__":
    main()
