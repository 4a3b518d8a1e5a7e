//! The shipped suite's real-node part (`scenarios/suite-vcan/`, issue 11): a
//! real VCU played by canplayer on vcan0 sends valid commands, then bad CRCs (one
//! scenario) or nothing (the other); `evtwin suite` runs each scenario, its
//! expectations check that the BMS answers with the communication fault, and the
//! merged JUnit report says every expectation held.

use std::fmt::Write as _;

use evtwin_can::dbc::Dbc;
use evtwin_report::Outcome;

use super::capture::Rec;
use super::vcu::Vcu;
use super::{BUS, bus, dbc, read, scratch, session};

/// How long the VCU sends valid commands, s after canplayer starts.
const VALID_S: f64 = 5.0;
/// How long the bad-CRC VCU sends in all, s (the run stops long before).
const BAD_CRC_S: f64 = 10.0;

/// A candump -L log of a VCU that sends `VCU_Command` every 10 ms (valid for
/// [`VALID_S`], then with its CRC byte spoilt when `bad_crc`, else
/// nothing) and `VCU_VehicleStatus` every 100 ms throughout.
fn vcu_log(dbc: &Dbc, bad_crc: bool) -> String {
    let mut vcu = Vcu::new(dbc.clone());
    let (_, cmd) = dbc.message_by_name("VCU_Command").unwrap();
    let (_, st) = dbc.message_by_name("VCU_VehicleStatus").unwrap();
    let (cmd, st) = (cmd.id, st.id);
    let duration_s = if bad_crc { BAD_CRC_S } else { VALID_S };
    let mut out = String::new();
    let start_us = 1_000_000_000u64;
    let steps = (duration_s * 100.0).round() as u64;
    for k in 0..steps {
        let time_us = start_us + k * 10_000;
        let mut line = |id, data: [u8; 8]| {
            let r = Rec {
                time_us,
                id,
                data: data.to_vec(),
            };
            let _ = writeln!(
                out,
                "({}.{:06}) vcan0 {}",
                time_us / 1_000_000,
                time_us % 1_000_000,
                r.text()
            );
        };
        let mut data = vcu.command(1.0, 3.0);
        if k as f64 * 0.01 >= VALID_S - 1e-9 {
            data[0] ^= 0x5A;
            assert!(!super::vcu::E2E.crc_matches(&data));
        }
        line(cmd, data);
        if k.is_multiple_of(10) {
            line(st, vcu.status());
        }
    }
    out
}

#[test]
fn the_shipped_real_vcu_suite_answers_bad_crcs_and_silence() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    let dbc = dbc();
    for name in ["bad-crc", "silent"] {
        std::fs::copy(
            super::common::root().join(format!("scenarios/suite-vcan/vcu-{name}.toml")),
            inp.join(format!("vcu-{name}.toml")),
        )
        .unwrap();
        let log = vcu_log(&dbc, name == "bad-crc");
        std::fs::write(inp.join(format!("vcu-{name}.log")), log).unwrap();
    }
    session(&bus, "suite.sh", inp, out, 120);

    for name in ["bad-crc", "silent"] {
        eprint!("{}", read(out, &format!("{name}.out")));
        assert_eq!(
            read(out, &format!("{name}.rc")).trim(),
            "0",
            "{}{}",
            read(out, &format!("{name}.out")),
            read(out, &format!("{name}.err"))
        );
    }
    assert_eq!(
        read(out, "merge.rc").trim(),
        "0",
        "{}",
        read(out, "merge.out")
    );
    let report = evtwin_report::junit::read(&read(out, "all.xml")).unwrap();
    let keys: Vec<(&str, &str, usize)> = report
        .scenarios
        .iter()
        .map(|s| (s.meta.key.as_str(), s.status.as_str(), s.testcases.len()))
        .collect();
    // Both runs end in the communication fault (the BMS opens the contactors).
    assert_eq!(
        keys,
        [
            ("vcu-bad-crc.toml", "stopped", 5),
            ("vcu-silent.toml", "stopped", 5)
        ]
    );
    for s in &report.scenarios {
        for c in &s.testcases {
            assert_eq!(c.outcome, Outcome::Passed, "{}: {}", s.meta.key, c.name);
        }
    }
    // The measured delays (ms, the unit of `within_ms`): the fault at the BMS's
    // next tick (every 100 ms) after the network noticed, in the step after it.
    let measured = |scenario: usize, case: &str| {
        report.scenarios[scenario]
            .testcases
            .iter()
            .find(|c| c.name == case)
            .and_then(|c| c.measured)
            .unwrap_or_else(|| panic!("{case}"))
    };
    let after_invalid = measured(0, "the BMS answers with its communication fault");
    let after_timeout = measured(1, "the BMS answers with its communication fault");
    eprintln!("fault after INVALID: {after_invalid} ms; after the timeout: {after_timeout} ms");
    assert!(after_invalid <= 110.0 && after_timeout <= 110.0);
}
