"""GB/T 27930 interop evidence at the CLI level: python cantools decodes the
frames `evtwin bridge` put on the in-process bus (its candump -L log) with
assets/dbc/gbt27930.dbc, BRM / BCP / BCS reassembled here, by hand, from
TP.CM (RTS / CTS / EOMA) and TP.DT, and every decoded field is compared with
the run's own trace (and, for the fixed parameters, with the run's summary,
the scenario's station and the pack's cell file).

Timing: the twin's protocol sides see the plant once per step, before it
(crates/evtwin-scenario/src/charge_link/hook.rs), and on a bus what they send
in that step goes out at its end. A frame logged at T therefore carries the
plant of the trace row at T - step; the trace is sampled every step, so that
row exists and the comparison needs no time tolerance. The tolerance is the
DBC signal's quantisation: half its scale (the codec rounds), from the DBC.

Known disagreements (KNOWN below) are the glue's, listed with the reason; they
are reported, not counted as failures, and an entry that stops disagreeing
fails the check (remove it then).

usage: gbt_trace_interop.py CAPTURE.log TRACE.csv SUMMARY.json SCENARIO.toml
       GBT27930.dbc CELLS_DIR
Prints one line per message, then one JSON line; exit 1 on a disagreement.
"""
import collections
import csv
import datetime
import json
import math
import sys
import tomllib

import cantools

CHARGER, BMS = 0x56, 0xF4
# `charge.protocol_phase` for GB/T: the station's phase, 1 + its index
PHASE = {"idle": 1, "handshake": 2, "recognition": 3, "parameters": 4,
         "charging": 5, "stopping": 6, "statistics": 7, "done": 8}
# BRM battery type by the cell file's chemistry prefix (GB/T 27930 table)
BATTERY_TYPE = {"lfp": 3, "lmo": 4, "lco": 5, "nmc": 6, "lto": 8}
VIN = "LEVTWIN0000000001"  # the car's VIN (charge_link/gbt.rs)
CTS_EPOCH = datetime.datetime(2026, 1, 1)  # virtual time 0 (charge_link/gbt.rs)
MAX_V_MARGIN_V = 10.0  # BHM/BCP: full-charge voltage + 10 V (scenarios/README.md)

# (message, field, reference) -> why it disagrees
KNOWN = {}


def capture(path):
    """GB/T frames of a candump -L log: (time s, 29-bit id, data)."""
    out = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 3 or "#" not in parts[2]:
            continue
        ident, data = parts[2].split("#")
        if len(ident) != 8:
            continue
        i = int(ident, 16)
        if {(i >> 8) & 0xFF, i & 0xFF} == {CHARGER, BMS}:
            out.append((float(parts[0].strip("()")), i, bytes.fromhex(data)))
    return out


def reassemble(frames):
    """TP payloads by hand (RTS opens (sa, da), DT fills it by sequence
    number, the receiver's EOMA closes it): (RTS time, pgn, sa, payload)."""
    sessions, done = {}, []
    for t, ident, data in frames:
        pf, ps, sa = (ident >> 16) & 0xFF, (ident >> 8) & 0xFF, ident & 0xFF
        if pf == 0xEC and data[0] == 16:
            pgn = data[5] | data[6] << 8 | data[7] << 16
            sessions[(sa, ps)] = (t, pgn, data[1] | data[2] << 8, {})
        elif pf == 0xEB and (sa, ps) in sessions:
            sessions[(sa, ps)][3][data[0]] = data[1:8]
        elif pf == 0xEC and data[0] == 19 and (ps, sa) in sessions:
            t0, pgn, size, packets = sessions.pop((ps, sa))
            payload = b"".join(packets[k] for k in sorted(packets))[:size]
            done.append((t0, pgn, ps, payload))
    return done


