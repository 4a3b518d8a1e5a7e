//! The codec is exact (issue 13, class 9): 64-bit integers, signals the codec
//! cannot place, NaN floats, deep multiplexing, Vector long names, and what
//! `Dbc::check` says about factors and rounded ranges.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use evtwin_can::dbc::{Dbc, RawValue};

fn raw_of(dbc: &Dbc, msg: &str, data: &[u8]) -> Vec<Option<u64>> {
    let (_, m) = dbc.message_by_name(msg).expect("message");
    let mut out = vec![None; m.signals.len()];
    m.decode_raw(data, &mut out).unwrap();
    out
}

#[test]
fn integers_wider_than_53_bits_are_exact() {
    let text = "BO_ 1 Hash: 8 BMS\n SG_ H : 0|64@1+ (1,0) [0|0] \"\" X\n\
                BO_ 2 Diag: 8 BMS\n SG_ D : 0|64@1- (1,0) [0|0] \"\" X\n";
    let dbc = Dbc::parse(text, "h.dbc").unwrap();
    let v: u64 = 0xFEDC_BA98_7654_3211; // odd: not representable in f64
    let raw = raw_of(&dbc, "Hash", &v.to_le_bytes());
    let (_, m) = dbc.message_by_name("Hash").unwrap();
    assert_eq!(raw, [Some(v)]);
    assert_eq!(m.signals[0].raw_value(v), RawValue::Unsigned(v));
    assert_eq!(RawValue::Unsigned(v).to_string(), "18364758544493064721");
    assert!(m.signals[0].is_identity_integer());
    let (_, d) = dbc.message_by_name("Diag").unwrap();
    let s: i64 = -0x1234_5678_9ABC_DEF1;
    assert_eq!(
        d.signals[0].raw_value(s.cast_unsigned()),
        RawValue::Signed(s)
    );
}

#[test]
fn signals_the_codec_cannot_place_are_reported_and_left_out() {
    let text = "BO_ 1 M: 2 BMS\n\
                \x20SG_ Ok : 0|8@1+ (1,0) [0|0] \"\" X\n\
                \x20SG_ Out : 16|8@1+ (1,0) [0|0] \"\" X\n\
                \x20SG_ Zero : 0|0@1+ (1,0) [0|0] \"\" X\n\
                \x20SG_ Wide : 0|65@1+ (1,0) [0|0] \"\" X\n\
                \x20SG_ High : 64|1@1+ (1,0) [0|0] \"\" X\n";
    let dbc = Dbc::parse(text, "u.dbc").unwrap();
    let found: Vec<(usize, String)> = dbc
        .uncodable()
        .into_iter()
        .map(|p| (p.line, p.message))
        .collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_eq!(found[0].0, 3);
    assert!(
        found[0]
            .1
            .starts_with("signal M.Out: bits 16|8 lie outside the 2-byte message")
    );
    assert!(found[1].1.contains("width 0 bits"));
    assert!(found[2].1.contains("width 65 bits"));
    assert!(found[3].1.contains("bits 64|1 lie outside"));
    assert!(
        found
            .iter()
            .all(|(_, m)| m.ends_with("left out of encoding and decoding"))
    );
    // Decoding leaves them out (they used to read as 0).
    assert_eq!(
        raw_of(&dbc, "M", &[0xAB, 0xFF]),
        [Some(0xAB), None, None, None, None]
    );
    let (_, m) = dbc.message_by_name("M").unwrap();
    let mut phys = [0.0; 5];
    m.decode(&[0xAB, 0xFF], &mut phys).unwrap();
    assert_eq!(phys[0], 171.0);
    assert!(phys[1..].iter().all(|v| v.is_nan()));
    // `check` reports each too.
    assert_eq!(dbc.check().len(), 4);
}

#[test]
fn a_nan_float_is_a_value_not_an_absent_signal() {
    let text = "BO_ 1 F: 8 BMS\n SG_ D : 0|64@1- (1,0) [0|0] \"\" X\n\
                SIG_VALTYPE_ 1 D : 2;\n";
    let dbc = Dbc::parse(text, "f.dbc").unwrap();
    let nan = f64::NAN.to_bits();
    let raw = raw_of(&dbc, "F", &nan.to_le_bytes());
    assert_eq!(raw, [Some(nan)]);
    let (_, m) = dbc.message_by_name("F").unwrap();
    assert!(matches!(m.signals[0].raw_value(nan), RawValue::Float(v) if v.is_nan()));
}

