//! Codec behaviour beyond the golden vectors: clamping, start values, wrong
//! lengths, multiplexing helpers, the model built from features.dbc.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_can::CanId;
use evtwin_can::dbc::{ByteOrder, Dbc, DecodeError, EncodeReport, Message, MuxRole, ValueKind};

const FEATURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/features.dbc");

fn features() -> Dbc {
    Dbc::load(Path::new(FEATURES)).unwrap()
}

fn message<'a>(dbc: &'a Dbc, name: &str) -> &'a Message {
    dbc.message_by_name(name).unwrap().1
}

fn values(m: &Message, given: &[(&str, f64)]) -> Vec<f64> {
    let mut v = vec![f64::NAN; m.signals.len()];
    for (name, value) in given {
        v[m.signal_index(name).unwrap()] = *value;
    }
    v
}

fn decoded(m: &Message, data: &[u8], name: &str) -> f64 {
    let mut out = vec![0.0; m.signals.len()];
    m.decode(data, &mut out).unwrap();
    out[m.signal_index(name).unwrap()]
}

#[test]
fn values_out_of_range_are_clamped_and_counted() {
    let dbc = features();
    let m = message(&dbc, "Clamp");
    let mut out = [0u8; 2];
    // Clampy [0|200]: 250 → 200. Wide [0|300] in 8 bits: 280 → 255 (field limit).
    let r = m.encode(&values(m, &[("Clampy", 250.0), ("Wide", 280.0)]), &mut out);
    assert_eq!(
        r,
        EncodeReport {
            clamped: 2,
            dropped: 0
        }
    );
    assert_eq!(out, [200, 255]);
    let r = m.encode(
        &values(m, &[("Clampy", -5.0), ("Wide", f64::INFINITY)]),
        &mut out,
    );
    assert_eq!(r.clamped, 2);
    assert_eq!(out, [0, 255]);
    let r = m.encode(&values(m, &[("Clampy", 200.0), ("Wide", 255.0)]), &mut out);
    assert_eq!(r.clamped, 0);
    assert_eq!(out, [200, 255]);

    // Signed field, DBC range wider than the raw one: never wraps.
    let m = message(&dbc, "IntelMix");
    let mut out = [0u8; 8];
    let r = m.encode(&values(m, &[("S5", 1e9)]), &mut out);
    assert_eq!(r.clamped, 1);
    assert_eq!(decoded(m, &out, "S5"), 15.0);
    m.encode(&values(m, &[("S5", -1e9)]), &mut out);
    assert_eq!(decoded(m, &out, "S5"), -16.0);

    // Float: DBC range first, then the f32 range.
    let m = message(&dbc, "FloatsExt");
    let mut out = [0u8; 24];
    let r = m.encode(&values(m, &[("F32le", 1e39), ("F32be", -1e300)]), &mut out);
    assert_eq!(r.clamped, 2);
    assert_eq!(decoded(m, &out, "F32le"), 1000.0);
    assert_eq!(decoded(m, &out, "F32be"), -500.0);
}

#[test]
fn nan_and_missing_values_use_start_values() {
    let dbc = features();
    let m = message(&dbc, "IntelMix");
    let u11 = &m.signals[m.signal_index("U11").unwrap()];
    // GenSigStartValue 400 raw × 0.25 + 100.
    assert_eq!(u11.start_value, Some(200.0));
    let mut out = [0xFFu8; 8];
    // An empty slice: every signal takes its start value (raw 0 without one).
    let r = m.encode(&[], &mut out);
    assert_eq!(r, EncodeReport::default());
    assert_eq!(decoded(m, &out, "U11"), 200.0);
    assert_eq!(decoded(m, &out, "S5"), -3.0);
    assert_eq!(decoded(m, &out, "S13"), -10.0); // raw 0 → offset
    assert_eq!(decoded(m, &out, "Gear"), 0.0);
    let f = message(&dbc, "FloatsExt");
    let mut out = [0u8; 24];
    f.encode(&[f64::NAN; 4], &mut out);
    assert_eq!(decoded(f, &out, "F32le"), 1.5);
    // A switch with a start value selects its branch when not given.
    let s = message(&dbc, "SimpleMux");
    let mut out = [0u8; 6];
    s.encode(&values(s, &[("P1", 10.5), ("P0", 7.0)]), &mut out);
    assert_eq!(decoded(s, &out, "Sel"), 1.0);
    assert_eq!(decoded(s, &out, "P1"), 10.5);
    assert!(decoded(s, &out, "P0").is_nan());
}

