#!/usr/bin/env python3
"""Golden vectors for evtwin's DBC codec, produced by python cantools.

    tools/gen-dbc-vectors.py DBC OUT.json --seed N

For every message of DBC and every multiplexer branch (one assignment of
switch values per branch, nested switches included, covering every value that
selects a signal):

* encode vectors: physical values (random on and off the raw grid, plus the
  smallest and largest allowed values) for the signals present, encoded by
  cantools -> payload bytes;
* decode vectors: payloads (random, and all bytes 0x00, 0xFF, 0x55, 0xAA,
  0x80) with the switch bits set to the branch, decoded by cantools ->
  physical values.

Each message lists its signal names (in cantools' order, which sorts by start
bit); each vector's "values" are [index in that list, value] pairs for the signals
present in the branch (absent ones are not given to cantools when encoding and
not returned when decoding); a value is a JSON number, or one of the strings
"nan", "inf", "-inf". The output is deterministic for a given seed and
cantools version. Regenerate all vectors with tools/gen-dbc-vectors.py --all.
"""

import argparse
import json
import math
import os
import random
import sys

import cantools
from cantools.database.utils import create_encode_decode_formats, encode_data

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (DBC, vectors JSON, seed), relative to the repository root. Add a line to
# cover another DBC (and the same pair to crates/evtwin-can/tests/codec_vectors.rs).
ALL = [
    ("../shared/data/dbc/foxbms.dbc", "crates/evtwin-can/tests/vectors/foxbms.json", 1),
    ("crates/evtwin-can/tests/data/features.dbc", "crates/evtwin-can/tests/vectors/features.json", 2),
    ("assets/dbc/evtwin.dbc", "crates/evtwin-can/tests/vectors/evtwin.json", 3),
]

RANDOM_ENCODES = 2
RANDOM_DECODES = 1
PATTERNS = [0x00, 0xFF, 0x55, 0xAA, 0x80]


def raw_limits(sig):
    if sig.is_signed:
        return -(1 << (sig.length - 1)), (1 << (sig.length - 1)) - 1
    return 0, (1 << sig.length) - 1


def phys_of_raw(sig, raw):
    return sig.conversion.raw_to_scaled(raw, decode_choices=False)


def in_range(sig, value):
    lo, hi = sig.minimum, sig.maximum
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def as_input(sig, value):
    """The exact value Rust will see (a float), as cantools should get it."""
    f = float(value)
    if math.isinf(f):
        return None
    if not sig.is_float and f == int(f) and sig.conversion.scale == int(sig.conversion.scale) \
            and sig.conversion.offset == int(sig.conversion.offset):
        return int(f)
    return f


def allowed_raws(sig):
    """Raw integers whose physical value cantools accepts (integer signals)."""
    lo, hi = raw_limits(sig)
    phys = [(raw, phys_of_raw(sig, raw)) for raw in (lo, hi)]
    ok = [(r, p) for r, p in phys if in_range(sig, p)]
    if len(ok) == 2:
        return lo, hi
    # Narrow to the DBC range: solve raw for min/max.
    cands = []
    for bound in (sig.minimum, sig.maximum):
        if bound is None:
            continue
        r = (bound - sig.conversion.offset) / sig.conversion.scale
        cands.extend([math.floor(r), math.ceil(r)])
    cands = [min(max(c, lo), hi) for c in cands] + [lo, hi]
    good = sorted(c for c in cands if in_range(sig, phys_of_raw(sig, c)))
    if not good:
        return None
    return good[0], good[-1]


def pick_value(sig, rng, mode):
    """A physical value for `sig`: mode 'min', 'max' or 'random'."""
    if sig.is_float:
        lo = sig.minimum if sig.minimum is not None else -1e6
        hi = sig.maximum if sig.maximum is not None else 1e6
        if mode == "min":
            return float(lo)
        if mode == "max":
            return float(hi)
        return rng.uniform(lo, hi)
    limits = allowed_raws(sig)
    if limits is None:
        return None
    lo, hi = limits
    for _ in range(64):
        if lo > hi:
            return None
        if mode == "min":
            raw = lo
        elif mode == "max":
            raw = hi
        else:
            raw = rng.randint(lo, hi)
            if sig.length > 52:
                # Keep the value exactly representable as a double.
                raw = max(lo, min(hi, raw & ~((1 << (sig.length - 52)) - 1)))
        value = phys_of_raw(sig, raw)
        if mode == "random" and lo < raw < hi and sig.length <= 52 and rng.random() < 0.5:
            # Off the grid, half ties included, to check the rounding rule.
            frac = rng.choice([0.5, -0.5, rng.uniform(-0.49, 0.49)])
            value = (raw + frac) * sig.conversion.scale + sig.conversion.offset
        value = as_input(sig, value)
        if value is not None and in_range(sig, value) \
                and raw_limits(sig)[0] <= sig.conversion.numeric_scaled_to_raw(value) <= raw_limits(sig)[1]:
            return value
        if mode == "min":
            # An extreme that is not exactly a double: step inwards.
            lo += 1 << max(0, sig.length - 52)
        elif mode == "max":
            hi -= 1 << max(0, sig.length - 52)
    return None


