"""PyBaMM's Thevenin equivalent-circuit model (PyPI `pybamm`): the independent
checker of tests/pybamm.rs. Drives a cell given as a table of constant R and C
and an OCV curve with a piecewise-constant current and prints `time_s,voltage_v`
at every second.

    python3 tests/pybamm_check.py TABLE.csv CAPACITY_AH INITIAL_SOC STEPS

TABLE.csv: `soc,ocv_v,r0_ohm,r1_ohm,c1_f[,r2_ohm,c2_f]` (R and C from its first
row); STEPS: `current_a:seconds,...` (positive discharging).
"""

import csv
import sys
import warnings

import numpy as np
import pybamm

warnings.simplefilter("ignore")


def main():
    table, capacity, soc0, steps = sys.argv[1:5]
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    soc = np.array([float(r["soc"]) for r in rows])
    ocv = np.array([float(r["ocv_v"]) for r in rows])
    first = rows[0]
    two = "r2_ohm" in first
    model = pybamm.equivalent_circuit.Thevenin(
        options={"number of rc elements": 2 if two else 1}
    )
    p = pybamm.ParameterValues("ECM_Example")
    p.update(
        {
            "Cell capacity [A.h]": float(capacity),
            "Nominal cell capacity [A.h]": float(capacity),
            "Initial SoC": float(soc0),
            "Open-circuit voltage [V]": lambda z: pybamm.Interpolant(soc, ocv, z),
            "R0 [Ohm]": float(first["r0_ohm"]),
            "R1 [Ohm]": float(first["r1_ohm"]),
            "C1 [F]": float(first["c1_f"]),
            "Entropic change [V/K]": 0.0,
            "Upper voltage cut-off [V]": 10.0,
            "Lower voltage cut-off [V]": 0.0,
        }
    )
    if two:
        p.update(
            {
                "R2 [Ohm]": float(first["r2_ohm"]),
                "C2 [F]": float(first["c2_f"]),
                "Element-2 initial overpotential [V]": 0.0,
            },
            check_already_exists=False,
        )
    experiment = []
    for s in steps.split(","):
        amps, secs = s.split(":")
        experiment.append(pybamm.step.current(float(amps), duration=float(secs), period=1.0))
    sim = pybamm.Simulation(
        model,
        parameter_values=p,
        experiment=pybamm.Experiment(experiment),
        solver=pybamm.CasadiSolver(rtol=1e-9, atol=1e-9),
    )
    sol = sim.solve()
    print("time_s,voltage_v")
    for k, sub in enumerate(sol.sub_solutions):
        t = sub["Time [s]"].entries
        v = sub["Voltage [V]"].entries
        # Each step's first point is the previous step's last (same time).
        for j in range(0 if k == 0 else 1, len(t)):
            print(f"{t[j]:.6f},{v[j]:.9f}")


if __name__ == "__main__":
    main()