/// A chain of `depth` nested switches, each selecting the next on value 1, and
/// a leaf at the bottom.
fn nested(depth: usize) -> String {
    use std::fmt::Write as _;
    let mut text = String::from("BO_ 1 Deep: 64 BMS\n SG_ S0 M : 0|1@1+ (1,0) [0|0] \"\" X\n");
    for k in 1..depth {
        let _ = writeln!(text, " SG_ S{k} m1M : {k}|1@1+ (1,0) [0|0] \"\" X");
    }
    text.push_str(" SG_ Leaf m1 : 96|8@1+ (1,0) [0|0] \"\" X\n");
    for k in 1..depth {
        let _ = writeln!(text, "SG_MUL_VAL_ 1 S{k} S{} 1-1;", k - 1);
    }
    let _ = writeln!(text, "SG_MUL_VAL_ 1 Leaf S{} 1-1;", depth - 1);
    text
}

#[test]
fn multiplexing_nested_deeper_than_17_levels_is_no_cycle() {
    let dbc = Dbc::parse(&nested(40), "deep.dbc").unwrap();
    let problems = dbc.check();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut data = [0u8; 64];
    data[..5].fill(0xFF); // every switch 1
    data[12] = 0x5A;
    let raw = raw_of(&dbc, "Deep", &data);
    assert_eq!(raw[40], Some(0x5A), "the leaf under 40 switches");
    data[4] = 0xFE; // S32 = 0: the leaf and S33.. are absent
    let raw = raw_of(&dbc, "Deep", &data);
    assert_eq!(raw[40], None);
    assert_eq!(raw[33], None);
    assert_eq!(raw[32], Some(0));
}

#[test]
fn a_real_cycle_is_still_one() {
    let text = "BO_ 1 C: 8 BMS\n SG_ A m1M : 0|1@1+ (1,0) [0|0] \"\" X\n \
                SG_ B m1M : 1|1@1+ (1,0) [0|0] \"\" X\n\
                SG_MUL_VAL_ 1 A B 1-1;\nSG_MUL_VAL_ 1 B A 1-1;\n";
    let dbc = Dbc::parse(text, "c.dbc").unwrap();
    let problems = dbc.check();
    assert!(
        problems.iter().any(|p| p.message.contains("forms a cycle")),
        "{problems:#?}"
    );
    assert_eq!(raw_of(&dbc, "C", &[0xFF; 8]), [None, None]);
}

#[test]
fn vector_long_names_replace_the_cut_ones() {
    let text = r#"BU_: BMS_Short
BO_ 1 Msg_Cut_32: 8 BMS_Short
 SG_ Sig_Cut_32 : 0|8@1+ (1,0) [0|0] "" BMS_Short
BA_DEF_ SG_ "SystemSignalLongSymbol" STRING;
BA_DEF_ BO_ "SystemMessageLongSymbol" STRING;
BA_DEF_ BU_ "SystemNodeLongSymbol" STRING;
BA_ "SystemSignalLongSymbol" SG_ 1 Sig_Cut_32 "Signal_Name_Longer_Than_Thirty_Two_Chars";
BA_ "SystemMessageLongSymbol" BO_ 1 "Message_Name_Longer_Than_Thirty_Two_Chars";
BA_ "SystemNodeLongSymbol" BU_ BMS_Short "Battery_Management_System_Long_Node";
"#;
    let dbc = Dbc::parse(text, "l.dbc").unwrap();
    let (_, m) = dbc
        .message_by_name("Message_Name_Longer_Than_Thirty_Two_Chars")
        .expect("long message name");
    assert_eq!(
        m.signals[0].name,
        "Signal_Name_Longer_Than_Thirty_Two_Chars"
    );
    assert_eq!(m.sender, "Battery_Management_System_Long_Node");
    assert_eq!(
        m.signals[0].receivers,
        ["Battery_Management_System_Long_Node"]
    );
    assert_eq!(dbc.nodes(), ["Battery_Management_System_Long_Node"]);
    assert!(dbc.check().is_empty(), "{:#?}", dbc.check());
}

#[test]
fn check_refuses_infinite_factors_and_accepts_rounded_ranges() {
    let text = "BO_ 1 M: 8 X\n\
                \x20SG_ Inf : 0|8@1+ (1e999,0) [0|1] \"\" X\n\
                \x20SG_ Rounded : 8|16@1+ (0.1,0) [0|6553.55] \"\" X\n\
                \x20SG_ Beyond : 24|16@1+ (0.1,0) [0|6553.7] \"\" X\n";
    let dbc = Dbc::parse(text, "r.dbc").unwrap();
    let shown: Vec<String> = dbc.check().iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(
        shown[0].starts_with("2:2: signal M.Inf: factor inf is not a finite number"),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with("4:2: signal M.Beyond: range [0, 6553.7] exceeds"),
        "{shown:#?}"
    );
}
