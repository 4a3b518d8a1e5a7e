//! What each of the vehicle's messages carries now.

use super::{
    Bcp, Bcs, Brm, Bsd, Bsm, GbtTimeout, GbtVehicle, PGN_BCL, PGN_BCP, PGN_BCS, PGN_BEM, PGN_BHM,
    PGN_BMT, PGN_BMV, PGN_BRM, PGN_BRO, PGN_BSD, PGN_BSM, PGN_BST, VehicleStop, msg,
};

impl GbtVehicle {
    pub(super) fn payload(&self, pgn: u32) -> Vec<u8> {
        let p = &self.params;
        let s = &self.status;
        match pgn {
            PGN_BHM => msg::bhm(p.max_charge_v),
            PGN_BRM => Brm {
                chemistry: p.chemistry,
                rated_ah: p.rated_ah,
                rated_v: p.rated_v,
                vin: p.vin.clone(),
            }
            .encode(),
            PGN_BCP => Bcp {
                max_cell_v: p.max_cell_v,
                max_a: p.max_charge_a,
                energy_kwh: p.energy_kwh,
                max_v: p.max_charge_v,
                max_temp_c: p.max_temp_c,
                soc_pct: s.soc_pct,
                pack_v: s.pack_v,
            }
            .encode(),
            PGN_BRO => msg::ready(s.ready),
            PGN_BCL => self.demand().encode(),
            PGN_BCS => Bcs {
                v: s.pack_v,
                a: s.current_a,
                max_cell_v: s.max_cell_v,
                max_cell_group: 0,
                soc_pct: s.soc_pct,
                remaining_min: s.remaining_min,
            }
            .encode(),
            PGN_BSM => Bsm {
                max_cell_no: 1,
                max_temp_c: s.max_temp_c,
                min_temp_c: s.min_temp_c,
                flags: 0,
                permit: s.stop.is_none(),
            }
            .encode(),
            PGN_BMV => msg::bmv(&self.cells_v),
            PGN_BMT => msg::bmt(&self.temps_c),
            PGN_BST => s.stop.unwrap_or(VehicleStop::ChargerStopped).encode(),
            PGN_BSD => Bsd {
                soc_pct: s.soc_pct,
                min_cell_v: s.min_cell_v,
                max_cell_v: s.max_cell_v,
                min_temp_c: s.min_temp_c,
                max_temp_c: s.max_temp_c,
            }
            .encode(),
            PGN_BEM => GbtTimeout::encode(&self.bem, true),
            _ => Vec::new(),
        }
    }
}