def json_number(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def branches(msg):
    """Every (switch assignment, present signal names), walking cantools' own
    codec tree so that nested switches are followed and every switch value
    cantools knows is covered."""

    def walk(node):
        names = [s.name for s in node["signals"]]
        combos = [({}, names)]
        for mux, children in node["multiplexers"].items():
            extended = []
            for value in sorted(children):
                for sub_assignment, sub_names in walk(children[value]):
                    for assignment, present in combos:
                        extended.append(({**assignment, mux: value, **sub_assignment}, present + sub_names))
            combos = extended
        return combos

    return walk(msg._codecs)


def switch_patch(msg, assignment):
    """(mask, bits) as big-endian ints over the payload for the switch values."""
    mask = bits = 0
    for name, value in assignment.items():
        sig = msg.get_signal_by_name(name)
        fmts = create_encode_decode_formats([sig], msg.length)
        ones = -1 if sig.is_signed else (1 << sig.length) - 1
        mask |= encode_data({name: ones}, [sig], fmts, scaling=False)
        bits |= encode_data({name: value}, [sig], fmts, scaling=False)
    return mask, bits


def aligned(msg, values):
    """[signal index, value] pairs of the signals present, by msg.signals order."""
    return [[i, json_number(values[s.name])] for i, s in enumerate(msg.signals) if s.name in values]


def message_vectors(msg, rng):
    encodes, decodes = [], []
    for assignment, names in branches(msg):
        for mode in ["min", "max"] + ["random"] * RANDOM_ENCODES:
            values = {}
            for name in names:
                if name in assignment:
                    values[name] = assignment[name]
                    continue
                v = pick_value(msg.get_signal_by_name(name), rng, mode)
                if v is None:
                    break
                values[name] = v
            else:
                data = msg.encode(values, scaling=True, padding=False, strict=True)
                encodes.append({"values": aligned(msg, values), "data": data.hex()})
        mask, bits = switch_patch(msg, assignment)
        payloads = [bytes([p]) * msg.length for p in PATTERNS]
        payloads += [bytes(rng.getrandbits(8) for _ in range(msg.length)) for _ in range(RANDOM_DECODES)]
        for payload in payloads:
            raw = int.from_bytes(payload, "big") & ~mask | bits
            data = raw.to_bytes(msg.length, "big")
            decoded = msg.decode(data, decode_choices=False, scaling=True)
            decodes.append({"data": data.hex(), "values": aligned(msg, decoded)})
    return encodes, decodes


def generate(dbc_path, out_path, seed):
    db = cantools.database.load_file(dbc_path, strict=True)
    rng = random.Random(seed)
    messages = []
    for msg in db.messages:
        encodes, decodes = message_vectors(msg, rng)
        messages.append({
            "name": msg.name,
            "id": msg.frame_id,
            "extended": msg.is_extended_frame,
            "fd": msg.is_fd,
            "length": msg.length,
            "cycle_time_ms": msg.cycle_time,
            "signals": [s.name for s in msg.signals],
            "encode": encodes,
            "decode": decodes,
        })
    doc = {
        "generator": "tools/gen-dbc-vectors.py",
        "cantools": cantools.__version__,
        "dbc": os.path.basename(dbc_path),
        "seed": seed,
        "messages": messages,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    n_enc = sum(len(m["encode"]) for m in messages)
    n_dec = sum(len(m["decode"]) for m in messages)
    print(f"{out_path}: {len(messages)} messages, {n_enc} encode and {n_dec} decode vectors")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dbc", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--all", action="store_true", help="regenerate every pair listed in ALL")
    args = ap.parse_args()
    if args.all:
        for dbc, out, seed in ALL:
            generate(os.path.join(ROOT, dbc), os.path.join(ROOT, out), seed)
    elif args.dbc and args.out:
        generate(args.dbc, args.out, args.seed)
    else:
        ap.error("give DBC and OUT.json, or --all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