class Trace:
    def __init__(self, path):
        with open(path) as f:
            rows = list(csv.DictReader(f))
        self.rows = [{k: float(v) for k, v in r.items() if k != "mark"} for r in rows]
        self.at = {round(r["time_s"] * 1e6): i for i, r in enumerate(self.rows)}

    def row(self, t_s):
        i = self.at.get(round(t_s * 1e6))
        if i is None:
            raise SystemExit(f"the trace has no row at {t_s:.6f} s (sample it every step)")
        return self.rows[i]

    def phase(self, t_s):
        """`charge.protocol_phase` at `t_s`; None where the trace has no row."""
        i = self.at.get(round(t_s * 1e6))
        return None if i is None else self.rows[i]["charge.protocol_phase"]


class Checker:
    def __init__(self, db):
        self.db = db
        self.errors = []
        self.known = collections.defaultdict(list)
        self.frames = collections.Counter()
        self.fields = 0

    def tol(self, msg, field):
        scale = self.db.get_message_by_name(msg).get_signal_by_name(field).scale
        return abs(scale) / 2 * (1 + 1e-9) + 1e-9

    def field(self, msg, field, t, got, want, ref, tol=None):
        tol = self.tol(msg, field) if tol is None else tol
        self.fields += 1
        diff = abs(float(got) - float(want))
        if diff > tol:
            rec = (diff / tol, msg, field, t, float(got), float(want), tol, ref)
            key = (msg, field, ref)
            (self.known[key] if key in KNOWN else self.errors).append(rec)

    def fail(self, what):
        self.errors.append((math.inf, what, "", 0.0, 0.0, 0.0, 0.0, ""))


def describe(rec):
    _, msg, field, t, got, want, tol, ref = rec
    if not field:
        return msg
    return (f"{msg} {field} at {t:.2f} s: decoded {got:.6g}, {ref} {want:.6g} "
            f"(tolerance {tol:.3g})")


def bcd(v):
    return (v >> 4) * 10 + (v & 0xF)


def accept_a(r):
    """What the pack accepts: the cells'/BMS's limit and the power limit at this voltage."""
    return max(min(r["pack.charge_limit_a"],
                   r["pack.charge_power_limit_w"] / max(r["pack.voltage_v"], 1.0)), 0.0)


