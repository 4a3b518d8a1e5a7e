//! DBC loading: real files, normalisation, error positions, `check`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_can::CanId;
use evtwin_can::dbc::{Dbc, DbcError, Problem};

const FOXBMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/dbc/foxbms.dbc"
);
const FEATURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/features.dbc");

fn position(e: &DbcError) -> (usize, usize) {
    e.position().unwrap()
}

#[test]
fn foxbms_needs_the_normaliser_and_loads_with_it() {
    let text = std::fs::read_to_string(FOXBMS).unwrap();
    assert!(
        can_dbc::Dbc::try_from(text.as_str()).is_err(),
        "can-dbc alone rejects the wrapped VAL_"
    );
    let dbc = Dbc::load(Path::new(FOXBMS)).unwrap();
    assert_eq!(dbc.messages().len(), 41);
    let signals: usize = dbc.messages().iter().map(|m| m.signals.len()).sum();
    assert_eq!(signals, 2075);
    assert!(dbc.origin().ends_with("foxbms.dbc"));
    assert_eq!(dbc.check(), Vec::<Problem>::new());
    // Line numbers point into the original file.
    let (_, m) = dbc.message_by_name("AFE_CellTemperatures").unwrap();
    assert_eq!((m.line, m.signals[0].line), (17, 18));
    let lines: Vec<&str> = text.lines().collect();
    for m in dbc.messages() {
        assert!(lines[m.line - 1].starts_with(&format!("BO_ {} {}:", m.id.raw(), m.name)));
        for s in &m.signals {
            assert!(
                lines[s.line - 1].contains(&format!("SG_ {} ", s.name)),
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn crlf_trailing_blanks_and_bom_change_nothing() {
    let text = std::fs::read_to_string(FOXBMS).unwrap();
    let plain = Dbc::parse(&text, "a.dbc").unwrap();
    let messy: String = std::iter::once("\u{feff}")
        .chain(text.lines().flat_map(|l| [l, " \t\r\n"]))
        .collect();
    let messy = Dbc::parse(&messy, "a.dbc").unwrap();
    assert_eq!(plain.messages(), messy.messages());
}

#[test]
fn syntax_errors_point_at_the_original_line() {
    // Line 4 continues the VAL_ of line 3; line 5 is blank with a CR; the
    // missing `]` is on line 7.
    let text = "BO_ 1 A: 8 X\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" X\nVAL_ 1 s 0 \"a\"\n 1 \"b\";\n\r\nBO_ 2 B: 8 X\n SG_ t : 0|8@1+ (1,0) [0|0 \"\" X\n";
    let e = Dbc::parse(text, "bad.dbc").unwrap_err();
    assert_eq!(position(&e), (7, 23));
    let shown = e.to_string();
    assert_eq!(shown, "bad.dbc:7:23: syntax error: expected min_max");

    let e = Dbc::parse("VERSION \"\"\n\nBO_ 3000 Big: 8 X\n", "id.dbc").unwrap_err();
    assert_eq!(position(&e), (3, 5), "{e}");
    assert!(e.to_string().contains("out of range"), "{e}");

    let e = Dbc::parse(
        "BO_ 1 A: 8 X\n SG_ s m1x : 0|8@1+ (1,0) [0|0] \"\" X\n",
        "mux.dbc",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("mux.dbc:2:"), "{e}");

    let e = Dbc::load(Path::new("/nonexistent/x.dbc")).unwrap_err();
    assert!(e.position().is_none());
    assert!(e.to_string().starts_with("/nonexistent/x.dbc: "), "{e}");
}

#[test]
fn independent_signals_message_is_dropped_like_cantools() {
    let text = "BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX\n SG_ lost : 0|8@1+ (1,0) [0|0] \"\" Vector__XXX\n\nBO_ 2147483649 E: 8 Vector__XXX\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" Vector__XXX\n";
    let dbc = Dbc::parse(text, "i.dbc").unwrap();
    assert_eq!(dbc.messages().len(), 1);
    let m = &dbc.messages()[0];
    assert_eq!(
        (m.name.as_str(), m.id, m.line),
        ("E", CanId::Extended(1), 4)
    );
    assert!(m.sender.is_empty() && m.signals[0].receivers.is_empty());
}

#[test]
fn garbage_never_panics() {
    let text = std::fs::read_to_string(FEATURES).unwrap();
    let bytes = text.as_bytes();
    // Every truncation (by steps) and deterministic byte corruption: parse
    // must return, and errors must carry a position inside the text.
    let lines = text.lines().count() + 1;
    let mut seed: u64 = 0x1234_5678;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap()
    };
    let mut errors = 0;
    for cut in (0..bytes.len()).step_by(7) {
        let mut mutated = bytes[..cut].to_vec();
        if cut % 2 == 1 && !mutated.is_empty() {
            let at = next() % mutated.len();
            mutated[at] = b"|@:;\"(0x-+M m\n"[next() % 14];
        }
        let candidate = String::from_utf8_lossy(&mutated);
        match Dbc::parse(&candidate, "fuzz.dbc") {
            Ok(dbc) => {
                let _ = dbc.check();
                for m in dbc.messages() {
                    let mut out = vec![0.0; m.signals.len()];
                    let _ = m.decode(&[0xA5; 64], &mut out);
                    let mut buf = [0u8; 64];
                    let _ = m.encode(&vec![1e300; m.signals.len()], &mut buf);
                }
            }
            Err(e) => {
                errors += 1;
                let (line, col) = position(&e);
                assert!(line >= 1 && line <= lines && col >= 1, "{e}");
            }
        }
    }
    assert!(errors > 0);
    for garbage in [
        "\0\0\0",
        "BO_",
        "BO_ x",
        "SG_ a : 1|2@1+ (1,0) [0|0] \"\" X",
        "\"unterminated",
        "ÿþ",
    ] {
        let e = Dbc::parse(garbage, "g.dbc").unwrap_err();
        assert!(e.to_string().starts_with("g.dbc:1:"), "{garbage:?}: {e}");
    }
}

#[test]
fn features_dbc_has_exactly_its_deliberate_problem() {
    let dbc = Dbc::load(Path::new(FEATURES)).unwrap();
    let problems = dbc.check();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].col), (77, 2));
    assert!(
        problems[0].message.contains("Clamp.Wide"),
        "{}",
        problems[0]
    );
}