#[test]
fn wrong_lengths_are_errors_not_panics() {
    let dbc = features();
    let m = message(&dbc, "FdBig");
    let mut out = vec![0.0; m.signals.len()];
    assert_eq!(
        m.decode(&[0; 63], &mut out),
        Err(DecodeError::TooShort { got: 63, need: 64 })
    );
    assert_eq!(
        m.decode(&[], &mut out),
        Err(DecodeError::TooShort { got: 0, need: 64 })
    );
    // Longer is fine.
    assert!(m.decode(&[0xFF; 100], &mut out).is_ok());
    assert_eq!(out[m.signal_index("Tail").unwrap()], 255.0);
    let mut short = vec![0.0; 2];
    assert_eq!(
        m.decode(&[0; 64], &mut short),
        Err(DecodeError::OutputTooShort { got: 2, need: 6 })
    );
    // Encoding into too small a buffer writes what fits and counts the rest.
    let mut small = [0u8; 8];
    let r = m.encode(&values(m, &[("Counter", 5.0), ("Tail", 9.0)]), &mut small);
    assert_eq!(r.dropped, 5);
    assert_eq!(small[0] & 0x0F, 5);
    let mut big = [0xAAu8; 80];
    m.encode(&values(m, &[("Tail", 9.0)]), &mut big);
    assert_eq!((big[63], big[64]), (9, 0xAA), "only len_bytes are touched");
}

#[test]
fn model_of_features() {
    let dbc = features();
    assert_eq!(dbc.nodes(), ["Twin", "Tester"]);
    assert_eq!(dbc.messages().len(), 9);
    let (i, ext) = dbc.message_by_id(CanId::Extended(0x200)).unwrap();
    assert_eq!((i, ext.name.as_str()), (3, "FloatsExt"));
    let (_, std) = dbc.message_by_id(CanId::Standard(0x200)).unwrap();
    assert_eq!(std.name, "ExtMux");
    assert!(dbc.message_by_id(CanId::Standard(0x7FF)).is_none());
    assert!(dbc.message_by_name("Nope").is_none());

    let kinds: Vec<_> = ext.signals.iter().map(|s| (s.kind, s.byte_order)).collect();
    assert_eq!(
        kinds,
        [
            (ValueKind::Float32, ByteOrder::Intel),
            (ValueKind::Float32, ByteOrder::Motorola),
            (ValueKind::Float64, ByteOrder::Intel),
            (ValueKind::Float64, ByteOrder::Motorola),
        ]
    );
    assert!(ext.fd && message(&dbc, "J1939Fd").fd && message(&dbc, "Wide64").fd);
    assert!(!message(&dbc, "IntelMix").fd);
    assert_eq!(message(&dbc, "J1939Fd").id, CanId::Extended(0x18FE_F1FE));
    assert_eq!(message(&dbc, "IntelMix").cycle_time_ms, Some(10));
    assert_eq!(message(&dbc, "Clamp").cycle_time_ms, Some(100)); // BA_DEF_DEF_
    let intel = message(&dbc, "IntelMix");
    assert_eq!((intel.line, intel.col), (19, 1));
    let gear = &intel.signals[6];
    assert_eq!((gear.line, gear.col), (26, 2));
    assert_eq!(gear.receivers, ["Tester", "Twin"]);
    assert_eq!(gear.value_name(3), Some("D"));
    assert_eq!(gear.value_of_name("invalid"), Some(15));
    assert_eq!(gear.value_name(4), None);
    let s5 = &intel.signals[1];
    assert!(s5.signed);
    // The wrapped VAL_ line is read whole.
    assert_eq!(s5.value_name(-1), Some("minus one"));
    assert_eq!(s5.value_name(15), Some("max"));
}