def check_frames(ck, db, frames, tps, tr, step_s, fx):
    """Compares every frame's fields with the trace row it was made from."""
    src = lambda t: tr.row(t - step_s)  # noqa: E731
    full_v = fx["full_v"]
    bcp = [(t, p) for t, pgn, _, p in tps if pgn == 0x0600]
    plugin_accept = accept_a(src(bcp[0][0])) if bcp else 0.0
    t_cro = next((t for t, i, d in frames if (i >> 16) & 0xFF == 0x0A and d[0] == 0xAA), None)
    until = fx["until_pct"]
    stopped = False
    for t, ident, data in frames:
        try:
            m = db.get_message_by_frame_id(ident)
        except KeyError:
            continue
        if m.name.startswith("TP"):
            continue
        d = db.decode_message(ident, data, decode_choices=False)
        r = src(t)
        ck.frames[m.name] += 1
        f = lambda name, want, ref, tol=None: ck.field(m.name, name, t, d[name], want, ref, tol)  # noqa: E731

        def minutes(name):
            # whole minutes since the station started charging (CRO 0xAA);
            # its own clock is within a step of the log's
            if t_cro is not None:
                mins = [math.floor(max(t - t_cro + e, 0) / 60 + 1e-9) for e in (-step_s, 0, step_s)]
                f(name, min(mins, key=lambda x: abs(x - d[name])), "whole minutes since CRO 0xAA", 1e-9)
        if m.name == "BHM":
            f("BHM_MaxChargeVoltage", full_v + MAX_V_MARGIN_V, "full-charge voltage + 10 V")
        elif m.name == "CHM":
            for k, v in (("CHM_Version1", 1), ("CHM_Version2", 1), ("CHM_Version3", 0)):
                f(k, v, "GB/T 27930-2015 V1.1")
        elif m.name == "CTS":
            # the station's clock: the fixed epoch plus virtual time, whole seconds
            clock = datetime.datetime(bcd(d["CTS_Year"] >> 8) * 100 + bcd(d["CTS_Year"] & 0xFF),
                                      bcd(d["CTS_Month"]), bcd(d["CTS_Day"]), bcd(d["CTS_Hour"]),
                                      bcd(d["CTS_Minute"]), bcd(d["CTS_Second"]))
            got = (clock - CTS_EPOCH).total_seconds()
            want = min((math.floor(t + e) for e in (-step_s, 0.0)), key=lambda x: abs(x - got))
            ck.field(m.name, "CTS clock", t, got, want, "virtual time since 2026-01-01", 1e-9)
        elif m.name == "CML":
            f("CML_MaxVoltage", fx["station_max_v"], "station max_voltage_v")
            f("CML_MinVoltage", fx["station_min_v"], "station min_voltage_v")
            f("CML_MaxCurrent", -fx["station_max_a"], "station max_current_a")
            f("CML_MinCurrent", 0.0, "zero")
        elif m.name == "BCL":
            f("BCL_VoltageDemand", full_v, "full-charge voltage")
            want = min(accept_a(r), plugin_accept)
            f("BCL_CurrentDemand", -want, "-min(pack.charge_limit_a, charge_power_limit_w / voltage_v)")
            f("BCL_Mode", 2, "constant current")
        elif m.name == "CCS":
            if r["charger.current_a"] > 0:
                # the cable's voltage is the pack's while the station delivers
                # (charger.voltage_v is the pack's before the step's thermal
                # update: up to 10 mV off it every 0.1 s)
                f("CCS_Voltage", r["pack.voltage_v"], "pack.voltage_v")
            # the station's output: into the pack and the car's loads
            f("CCS_Current", -r["charger.dc_power_w"] / max(r["pack.voltage_v"], 1.0),
              "-charger.dc_power_w / pack.voltage_v")
            minutes("CCS_Minutes")
            f("CCS_Permit", 1, "permitted")
        elif m.name == "BSM":
            f("BSM_MaxTemp", r["pack.temp_max_c"], "pack.temp_max_c")
            f("BSM_MinTemp", r["pack.temp_min_c"], "pack.temp_min_c")
            f("BSM_Permit", 0 if stopped else 1, "no stop yet")
        elif m.name == "BST":
            if not stopped:
                # the first BST: the BMS's SOC reached the stop's target in this row, not before
                f("BST_SocReached", 1, "soc reached")
                if not (r["bms.soc_est_pct"] >= until > tr.row(t - 2 * step_s)["bms.soc_est_pct"]):
                    ck.fail(f"first BST at {t:.2f} s: bms.soc_est_pct {r['bms.soc_est_pct']:.4f} "
                            f"did not just reach {until}")
            stopped = True
        elif m.name == "CST":
            f("CST_BmsStopped", 1, "the BMS stopped")
        elif m.name == "BSD":
            f("BSD_Soc", r["bms.soc_est_pct"], "bms.soc_est_pct")
            f("BSD_MaxCellVoltage", r["pack.cell_v_max_v"], "pack.cell_v_max_v")
            f("BSD_MinCellVoltage", r["pack.cell_v_min_v"], "pack.cell_v_min_v")
            f("BSD_MaxTemp", r["pack.temp_max_c"], "pack.temp_max_c")
            f("BSD_MinTemp", r["pack.temp_min_c"], "pack.temp_min_c")
        elif m.name == "CSD":
            f("CSD_Energy", fx["energy_dc_kwh"], "summary energy_dc_kwh")
            f("CSD_Energy", fx["dc_side_kwh"](t - step_s), "sum of charger.dc_power_w x step")
            minutes("CSD_Minutes")
    for t, pgn, sa, payload in tps:
        try:
            m = db.get_message_by_frame_id(0x1C0000F4 | pgn << 8 | CHARGER << 8)
        except KeyError:  # BMV / BMT: no DBC message for per-cell payloads
            ck.frames[f"TP {pgn:#06x} (not in the DBC)"] += 1
            continue
        if m.name not in ("BRM", "BCP", "BCS"):
            continue
        if sa != BMS:
            ck.fail(f"{m.name} at {t:.2f} s from {sa:#x}, not the BMS")
        d = db.decode_message(m.frame_id, payload, decode_choices=False)
        r = src(t)
        ck.frames[m.name] += 1
        f = lambda name, want, ref, tol=None: ck.field(m.name, name, t, d[name], want, ref, tol)  # noqa: E731
        if m.name == "BRM":
            f("BRM_BatteryType", fx["battery_type"], "cell chemistry " + fx["chemistry"])
            f("BRM_RatedCapacity", fx["capacity_ah"], "summary pack.capacity_ah")
            f("BRM_RatedVoltage", fx["nominal_v"], "summary pack.nominal_voltage_v")
            vin = (d["BRM_Vin1"].to_bytes(8, "little") + d["BRM_Vin2"].to_bytes(8, "little")
                   + d["BRM_Vin3"].to_bytes(1, "little")).decode("ascii", "replace")
            ck.fields += 1
            if vin != VIN:
                ck.fail(f"BRM VIN {vin!r} != {VIN!r}")
        elif m.name == "BCP":
            f("BCP_MaxCellVoltage", fx["cell_max_v"], "cell voltage_max_v")
            f("BCP_MaxCurrent", -accept_a(r), "-min(pack.charge_limit_a, charge_power_limit_w / voltage_v)")
            f("BCP_Energy", fx["energy_kwh"], "summary pack.nominal_energy_kwh")
            f("BCP_MaxVoltage", full_v + MAX_V_MARGIN_V, "full-charge voltage + 10 V")
            f("BCP_Soc", r["bms.soc_est_pct"], "bms.soc_est_pct")
            f("BCP_PackVoltage", r["pack.voltage_v"], "pack.voltage_v")
        else:
            f("BCS_Voltage", r["pack.voltage_v"], "pack.voltage_v")
            f("BCS_Current", -r["charger.current_a"], "-charger.current_a")
            f("BCS_Soc", r["bms.soc_est_pct"], "bms.soc_est_pct")
            f("BCS_MaxCellVoltage", r["pack.cell_v_max_v"], "pack.cell_v_max_v")
            # the BMS's estimate: energy left to the target at the present power
            power_kw = max(r["charger.current_a"] * r["pack.voltage_v"] / 1000, 1.0)
            left_kwh = max((until - r["bms.soc_est_pct"]) / 100, 0) * fx["energy_kwh"]
            f("BCS_RemainingMin", min(left_kwh / power_kw * 60, 254), "estimate from the trace row")


