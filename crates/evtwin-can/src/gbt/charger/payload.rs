//! What each of the charger's messages carries now.

use super::{
    Ccs, Cml, Crm, Csd, GbtCharger, GbtTimeout, PGN_CCS, PGN_CEM, PGN_CHM, PGN_CML, PGN_CRM,
    PGN_CRO, PGN_CSD, PGN_CST, PGN_CTS, VERSION, msg,
};

impl GbtCharger {
    pub(super) fn payload(&self, pgn: u32, now_us: u64) -> Vec<u8> {
        let st = &self.station;
        let s = &self.status;
        match pgn {
            PGN_CHM => VERSION.to_vec(),
            PGN_CRM => Crm {
                recognized: self.identity.is_some(),
                charger_number: st.charger_number,
            }
            .encode(),
            PGN_CTS => msg::cts(st.epoch_unix_s + now_us / 1_000_000),
            PGN_CML => Cml {
                max_v: st.max_v,
                min_v: st.min_v,
                max_a: st.max_a,
                min_a: st.min_a,
            }
            .encode(),
            PGN_CRO => msg::ready(s.ready && self.bro_ready),
            PGN_CCS => Ccs {
                v: s.output_v,
                a: s.output_a,
                minutes: self.minutes(now_us),
                permit: true,
            }
            .encode(),
            PGN_CST => self.stop_reason.encode(),
            PGN_CSD => Csd {
                minutes: self.minutes(now_us),
                energy_kwh: s.energy_kwh,
                charger_number: st.charger_number,
            }
            .encode(),
            PGN_CEM => GbtTimeout::encode(&self.cem, false),
            _ => Vec::new(),
        }
    }

    pub(super) fn minutes(&self, now_us: u64) -> f64 {
        if self.charging_since_us == 0 {
            return 0.0;
        }
        ((now_us.saturating_sub(self.charging_since_us)) / 60_000_000) as f64
    }
}
