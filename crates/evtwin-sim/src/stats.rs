//! Run statistics: what a report needs of a run and the plant does not (peaks,
//! minima, time on driving legs, trace misses). Kept beside the twin, not in
//! it: an observer reads the twin after each step.

use crate::twin::Twin;

/// Running statistics of a run, for its summary.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunStats {
    /// Distance driven, m.
    pub distance_m: f64,
    /// Steps spent on driving legs.
    pub driving_steps: u64,
    /// Net terminal energy while not charging, J.
    pub off_charger_terminal_j: f64,
    /// Net chemical energy while not charging (cell losses and balancing
    /// included), J.
    pub off_charger_chemical_j: f64,
    /// Terminal energy on driving legs, J.
    pub driving_terminal_j: f64,
    /// Lowest pack SOC, 0…1.
    pub soc_min: f64,
    /// Highest discharge power at the terminals, W.
    pub peak_discharge_w: f64,
    /// Highest charge power into the terminals while driving (regen), W.
    pub peak_regen_w: f64,
    /// Hottest group temperature seen, °C.
    pub peak_temp_c: f64,
    /// Group that was hottest.
    pub peak_temp_group: usize,
    /// When, s.
    pub peak_temp_time_s: f64,
    /// Steps during which the driver could not follow the target.
    pub trace_miss_steps: u64,
    /// Separate spells of trace miss.
    pub trace_miss_spells: u32,
    /// Steps during which motor or battery limits cut the acceleration.
    pub limited_steps: u64,
    /// Highest charge current over the plating / dendrite limit.
    pub plating_ratio_max: f64,
    /// Steps charged above the plating / dendrite limit.
    pub plating_over_steps: u64,
    /// The last step missed the trace (to count spells).
    was_missing: bool,
}

impl RunStats {
    /// The statistics of a run that starts with `twin` as it is.
    #[must_use]
    pub fn new(twin: &Twin) -> Self {
        Self {
            soc_min: twin.pack().soc(),
            peak_temp_c: twin.pack().temp_max_c(),
            ..Self::default()
        }
    }

    /// Takes in the step `twin` has just made.
    pub fn observe(&mut self, twin: &Twin) {
        let dt = twin.config().step_s;
        let pack = twin.pack();
        let last = *pack.last();
        let step = twin.last_step();
        self.distance_m = twin.odometer_m();
        if !step.charging {
            self.off_charger_terminal_j += last.energy.terminal_j;
            self.off_charger_chemical_j += last.energy.chemical_j;
        }
        if step.driving {
            self.driving_steps += 1;
            self.driving_terminal_j += last.energy.terminal_j;
            self.peak_regen_w = self.peak_regen_w.max(-last.power_w);
        }
        self.soc_min = self.soc_min.min(last.soc);
        self.peak_discharge_w = self.peak_discharge_w.max(last.power_w);
        let ratio = pack.plating_ratio();
        self.plating_ratio_max = self.plating_ratio_max.max(ratio);
        if ratio > 1.0 {
            self.plating_over_steps += 1;
        }
        let temp_max_c = pack.temp_max_c();
        if temp_max_c > self.peak_temp_c {
            self.peak_temp_c = temp_max_c;
            self.peak_temp_group = pack.temp_max().1;
            self.peak_temp_time_s = twin.steps() as f64 * dt;
        }
        if step.trace_miss {
            if !self.was_missing {
                self.trace_miss_spells += 1;
            }
            self.trace_miss_steps += 1;
        }
        self.was_missing = step.trace_miss;
        if step.limited {
            self.limited_steps += 1;
        }
    }
}