def check_phases(ck, frames, tr, step_s, shift_s=0.0):
    """The first frame of each phase falls where the trace's phase reaches it:
    phase(T - step) <= expected <= phase(T + step) (a phase may last less than
    a step, so it can be absent from the trace); the phases only advance."""
    def first(name, pf, test=lambda d: True):
        return next((t for t, i, d in frames if (i >> 16) & 0xFF == pf and test(d)), None)
    marks = [("first CHM", first("CHM", 0x26), "handshake"),
             ("CRM 0xAA", first("CRM", 0x01, lambda d: d[0] == 0xAA), "recognition"),
             ("BRO 0xAA", first("BRO", 0x09, lambda d: d[0] == 0xAA), "parameters"),
             ("first BCL", first("BCL", 0x10), "charging"),
             ("first BST", first("BST", 0x19), "stopping"),
             ("first CST", first("CST", 0x1A), "stopping"),
             ("first CSD", first("CSD", 0x1D), "statistics")]
    last = -math.inf
    times = {}
    for what, t, phase in marks:
        if t is None:
            ck.fail(f"no {what} in the capture")
            continue
        t += shift_s if what == "first BST" else 0.0
        times[what] = t
        before, after = tr.phase(t - step_s), tr.phase(t + step_s)
        if after is None:
            after = tr.rows[-1]["charge.protocol_phase"]
        if before is None or not before <= PHASE[phase] <= after:
            ck.fail(f"{what} at {t:.2f} s: trace phase {before} before, {after} after, "
                    f"expected {PHASE[phase]} ({phase}) between")
        if t < last:
            ck.fail(f"{what} at {t:.2f} s comes before the previous phase's frame")
        last = t
    seq = [r["charge.protocol_phase"] for r in tr.rows]
    on = [p for p in seq if p]
    if on != sorted(on) or not on or on[-1] != PHASE["done"]:
        ck.fail(f"the trace's phases do not advance to done: {sorted(set(on))}")
    return times


