//! A real VCU for the vcan test: its frames built here with the DBC codec and E2E
//! profile 1 protection, as an independent ECU would, and written as candump -L
//! logs for canplayer; plus the malformed frames for cansend.

use std::fmt::Write as _;

use evtwin_can::dbc::Dbc;
use evtwin_can::e2e::{E2eConfig, Profile1};

use crate::capture::{Rec, hex};

/// `VCU_Command`'s protection, as assets/dbc/evtwin.map.toml declares it.
pub const E2E: E2eConfig = E2eConfig::Profile1(Profile1 {
    data_id: 0x0110,
    crc_byte: 0,
    counter_bit: 8,
});

/// What the VCU asks for from `from_s` on (until the next phase).
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// Start, s after the log's first frame.
    pub from_s: f64,
    /// `VCU_ContactorRequest`: 1 close, 0 open.
    pub contactor: f64,
    /// `VCU_PowerRequest`, kW.
    pub power_kw: f64,
}

/// The real VCU.
pub struct Vcu {
    dbc: Dbc,
    counter: u8,
}

impl Vcu {
    /// Reads the shipped DBC.
    pub fn new(dbc: Dbc) -> Self {
        Self { dbc, counter: 0 }
    }

    /// `VCU_Command`'s payload, protected with the next counter value.
    pub fn command(&mut self, contactor: f64, power_kw: f64) -> [u8; 8] {
        let (_, m) = self.dbc.message_by_name("VCU_Command").unwrap();
        let mut v = vec![f64::NAN; m.signals.len()];
        v[m.signal_index("VCU_ContactorRequest").unwrap()] = contactor;
        v[m.signal_index("VCU_Mode").unwrap()] = 1.0; // Drive
        v[m.signal_index("VCU_PowerRequest").unwrap()] = power_kw;
        let mut data = [0u8; 8];
        assert_eq!(m.encode(&v, &mut data).clamped, 0);
        E2E.protect(&mut data, &mut self.counter).unwrap();
        data
    }

    /// `VCU_VehicleStatus` at its start values: only its presence matters.
    pub fn status(&self) -> [u8; 8] {
        let (_, m) = self.dbc.message_by_name("VCU_VehicleStatus").unwrap();
        let mut data = [0u8; 8];
        m.encode(&vec![f64::NAN; m.signals.len()], &mut data);
        data
    }

    /// A candump -L log (interface `vcan0`) of `duration_s`: `VCU_Command` every
    /// 10 ms, `VCU_VehicleStatus` every 100 ms, following `phases`.
    pub fn log(&mut self, phases: &[Phase], duration_s: f64) -> String {
        let (_, cmd) = self.dbc.message_by_name("VCU_Command").unwrap();
        let (_, st) = self.dbc.message_by_name("VCU_VehicleStatus").unwrap();
        let (cmd, st) = (cmd.id, st.id);
        let mut out = String::new();
        let start_us = 1_000_000_000u64;
        let mut k = 0u64;
        while (k as f64) * 0.01 < duration_s {
            let t = k as f64 * 0.01;
            let p = phases.iter().rev().find(|p| p.from_s <= t + 1e-9).unwrap();
            let mut line = |id, data: [u8; 8]| {
                let r = Rec {
                    time_us: start_us + k * 10_000,
                    id,
                    data: data.to_vec(),
                };
                let s = r.time_us;
                let _ = writeln!(
                    out,
                    "({}.{:06}) vcan0 {}",
                    s / 1_000_000,
                    s % 1_000_000,
                    r.text()
                );
            };
            line(cmd, self.command(p.contactor, p.power_kw));
            if k.is_multiple_of(10) {
                line(st, self.status());
            }
            k += 1;
        }
        out
    }

    /// cansend lines (a shell script using `$IF`): one frame each of an unknown
    /// identifier, `VCU_Command` with the wrong length, with a bad CRC, and with
    /// profile 1's invalid counter 15 under a right CRC.
    pub fn malformed(&mut self) -> String {
        let good = self.command(1.0, 300.0);
        let mut bad_crc = good;
        bad_crc[0] ^= 0x5A;
        assert!(!E2E.crc_matches(&bad_crc));
        let mut bad_counter = good;
        bad_counter[1] |= 0x0F; // the counter nibble, bits 8..11
        bad_counter[0] = (0..=255u8)
            .find(|&c| {
                bad_counter[0] = c;
                E2E.crc_matches(&bad_counter)
            })
            .unwrap();
        assert_eq!(E2E.counter_of(&bad_counter), Some(15));
        format!(
            "cansend \"$IF\" 7A5#0102\n\
             cansend \"$IF\" 110#{}\n\
             cansend \"$IF\" 110#{}\n\
             cansend \"$IF\" 110#{}\n",
            hex(&good[..5]),
            hex(&bad_crc),
            hex(&bad_counter)
        )
    }
}
