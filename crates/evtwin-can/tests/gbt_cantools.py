"""Decodes a GB/T 27930 capture (candump -L) with assets/dbc/gbt27930.dbc in
python cantools, an independent decoder, and checks every field against what
the Rust side sent (a JSON the test wrote): single-frame messages by their
index in the capture, and the BRM / BCP / BCS payloads after reassembling
them here, by hand, from TP.CM and TP.DT, decoded with the DBC's pseudo
messages. CTS's BCD date must be the capture's own timestamp (UTC).

usage: gbt_cantools.py CAPTURE.log EXPECTED.json GBT27930.dbc
Prints "checked N fields, M TP messages"; exit 1 on any mismatch.
"""
import datetime
import json
import sys

import cantools


def frames(path):
    for line in open(path):
        ts, _iface, body = line.split()[:3]  # a 4th field: candump -x direction
        ident, data = body.split("#")
        yield float(ts.strip("()")), int(ident, 16), bytes.fromhex(data)


def bcd(v):
    return (v >> 4) * 10 + (v & 0xF)


def main():
    capture, expected_path, dbc = sys.argv[1:4]
    db = cantools.database.load_file(dbc)
    expected = json.load(open(expected_path))
    caps = list(frames(capture))
    errors = []
    checked = 0

    def compare(where, decoded, fields):
        nonlocal checked
        for name, want in fields.items():
            got = decoded[name]
            if abs(float(got) - float(want)) > 1e-6:
                errors.append(f"{where}: {name} = {got}, Rust sent {want}")
            checked += 1

    for rec in expected["single"]:
        ts, ident, data = caps[rec["i"]]
        msg = db.get_message_by_frame_id(ident)
        if msg.name != rec["name"]:
            errors.append(f"frame {rec['i']}: DBC says {msg.name}, Rust sent {rec['name']}")
            continue
        decoded = db.decode_message(ident, data, decode_choices=False)
        compare(f"frame {rec['i']} {msg.name}", decoded, rec["fields"])

    # CTS: BCD date and time = the frame's own timestamp
    cts = db.get_message_by_name("CTS")
    n_cts = 0
    for ts, ident, data in caps:
        if ident != cts.frame_id:
            continue
        d = db.decode_message(ident, data, decode_choices=False)
        year = bcd(d["CTS_Year"] >> 8) * 100 + bcd(d["CTS_Year"] & 0xFF)
        got = datetime.datetime(year, bcd(d["CTS_Month"]), bcd(d["CTS_Day"]),
                                bcd(d["CTS_Hour"]), bcd(d["CTS_Minute"]), bcd(d["CTS_Second"]),
                                tzinfo=datetime.timezone.utc)
        want = datetime.datetime.fromtimestamp(int(ts), tz=datetime.timezone.utc)
        if got != want:
            errors.append(f"CTS at {ts}: {got} != {want}")
        n_cts += 1
    if n_cts == 0:
        errors.append("no CTS in the capture")

    # TP reassembly by hand: RTS opens (sa, da), DT packets fill it in order of
    # their sequence numbers, the EOMA from the receiver closes it
    open_sessions = {}
    done = {}
    for ts, ident, data in caps:
        pf, ps, sa = (ident >> 16) & 0xFF, (ident >> 8) & 0xFF, ident & 0xFF
        if pf == 0xEC and data[0] == 16:
            size = data[1] | data[2] << 8
            pgn = data[5] | data[6] << 8 | data[7] << 16
            open_sessions[(sa, ps)] = (pgn, size, {})
        elif pf == 0xEB and (sa, ps) in open_sessions:
            open_sessions[(sa, ps)][2][data[0]] = data[1:8]
        elif pf == 0xEC and data[0] == 19 and (ps, sa) in open_sessions:
            pgn, size, packets = open_sessions.pop((ps, sa))
            payload = b"".join(packets[k] for k in sorted(packets))[:size]
            done.setdefault(pgn, []).append((ps, sa, payload))
    n_tp = 0
    for name, records in expected["tp"].items():
        msg = db.get_message_by_name(name)
        pgn = (msg.frame_id >> 8) & 0xFF00
        got = done.get(pgn, [])
        if len(got) != len(records):
            errors.append(f"{name}: {len(got)} reassembled, Rust sent {len(records)}")
        for n, (rec, (sa, da, payload)) in enumerate(zip(records, got)):
            # the pseudo message's id is the one a single frame would have
            pseudo = (msg.frame_id & ~0xFFFF) | da << 8 | sa
            if pseudo != msg.frame_id:
                errors.append(f"{name} #{n}: from {sa:#x} to {da:#x}, not the DBC's")
            decoded = db.decode_message(msg.frame_id, payload, decode_choices=False)
            compare(f"{name} #{n}", decoded, rec["fields"])
            if name == "BRM":
                vin = (decoded["BRM_Vin1"].to_bytes(8, "little") + decoded["BRM_Vin2"].to_bytes(8, "little")
                       + decoded["BRM_Vin3"].to_bytes(1, "little")).decode("ascii")
                if vin != expected["vin"]:
                    errors.append(f"BRM VIN {vin!r} != {expected['vin']!r}")
                checked += 1
            n_tp += 1
    for e in errors[:30]:
        print(e, file=sys.stderr)
    print(f"checked {checked} fields, {n_tp} TP messages, {n_cts} CTS")
    sys.exit(1 if errors else 0)


main()