def main():
    log, trace, summary, scenario, dbc, cells = sys.argv[1:7]
    db = cantools.database.load_file(dbc)
    frames = capture(log)
    tps = reassemble(frames)
    tr = Trace(trace)
    s = json.load(open(summary))
    sc = tomllib.load(open(scenario, "rb"))
    pack = s["pack"]
    cell = tomllib.load(open(f"{cells}/{pack['chemistry']}.toml", "rb"))
    charge = sc["route"][0]["charge"]
    station = sc["stations"][charge["station"]]
    step_s = s["step_ms"] / 1000
    stop = s["charge_stops"][0]

    def dc_side_kwh(t_end):
        # the rows up to the one the frame's values come from, inclusive
        return sum(r["charger.dc_power_w"] for r in tr.rows
                   if r["time_s"] <= t_end + 1e-9) * step_s / 3.6e6
    fx = {
        "full_v": pack["series"] * cell["voltage_max_v"],
        "cell_max_v": cell["voltage_max_v"],
        "station_max_v": station["max_voltage_v"],
        "station_min_v": station["min_voltage_v"],
        "station_max_a": station["max_current_a"],
        "until_pct": charge["until_soc_pct"],
        "capacity_ah": pack["capacity_ah"],
        "nominal_v": pack["nominal_voltage_v"],
        "energy_kwh": pack["nominal_energy_kwh"],
        "chemistry": pack["chemistry"],
        "battery_type": BATTERY_TYPE.get(pack["chemistry"].split("-")[0], 255),
        "energy_dc_kwh": stop["energy_dc_kwh"],
        "dc_side_kwh": dc_side_kwh,
    }

    ck = Checker(db)
    check_frames(ck, db, frames, tps, tr, step_s, fx)
    times = check_phases(ck, frames, tr, step_s)

    # the comparator bites: one BCS SOC 2 % off, and the first BST 10 s early
    bcs = [i for i, x in enumerate(tps) if x[1] == 0x1100]
    t0, pgn, sa, p = tps[bcs[len(bcs) // 2]]
    bent = tps[:]
    bent[bcs[len(bcs) // 2]] = (t0, pgn, sa, p[:6] + bytes([p[6] + 2]) + p[7:])
    neg = Checker(db)
    check_frames(neg, db, [], bent, tr, step_s, fx)
    soc_caught = any(e[2] == "BCS_Soc" and abs(e[3] - t0) < 1e-9 for e in neg.errors)
    neg = Checker(db)
    check_phases(neg, frames, tr, step_s, shift_s=-10.0)
    phase_caught = any("first BST" in e[1] for e in neg.errors)
    if not soc_caught:
        ck.fail("self-check: a BCS SOC 2 % off was not reported")
    if not phase_caught:
        ck.fail("self-check: a BST 10 s early was not reported")

    for name in sorted(ck.frames):
        print(f"{name}: {ck.frames[name]} compared")
    for key, why in KNOWN.items():
        recs = ck.known.get(key)
        if not recs:
            ck.fail(f"KNOWN {key} now agrees (remove it from KNOWN): {why}")
            continue
        worst = max(recs)
        print(f"known ({len(recs)} frames): {describe(worst)}; {why}")
    ck.errors.sort(reverse=True)
    for e in ck.errors[:20]:
        print("DISAGREES:", describe(e), file=sys.stderr)
    print(json.dumps({
        "gbt_frames": len(frames),
        "frames": dict(ck.frames),
        "fields": ck.fields,
        "errors": len(ck.errors),
        "worst": describe(ck.errors[0]) if ck.errors else None,
        "known": {f"{k[0]}.{k[1]}": len(v) for k, v in ck.known.items()},
        "phase_times_s": times,
        "self_check": {"bcs_soc_2pct": soc_caught, "bst_10s_early": phase_caught},
    }))
    sys.exit(1 if ck.errors else 0)


main()
