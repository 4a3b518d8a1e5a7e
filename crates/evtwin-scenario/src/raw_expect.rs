//! `[[expect]]` exactly as written (serde, `deny_unknown_fields`); validated
//! into [`crate::expect::Expectation`]s by `expect::parse`.
//!
//! Every key is documented for users in `scenarios/README.md`.

use serde::Deserialize;

/// One `[[expect]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub name: Option<String>,
    // What is checked: one of these (`signal` with `message`: a DBC signal).
    pub signal: Option<String>,
    pub event: Option<String>,
    pub message: Option<String>,
    pub counter: Option<String>,
    pub summary: Option<String>,
    // When: a time, the end, always / never within a window, a statistic.
    pub at: Option<String>,
    pub at_s: Option<f64>,
    pub always: Option<bool>,
    pub never: Option<bool>,
    pub stat: Option<String>,
    pub window_s: Option<Vec<f64>>,
    // Bounds.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub equals: Option<f64>,
    pub tolerance: Option<f64>,
    pub unit: Option<String>,
    // Events.
    pub after: Option<String>,
    pub within_ms: Option<f64>,
    pub within_s: Option<f64>,
    // The bus.
    pub cycle_ms: Option<f64>,
    pub tolerance_ms: Option<f64>,
    pub present: Option<bool>,
    // The summary's charge stops.
    pub stop: Option<usize>,
}

impl RawExpect {
    /// The keys set in this table, in declaration order.
    pub fn keys_set(&self) -> Vec<&'static str> {
        let set = [
            ("name", self.name.is_some()),
            ("signal", self.signal.is_some()),
            ("event", self.event.is_some()),
            ("message", self.message.is_some()),
            ("counter", self.counter.is_some()),
            ("summary", self.summary.is_some()),
            ("at", self.at.is_some()),
            ("at_s", self.at_s.is_some()),
            ("always", self.always.is_some()),
            ("never", self.never.is_some()),
            ("stat", self.stat.is_some()),
            ("window_s", self.window_s.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("equals", self.equals.is_some()),
            ("tolerance", self.tolerance.is_some()),
            ("unit", self.unit.is_some()),
            ("after", self.after.is_some()),
            ("within_ms", self.within_ms.is_some()),
            ("within_s", self.within_s.is_some()),
            ("cycle_ms", self.cycle_ms.is_some()),
            ("tolerance_ms", self.tolerance_ms.is_some()),
            ("present", self.present.is_some()),
            ("stop", self.stop.is_some()),
        ];
        set.iter().filter(|(_, s)| *s).map(|(k, _)| *k).collect()
    }
}
