#!/usr/bin/env python3
"""Independent checks for tests/vcan.rs, with python-cantools as the decoder.

    check.py values DBC CAPTURE TRACE [REAL_NODE...]
        Decodes the twin's frames in a candump -L capture (the frames of messages
        that REAL_NODEs send are left out) and compares chosen signals with the
        twin's own CSV trace (written every step), row by row.
    check.py decode DBC LOG EVTWIN_DECODE_OUTPUT
        Compares `evtwin dbc decode DBC LOG` output with cantools, frame by frame.

Prints what it compared; exits 1 with the first mismatches on failure.
"""

import csv
import math
import sys

import cantools

# (message, signal, trace column, scale: trace value × scale = DBC value), as
# assets/dbc/evtwin.map.toml binds them.
COMPARED = [
    ("BMS_PackState", "BMS_PackVoltage", "pack.voltage_v", 1.0),
    ("BMS_PackState", "BMS_PackCurrent", "pack.current_a", 1.0),
    ("BMS_SOC", "BMS_SOC", "bms.soc_est_pct", 1.0),
    ("BMS_Status", "BMS_ContactorState", "bms.contactor_state", 1.0),
    ("BMS_Status", "BMS_FaultCode", "bms.fault_code", 1.0),
]
STEP_S = 0.01


def read_candump(path):
    """(time_s, arbitration id, extended, data) of each `(t) iface ID#DATA` line."""
    out = []
    with open(path, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or not parts[0].startswith("("):
                continue
            ident, _, data = parts[2].partition("#")
            out.append((float(parts[0][1:-1]), int(ident, 16), len(ident) > 3,
                        bytes.fromhex(data)))
    return out


def epoch(db, frames):
    """Wall time of the twin's virtual time 0.

    The twin sends message m at epoch + offset_m + n * cycle_m (offsets are whole
    milliseconds, the first 0), each frame a little late, never early. So
    min_n(t_n - n * cycle_m) is epoch + offset_m plus the smallest lateness, and the
    minimum over the messages is the epoch (within that lateness, ~0.1 ms).
    """
    first = {}
    seen = {}
    for t, ident, _, _ in frames:
        m = db.get_message_by_frame_id(ident)
        if not m.cycle_time:
            continue
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        e = t - n * m.cycle_time / 1000.0
        first[ident] = min(first.get(ident, e), e)
    return min(first.values()), first


def values(dbc, capture, trace_path, *real):
    db = cantools.database.load_file(dbc)
    twin = {m.frame_id for m in db.messages if not set(m.senders) & set(real)}
    frames = [f for f in read_candump(capture) if f[1] in twin]
    t0, first = epoch(db, frames)
    with open(trace_path, newline="", encoding="ascii") as f:
        rows = {round(float(r["time_s"]) / STEP_S): r for r in csv.DictReader(f)}
    bad = []
    checked = {}
    seen = {}
    for t, ident, _, data in frames:
        m = db.get_message_by_frame_id(ident)
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        wanted = [c for c in COMPARED if c[0] == m.name]
        if not wanted:
            continue
        # The frame's deadline in virtual time (offset rounded to whole ms), and the
        # step whose values it carries: the one taken just before it.
        offset_ms = round((first[ident] - t0) * 1000.0)
        due_ms = offset_ms + n * m.cycle_time
        row = rows.get(due_ms // round(STEP_S * 1000))
        if row is None:
            continue  # after the last trace row (the final partial step)
        decoded = m.decode(data, decode_choices=False)
        for _, sig, col, scale in wanted:
            s = m.get_signal_by_name(sig)
            want = float(row[col]) * scale
            got = decoded[sig]
            # Half a resolution step: the encoder rounds to the nearest raw value
            # (and the trace holds the very values that were encoded).
            tol = abs(s.scale) * 0.5 * (1 + 1e-6) + 1e-9 * abs(want)
            key = f"{m.name}.{sig}"
            k = checked.setdefault(key, [0, 0.0])
            k[0] += 1
            k[1] = max(k[1], abs(got - want))
            if not abs(got - want) <= tol:
                bad.append(f"{key} at {due_ms} ms (frame {t:.6f}): bus {got}, trace "
                           f"{col} {want}, tolerance {tol}")
    print(f"epoch {t0:.6f}; offsets (ms) "
          + ", ".join(f"{db.get_message_by_frame_id(i).name} {round((e - t0) * 1000)}"
                      for i, e in sorted(first.items(), key=lambda x: x[1])))
    for key, (count, worst) in sorted(checked.items()):
        print(f"{key}: {count} frames, largest difference {worst:.6g}")
    missing = {f"{c[0]}.{c[1]}" for c in COMPARED} - set(checked)
    if missing:
        bad.append(f"no frames of {sorted(missing)}")
    return bad


def parse_evtwin(line):
    """`(t) iface ID#DATA :: Msg(Sig: 1.5 V, Sig: 'Name')` -> (frame, name, {sig: text})."""
    head, _, rest = line.partition(" :: ")
    frame = head.split()[2]
    name, _, body = rest.partition("(")
    sigs = {}
    for item in body.rstrip(")").split(", "):
        if item:
            k, _, v = item.partition(": ")
            sigs[k] = v
    return frame, name, sigs


def decode(dbc, log, evtwin_out):
    db = cantools.database.load_file(dbc)
    frames = read_candump(log)
    with open(evtwin_out, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    bad = []
    if len(lines) != len(frames):
        return [f"{len(lines)} decoded lines for {len(frames)} frames"]
    compared = 0
    for (_, ident, ext, data), line in zip(frames, lines):
        frame, name, sigs = parse_evtwin(line)
        m = db.get_message_by_frame_id(ident)
        if name != m.name or int(frame.split("#")[0], 16) != ident or ext != (len(frame.split("#")[0]) > 3):
            bad.append(f"{line}: cantools says {m.name}")
            continue
        dec = m.decode(data, decode_choices=True)
        if set(dec) != set(sigs):
            bad.append(f"{line}: cantools signals {sorted(dec)}")
            continue
        for sig, v in dec.items():
            text = sigs[sig]
            if isinstance(v, cantools.database.namedsignalvalue.NamedSignalValue):
                ok = text == f"'{v.name}'"
            else:
                num = float(text.split()[0])
                unit = m.get_signal_by_name(sig).unit or ""
                ok = math.isclose(num, float(v), rel_tol=1e-12, abs_tol=1e-9) and \
                    text == (f"{text.split()[0]} {unit}" if unit else text.split()[0])
            compared += 1
            if not ok:
                bad.append(f"{line}: {sig} cantools {v!r}")
    print(f"{len(frames)} frames, {compared} signal values agree with cantools")
    return bad


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "values":
        bad = values(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "decode":
        bad = decode(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for b in bad[:20]:
        print("MISMATCH", b)
    if bad:
        print(f"{len(bad)} mismatches")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
