//! Interop evidence: a both-sides GB/T session written as a candump log, decoded
//! by python cantools with `assets/dbc/gbt27930.dbc` (single frames, and the
//! BRM / BCP / BCS payloads reassembled in python from TP.CM / TP.DT); every
//! field must agree with what the Rust side sent. Also: our own DBC loader
//! reads the DBC, and its ids and lengths are the ones the state machines use.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "gbt_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use evtwin_can::dbc::Dbc;
use evtwin_can::gbt::{
    Bcl, Bcp, Bcs, Brm, Bsd, ChargerStop, Cml, Crm, Csd, PGN_BCL, PGN_BCP, PGN_BCS, PGN_BHM,
    PGN_BRM, PGN_BRO, PGN_BSD, PGN_BSM, PGN_BST, PGN_CCS, PGN_CHM, PGN_CML, PGN_CRM, PGN_CRO,
    PGN_CSD, PGN_CST, VehicleStop, msg, name,
};
use evtwin_can::j1939::{TpConfig, TpEvent, Transport};
use evtwin_can::log::{LogFormat, LogWriter};
use evtwin_can::{Direction, Timestamped};
use serde_json::{Map, Value, json};
use support::{EPOCH_S, Session};

const DBC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/dbc/gbt27930.dbc");

fn flags(names: &[&str], set: usize) -> Map<String, Value> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| ((*n).to_string(), json!(u8::from(i == set))))
        .collect()
}

/// The DBC's signals for one message as our codec reads it (currents in the
/// DBC's sign: charging negative).
#[allow(clippy::too_many_lines)]
fn fields(pgn: u32, d: &[u8]) -> Option<Map<String, Value>> {
    let m = |pairs: &[(&str, f64)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect()
    };
    Some(match pgn {
        PGN_CHM => m(&[
            ("CHM_Version1", f64::from(d[0])),
            ("CHM_Version2", f64::from(d[1])),
            ("CHM_Version3", f64::from(d[2])),
        ]),
        PGN_BHM => m(&[(
            "BHM_MaxChargeVoltage",
            f64::from(u16::from_le_bytes([d[0], d[1]])) * 0.1,
        )]),
        PGN_CRM => {
            let c = Crm::decode(d).unwrap();
            m(&[
                ("CRM_Result", if c.recognized { 170.0 } else { 0.0 }),
                ("CRM_ChargerNumber", f64::from(c.charger_number)),
            ])
        }
        PGN_CML => {
            let c = Cml::decode(d).unwrap();
            m(&[
                ("CML_MaxVoltage", c.max_v),
                ("CML_MinVoltage", c.min_v),
                ("CML_MaxCurrent", -c.max_a),
                ("CML_MinCurrent", -c.min_a),
            ])
        }
        PGN_BRO => m(&[(
            "BRO_Ready",
            if msg::dec_ready(pgn, d).unwrap() {
                170.0
            } else {
                0.0
            },
        )]),
        PGN_CRO => m(&[(
            "CRO_Ready",
            if msg::dec_ready(pgn, d).unwrap() {
                170.0
            } else {
                0.0
            },
        )]),
        PGN_BCL => {
            let b = Bcl::decode(d).unwrap();
            let mode = if b.mode == msg::Mode::ConstantVoltage {
                1.0
            } else {
                2.0
            };
            m(&[
                ("BCL_VoltageDemand", b.v),
                ("BCL_CurrentDemand", -b.a),
                ("BCL_Mode", mode),
            ])
        }
        PGN_CCS => {
            let c = msg::Ccs::decode(d).unwrap();
            m(&[
                ("CCS_Voltage", c.v),
                ("CCS_Current", -c.a),
                ("CCS_Minutes", c.minutes),
                ("CCS_Permit", f64::from(u8::from(c.permit))),
            ])
        }
        PGN_BSM => {
            let b = msg::Bsm::decode(d).unwrap();
            m(&[
                ("BSM_MaxCellNumber", f64::from(b.max_cell_no)),
                ("BSM_MaxTemp", b.max_temp_c),
                ("BSM_MinTemp", b.min_temp_c),
                ("BSM_Permit", f64::from(u8::from(b.permit))),
            ])
        }
        PGN_BST => {
            let names = [
                "BST_SocReached",
                "BST_TotalVoltageReached",
                "BST_CellVoltageReached",
                "BST_ChargerStopped",
            ];
            let set = match VehicleStop::decode(d).unwrap() {
                VehicleStop::SocReached => 0,
                VehicleStop::ChargerStopped => 3,
                other => panic!("{other:?}"),
            };
            flags(&names, set)
        }
        PGN_CST => {
            let names = [
                "CST_ConditionsReached",
                "CST_Manual",
                "CST_Fault",
                "CST_BmsStopped",
            ];
            let set = match ChargerStop::decode(d).unwrap() {
                ChargerStop::BmsStopped => 3,
                ChargerStop::Manual => 1,
                other => panic!("{other:?}"),
            };
            flags(&names, set)
        }
        PGN_BSD => {
            let b = Bsd::decode(d).unwrap();
            m(&[
                ("BSD_Soc", b.soc_pct),
                ("BSD_MinCellVoltage", b.min_cell_v),
                ("BSD_MaxCellVoltage", b.max_cell_v),
                ("BSD_MinTemp", b.min_temp_c),
                ("BSD_MaxTemp", b.max_temp_c),
            ])
        }
        PGN_CSD => {
            let c = Csd::decode(d).unwrap();
            m(&[
                ("CSD_Minutes", c.minutes),
                ("CSD_Energy", c.energy_kwh),
                ("CSD_ChargerNumber", f64::from(c.charger_number)),
            ])
        }
        PGN_BRM => {
            let b = Brm::decode(d).unwrap();
            m(&[
                ("BRM_BatteryType", f64::from(b.chemistry)),
                ("BRM_RatedCapacity", b.rated_ah),
                ("BRM_RatedVoltage", b.rated_v),
                ("BRM_Version1", 1.0),
                ("BRM_Version2", 1.0),
                ("BRM_Version3", 0.0),
            ])
        }
        PGN_BCP => {
            let b = Bcp::decode(d).unwrap();
            m(&[
                ("BCP_MaxCellVoltage", b.max_cell_v),
                ("BCP_MaxCurrent", -b.max_a),
                ("BCP_Energy", b.energy_kwh),
                ("BCP_MaxVoltage", b.max_v),
                ("BCP_MaxTemp", b.max_temp_c),
                ("BCP_Soc", b.soc_pct),
                ("BCP_PackVoltage", b.pack_v),
            ])
        }
        PGN_BCS => {
            let b = Bcs::decode(d).unwrap();
            m(&[
                ("BCS_Voltage", b.v),
                ("BCS_Current", -b.a),
                ("BCS_MaxCellVoltage", b.max_cell_v),
                ("BCS_MaxCellGroup", f64::from(b.max_cell_group)),
                ("BCS_Soc", b.soc_pct),
                ("BCS_RemainingMin", b.remaining_min),
            ])
        }
        _ => return None,
    })
}

