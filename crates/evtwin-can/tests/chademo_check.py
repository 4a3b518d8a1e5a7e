#!/usr/bin/env python3
"""Checks a CHAdeMO session of evtwin's two sides with an independent decoder.

    chademo_check.py DBC LOG JSON

LOG: candump -L text of the session; JSON: what each side decided to send
({"frames": [{"t_us", "id", "from", "fields": {signal: value}}], "events": [...]}).
python-can reads the log, cantools decodes each frame with DBC. Checks: every
frame of the log is in the JSON in the same order (time, id, sender), every
field decodes to what the sender decided, every message's period is 100 ms,
every reserved bit is 0, and the sequence is in order (charging enabled, then
connector locked, then EV contactors closed, then charging; the EV's contactors
reported open again only with the present current at 5 A or less). Prints one
JSON line of counts; exits 1 with the reasons on failure.
"""
import json
import sys

import can
import cantools

RESERVED = {
    0x100: [0, 0xFF, 0, 0, 0, 0, 0, 0xFF],
    0x101: [0xFF, 0, 0, 0, 0xFF, 0, 0, 0xFF],
    0x102: [0, 0, 0, 0, 0xE0, 0xE0, 0, 0xFF],
    0x108: [0, 0, 0, 0, 0, 0, 0xFF, 0xFF],
    0x109: [0, 0, 0, 0, 0xFF, 0xC0, 0, 0],
}


def main():
    dbc_path, log_path, json_path = sys.argv[1:4]
    db = cantools.database.load_file(dbc_path)
    want = json.load(open(json_path))["frames"]
    errors = []
    records = list(can.CanutilsLogReader(log_path))
    if len(records) != len(want):
        errors.append(f"{len(records)} frames in the log, {len(want)} in the JSON")
    fields = mismatches = ev_fault_frames = 0
    last_t = {}
    state = {"enabled": None, "locked": None, "closed": None, "charging": None}
    present_a = None
    charged = False
    for i, (rec, w) in enumerate(zip(records, want)):
        t_us = round(rec.timestamp * 1e6)
        if t_us != w["t_us"] or rec.arbitration_id != w["id"] or rec.is_extended_id:
            errors.append(f"frame {i}: log {t_us} 0x{rec.arbitration_id:X}, JSON {w['t_us']} 0x{w['id']:X}")
            continue
        msg = db.get_message_by_frame_id(rec.arbitration_id)
        if w["from"] not in msg.senders:
            errors.append(f"frame {i}: 0x{w['id']:X} from {w['from']}, DBC says {msg.senders}")
        data = bytes(rec.data)
        if len(data) != 8:
            errors.append(f"frame {i}: {len(data)} bytes")
        for b, m in zip(data, RESERVED[rec.arbitration_id]):
            if b & m:
                errors.append(f"frame {i}: reserved bits set in {data.hex()}")
        got = db.decode_message(rec.arbitration_id, data, decode_choices=False)
        for name, value in w["fields"].items():
            fields += 1
            if abs(got[name] - value) > 1e-6:
                mismatches += 1
                errors.append(f"frame {i} t={t_us}: {name} decodes to {got[name]}, sent {value}")
        prev = last_t.get(rec.arbitration_id)
        if prev is not None and t_us - prev != 100_000:
            errors.append(f"0x{rec.arbitration_id:X}: {t_us - prev} µs between frames at {t_us}")
        last_t[rec.arbitration_id] = t_us
        if rec.arbitration_id == 0x102:
            if any(got[k] for k in got if k.startswith("EV_Fault")):
                ev_fault_frames += 1
            if got["EV_ChargingEnabled"] and state["enabled"] is None:
                state["enabled"] = t_us
            if not got["EV_ContactorOpen"] and state["closed"] is None:
                state["closed"] = t_us
            if charged and got["EV_ContactorOpen"] and present_a is not None and present_a > 5:
                errors.append(f"EV contactors open at {t_us} with {present_a} A flowing")
        if rec.arbitration_id == 0x109:
            present_a = got["CHG_PresentCurrent"]
            if got["CHG_ConnectorLocked"] and state["locked"] is None:
                state["locked"] = t_us
            if got["CHG_Charging"]:
                charged = True
                if state["charging"] is None:
                    state["charging"] = t_us
    order = [state[k] for k in ("enabled", "locked", "closed", "charging")]
    if None not in order and order != sorted(order):
        errors.append(f"out of order: {state}")
    if errors:
        print("\n".join(errors[:40]), file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"frames": len(records), "fields": fields, "mismatches": mismatches,
                      "ev_fault_frames": ev_fault_frames, "sequence": state}))


if __name__ == "__main__":
    main()