#[test]
fn extended_multiplexing() {
    let dbc = features();
    let m = message(&dbc, "ExtMux");
    let idx = |n: &str| m.signal_index(n).unwrap();
    assert_eq!(m.multiplexor(), Some(idx("Top")));
    assert_eq!(m.mux_values(), [0, 1, 2, 3, 4, 5, 7]);
    assert_eq!(m.signals[idx("Top")].mux, MuxRole::Switch);
    let MuxRole::MultiplexedSwitch(c) = &m.signals[idx("Sub")].mux else {
        panic!("Sub is a nested switch");
    };
    assert_eq!((c.switch, c.ranges.as_slice()), (idx("Top"), &[(2, 2)][..]));
    let cond = m.signals[idx("Sub_y")].mux.condition().unwrap();
    assert_eq!(
        (cond.switch, cond.ranges.as_slice()),
        (idx("Sub"), &[(2, 2), (5, 6)][..])
    );
    assert_eq!(
        m.signals[idx("Ranged")].mux.condition().unwrap().ranges,
        [(3, 5), (7, 7)]
    );

    // Top = 2, Sub = 5 → Sub_y; Sub_x, A_1, B_a, Ranged absent.
    let v = values(
        m,
        &[
            ("Top", 2.0),
            ("Sub", 5.0),
            ("Sub_y", -1234.0),
            ("Sub_x", 9.0),
            ("Always", 7.0),
        ],
    );
    assert!(m.is_present(idx("Sub_y"), &v));
    assert!(!m.is_present(idx("Sub_x"), &v));
    let mut data = [0u8; 8];
    m.encode(&v, &mut data);
    let mut out = vec![0.0; m.signals.len()];
    m.decode(&data, &mut out).unwrap();
    assert_eq!(
        (out[idx("Top")], out[idx("Sub")], out[idx("Sub_y")]),
        (2.0, 5.0, -1234.0)
    );
    assert_eq!(out[idx("Always")], 7.0);
    for absent in ["Sub_x", "A_1", "B_a", "Ranged"] {
        assert!(out[idx(absent)].is_nan(), "{absent}");
        assert!(
            !m.signals[idx(absent)].is_present(&out, &m.signals),
            "{absent}"
        );
    }
    assert!(m.signals[idx("Sub_y")].is_present(&out, &m.signals));
    assert_eq!(m.raw_bits(idx("Sub"), &data), Some(5));
    assert_eq!(m.raw_bits(idx("A_1"), &data), None);
    // A nested signal is absent when its parent switch is: Top = 3 with Sub bits set.
    let data = [0x53, 0, 0, 0, 0, 0, 0, 0];
    m.decode(&data, &mut out).unwrap();
    assert!(out[idx("Sub")].is_nan() && out[idx("Sub_y")].is_nan());
    assert_eq!(out[idx("Ranged")], 1.0);
    // A switch value that selects nothing: only plain signals decode.
    m.decode(&[0x06, 0, 0, 0, 0, 0, 0, 0x11], &mut out).unwrap();
    let present: Vec<_> = (0..out.len()).filter(|&i| !out[i].is_nan()).collect();
    assert_eq!(present, [idx("Top"), idx("Always")]);
}

#[test]
fn foxbms_mux_helpers() {
    let dbc = Dbc::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/dbc/foxbms.dbc"
    )))
    .unwrap();
    let (_, m) = dbc.message_by_id(CanId::Standard(624)).unwrap();
    assert_eq!(m.name, "AFE_CellVoltages");
    assert!(m.signals.len() > 300);
    let values = m.mux_values();
    assert_eq!(values.first(), Some(&0));
    assert!(values.len() >= 40);
    let mux = &m.signals[m.multiplexor().unwrap()];
    // Wrapped VAL_ statement: entries after the line break are kept.
    assert_eq!(mux.value_name(40), Some("CellVoltages_160_163"));
    assert_eq!(mux.value_name(0), Some("CellVoltages_000_003"));
}