#[test]
fn check_finds_semantic_problems() {
    let text = r#"VERSION ""

BU_: A B

BO_ 100 One: 8 A
 SG_ x : 0|8@1+ (1,0) [0|10] "" B
 SG_ y : 4|8@1+ (0,0) [5|1] "" B
 SG_ far : 60|8@1+ (1,0) [0|255] "" B
 SG_ x : 16|8@1+ (1,0) [0|255] "" B

BO_ 100 Two: 2 Ghost
 SG_ wide : 0|70@1+ (1,0) [0|1] "" B
 SG_ f : 0|16@1- (1,0) [0|1] "" B

BO_ 101 One: 8 A
 SG_ sel M : 0|4@1+ (1,0) [0|15] "" B
 SG_ a m1 : 8|8@1+ (1,0) [0|255] "" B
 SG_ b m2 : 8|8@1+ (1,0) [0|255] "" B
 SG_ c m1 : 12|8@1+ (1,0) [0|255] "" B

BO_ 102 Orphan: 8 A
 SG_ o m1 : 0|8@1+ (1,0) [0|255] "" B

BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
BA_ "GenMsgCycleTime" BO_ 101 0;
SIG_VALTYPE_ 100 f : 1;
SG_MUL_VAL_ 101 nobody sel 1-1;
"#;
    let dbc = Dbc::parse(text, "p.dbc").unwrap();
    let problems = dbc.check();
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expect = [
        (7, "One.y: factor 0"),
        (7, "One.y: min 5 > max 1"),
        (7, "y overlaps x"),
        (8, "far: bits 60|8 lie outside the 8-byte message"),
        (9, "signal x already in message One"),
        (11, "Two: id 0x064 already used on line 5"),
        (11, "sender Ghost is not in BU_"),
        (12, "Two.wide: width 70 bits"),
        (13, "Two.f: float signal of 16 bits"),
        (15, "message name One already used on line 5"),
        (15, "GenMsgCycleTime is 0"),
        (19, "One.c overlaps a"),
        (
            22,
            "Orphan.o: multiplexed (m1) but the message has no switch",
        ),
        (27, "SG_MUL_VAL_ for unknown signal nobody"),
    ];
    for (line, text) in expect {
        assert!(
            problems
                .iter()
                .any(|p| p.line == line && p.message.contains(text)),
            "missing {line}: {text} in {shown:#?}"
        );
    }
    // b and a share bits but not a branch; x and far, f and wide are fine.
    assert!(
        !shown.iter().any(|p| p.contains("b overlaps")),
        "{shown:#?}"
    );
    assert_eq!(problems.len(), expect.len(), "{shown:#?}");
    let mut sorted = problems.clone();
    sorted.sort();
    assert_eq!(sorted, problems);
}