fn python_has_cantools() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cantools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("EVTWIN_REQUIRE_PYTHON").is_none(),
            "python3 with cantools is required"
        );
        eprintln!("skipped: python3 with cantools is not installed");
    }
    ok
}

/// Writes the session's capture and the JSON of what the Rust side sent.
fn write_capture(s: &Session, dir: &Path) {
    let mut log = LogWriter::create(&dir.join("session.log"), LogFormat::Candump, "can0").unwrap();
    let mut single = Vec::new();
    let mut tp: Map<String, Value> = Map::new();
    // what the charger's transport reassembled from the vehicle's frames
    let mut listener = Transport::new(0x56, TpConfig::default());
    for (i, r) in s.frames.iter().enumerate() {
        log.write(&Timestamped {
            time_us: EPOCH_S * 1_000_000 + r.t,
            dir: Direction::Tx,
            frame: r.frame,
        })
        .unwrap();
        let id = r.id();
        if let Some(f) = fields(id.pgn, r.frame.data()) {
            single.push(json!({"i": i, "name": name(id.pgn), "fields": f}));
        }
        if r.from_vehicle {
            listener.handle_frame(&r.frame, r.t);
            while let Some(e) = listener.poll_event() {
                if let TpEvent::Received { pgn, data, .. } = e
                    && [PGN_BRM, PGN_BCP, PGN_BCS].contains(&pgn)
                {
                    let list = tp.entry(name(pgn)).or_insert_with(|| json!([]));
                    list.as_array_mut()
                        .unwrap()
                        .push(json!({"fields": fields(pgn, &data).unwrap()}));
                }
            }
        }
    }
    log.finish().unwrap();
    let expected = json!({"single": single, "tp": tp, "vin": support::vehicle_params().vin});
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected).unwrap(),
    )
    .unwrap();
}

#[test]
fn cantools_decodes_our_capture_and_agrees() {
    let mut s = Session::new();
    s.run(120_000_000, Session::ended);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gbt27930");
    std::fs::create_dir_all(&dir).unwrap();
    write_capture(&s, &dir);
    let tp_counts: Vec<usize> = [PGN_BRM, PGN_BCP, PGN_BCS]
        .iter()
        .map(|&p| s.of(p).len())
        .collect();
    assert!(
        tp_counts.iter().all(|&n| n >= 1) && tp_counts[2] > 10,
        "{tp_counts:?}"
    );
    if !python_has_cantools() {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gbt_cantools.py");
    let out = Command::new("python3")
        .args([
            script,
            dir.join("session.log").to_str().unwrap(),
            dir.join("expected.json").to_str().unwrap(),
            DBC,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "checked N fields, M TP messages, K CTS"
    let nums: Vec<usize> = stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        nums[0] > 1000 && nums[1] == tp_counts.iter().sum::<usize>() && nums[2] >= 3,
        "{stdout}"
    );
}

#[test]
fn our_dbc_loader_reads_the_gbt_dbc_with_the_machines_ids() {
    let dbc = Dbc::load(Path::new(DBC)).unwrap();
    let id_of = |n: &str| {
        dbc.messages()
            .iter()
            .find(|m| m.name == n)
            .map(|m| (m.id.raw(), m.len_bytes))
    };
    assert_eq!(id_of("CHM"), Some((0x1826_F456, 3)));
    assert_eq!(id_of("BCL"), Some((0x1810_56F4, 5)));
    assert_eq!(id_of("BEM"), Some((0x081E_56F4, 4)));
    assert_eq!(id_of("BRM"), Some((0x1C02_56F4, 41)));
}
