//! The codec against golden vectors made by python cantools
//! (`tools/gen-dbc-vectors.py`): encode bytes must match exactly, decoded
//! values within 1e-9 relative (exactly where cantools gives integers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use evtwin_can::CanId;
use evtwin_can::dbc::{Dbc, Message};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// (DBC, vectors, seed) relative to the repository root; keep in step with
/// `ALL` in tools/gen-dbc-vectors.py. Adding a DBC is one line in each.
const PAIRS: &[(&str, &str, u64)] = &[
    (
        "../shared/data/dbc/foxbms.dbc",
        "crates/evtwin-can/tests/vectors/foxbms.json",
        1,
    ),
    (
        "crates/evtwin-can/tests/data/features.dbc",
        "crates/evtwin-can/tests/vectors/features.json",
        2,
    ),
    (
        "assets/dbc/evtwin.dbc",
        "crates/evtwin-can/tests/vectors/evtwin.json",
        3,
    ),
];

fn path(rel: &str) -> PathBuf {
    Path::new(ROOT).join(rel)
}

fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::Number(n) => n.as_f64().unwrap(),
        other => panic!("not a value: {other}"),
    }
}

fn hex(data: &[u8]) -> String {
    use std::fmt::Write as _;
    data.iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    })
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn close(ours: f64, theirs: f64) -> bool {
    if theirs.is_nan() {
        return ours.is_nan();
    }
    ours == theirs || (ours - theirs).abs() <= 1e-9 * ours.abs().max(theirs.abs())
}

/// Our index for each of the JSON message's signals (cantools sorts them).
fn index_map(msg: &Message, json: &Value) -> Vec<usize> {
    json["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let n = n.as_str().unwrap();
            msg.signal_index(n)
                .unwrap_or_else(|| panic!("{}: no signal {n}", msg.name))
        })
        .collect()
}

/// `(our index, value JSON)` of a vector's present signals.
fn present<'a>(map: &[usize], vector: &'a Value) -> Vec<(usize, &'a Value)> {
    vector["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                map[usize::try_from(pair[0].as_u64().unwrap()).unwrap()],
                &pair[1],
            )
        })
        .collect()
}

fn check_message(dbc: &Dbc, json: &Value) -> (usize, usize) {
    let raw_id = u32::try_from(json["id"].as_u64().unwrap()).unwrap();
    let id = if json["extended"].as_bool().unwrap() {
        CanId::extended(raw_id)
    } else {
        CanId::standard(raw_id)
    }
    .unwrap();
    let name = json["name"].as_str().unwrap();
    let (_, msg) = dbc
        .message_by_id(id)
        .unwrap_or_else(|| panic!("no message {id}"));
    assert_eq!(msg.name, name);
    assert_eq!(dbc.message_by_name(name).map(|(_, m)| m.id), Some(id));
    assert_eq!(
        msg.len_bytes as u64,
        json["length"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(msg.fd, json["fd"].as_bool().unwrap(), "{name}: fd");
    assert_eq!(
        msg.cycle_time_ms.map(u64::from),
        json["cycle_time_ms"].as_u64(),
        "{name}: cycle time"
    );
    let map = index_map(msg, json);
    assert_eq!(map.len(), msg.signals.len(), "{name}: signal count");
    let n = msg.signals.len();
    let mut encodes = 0;
    for v in json["encode"].as_array().unwrap() {
        let mut values = vec![f64::NAN; n];
        let given = present(&map, v);
        for &(i, value) in &given {
            values[i] = number(value);
        }
        for i in 0..n {
            let expected = given.iter().any(|&(j, _)| j == i);
            assert_eq!(
                msg.is_present(i, &values),
                expected,
                "{name}.{}",
                msg.signals[i].name
            );
        }
        let mut out = [0xEEu8; 64];
        let report = msg.encode(&values, &mut out);
        let want = v["data"].as_str().unwrap();
        let shown: Vec<_> = given.iter().map(|&(i, _)| (i, values[i])).collect();
        assert_eq!(hex(&out[..msg.len_bytes]), want, "{name}: encode {shown:?}");
        assert_eq!(
            (report.clamped, report.dropped),
            (0, 0),
            "{name}: {shown:?}"
        );
        encodes += 1;
    }
    let mut decodes = 0;
    let mut out = vec![0.0; n];
    for v in json["decode"].as_array().unwrap() {
        let data = unhex(v["data"].as_str().unwrap());
        msg.decode(&data, &mut out).unwrap();
        let given = present(&map, v);
        for (i, &ours) in out.iter().enumerate() {
            let sig = &msg.signals[i];
            match given.iter().find(|&&(j, _)| j == i) {
                Some(&(_, theirs)) => {
                    let theirs_f = number(theirs);
                    if theirs.is_i64() || theirs.is_u64() {
                        assert_eq!(ours, theirs_f, "{name}.{} from {}", sig.name, hex(&data));
                    } else {
                        assert!(
                            close(ours, theirs_f),
                            "{name}.{}: {ours} vs {theirs_f}",
                            sig.name
                        );
                    }
                }
                None => assert!(ours.is_nan(), "{name}.{} absent but {ours}", sig.name),
            }
        }
        decodes += 1;
    }
    (encodes, decodes)
}

#[test]
fn golden_vectors_match_cantools() {
    for (dbc_rel, json_rel, _) in PAIRS {
        let dbc = Dbc::load(&path(dbc_rel)).unwrap();
        let text = std::fs::read_to_string(path(json_rel)).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let messages = json["messages"].as_array().unwrap();
        assert_eq!(messages.len(), dbc.messages().len(), "{dbc_rel}");
        let (mut enc, mut dec) = (0, 0);
        for m in messages {
            let (e, d) = check_message(&dbc, m);
            enc += e;
            dec += d;
        }
        eprintln!("{dbc_rel}: {enc} encode and {dec} decode vectors match");
        assert!(
            enc >= messages.len() && dec >= messages.len(),
            "{dbc_rel}: too few vectors"
        );
    }
}

/// Whether python3 with cantools is there; with `EVTWIN_REQUIRE_PYTHON=1` its
/// absence fails the test instead of skipping it.
fn cantools_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cantools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("EVTWIN_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "EVTWIN_REQUIRE_PYTHON=1 but python3 with cantools is missing"
        );
        eprintln!("skipped: python3 with cantools is not available");
    }
    ok
}

/// The committed vectors are what the generator produces now (it is
/// deterministic), so they cannot silently go stale.
#[test]
fn vectors_are_fresh() {
    if !cantools_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (dbc_rel, json_rel, seed) in PAIRS {
        let out = dir.path().join("v.json");
        let status = Command::new("python3")
            .arg(path("tools/gen-dbc-vectors.py"))
            .arg(path(dbc_rel))
            .arg(&out)
            .arg("--seed")
            .arg(seed.to_string())
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let fresh = std::fs::read_to_string(&out).unwrap();
        let committed = std::fs::read_to_string(path(json_rel)).unwrap();
        assert!(
            fresh == committed,
            "{json_rel} is stale: run tools/gen-dbc-vectors.py --all"
        );
    }
}
