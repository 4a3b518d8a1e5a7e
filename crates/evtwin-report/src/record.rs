//! The recorder: a [`Hook`] that samples what the HTML report plots, at a
//! coarse interval that doubles whenever the samples would pass
//! [`MAX_SAMPLES`] (so a long run costs bounded memory and a short one keeps
//! every second).

use std::sync::{Arc, Mutex, PoisonError};

use evtwin_scenario::{EndView, Hook, StepView, Verdicts};
use evtwin_sim::{Scalar, Signal, Twin};

/// The most samples a recording keeps.
pub const MAX_SAMPLES: usize = 2000;
/// The first sampling interval, µs.
const FIRST_EVERY_US: u64 = 1_000_000;

/// One sample of the plotted quantities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Virtual time, s.
    pub time_s: f64,
    /// Vehicle speed, km/h.
    pub speed_kph: f64,
    /// True SOC, %.
    pub soc_pct: f64,
    /// SOC as the BMS estimates it, %.
    pub soc_est_pct: f64,
    /// Terminal power (positive discharging), kW.
    pub pack_power_kw: f64,
    /// Lowest group voltage, V.
    pub cell_v_min_v: f64,
    /// Highest group voltage, V.
    pub cell_v_max_v: f64,
    /// Coldest group, °C.
    pub temp_min_c: f64,
    /// Hottest group, °C.
    pub temp_max_c: f64,
    /// DC power from a charging station, kW.
    pub charge_power_kw: f64,
}

impl Sample {
    fn of(twin: &Twin, now_us: u64) -> Self {
        let r = |s: Scalar| twin.read(Signal::Scalar(s));
        Self {
            time_s: now_us as f64 / 1e6,
            speed_kph: r(Scalar::SpeedMps) * 3.6,
            soc_pct: r(Scalar::PackSocPct),
            soc_est_pct: r(Scalar::BmsSocEstPct),
            pack_power_kw: r(Scalar::PackPowerW) / 1e3,
            cell_v_min_v: r(Scalar::CellVMinV),
            cell_v_max_v: r(Scalar::CellVMaxV),
            temp_min_c: r(Scalar::TempMinC),
            temp_max_c: r(Scalar::TempMaxC),
            charge_power_kw: r(Scalar::ChargerPowerW) / 1e3,
        }
    }
}

/// What a recorder sampled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    /// The samples, oldest first.
    pub samples: Vec<Sample>,
    /// The interval between them at the end, s.
    pub every_s: f64,
}

/// Where a [`Recorder`]'s samples can be taken from once the run is over.
#[derive(Debug, Clone, Default)]
pub struct RecordingHandle(Arc<Mutex<Recording>>);

impl RecordingHandle {
    /// The recording (empty if the run has not started).
    #[must_use]
    pub fn take(&self) -> Recording {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The recorder hook; add it to a [`evtwin_scenario::Runner`].
#[derive(Debug)]
pub struct Recorder {
    every_us: u64,
    next_us: u64,
    samples: Vec<Sample>,
    out: RecordingHandle,
}

impl Recorder {
    /// A recorder, and the handle to take its recording from after the run.
    #[must_use]
    pub fn new() -> (Self, RecordingHandle) {
        let out = RecordingHandle::default();
        (
            Self {
                every_us: FIRST_EVERY_US,
                next_us: 0,
                samples: Vec::new(),
                out: out.clone(),
            },
            out,
        )
    }

    fn push(&mut self, s: Sample) {
        if self.samples.len() >= MAX_SAMPLES {
            // Keep every other sample and sample half as often from now on.
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every_us *= 2;
        }
        self.samples.push(s);
    }
}

impl Hook for Recorder {
    fn after_step(&mut self, step: &StepView<'_>) {
        if self.samples.is_empty() || step.now_us >= self.next_us {
            self.push(Sample::of(step.twin, step.now_us));
            self.next_us = step.now_us + self.every_us;
        }
    }

    fn finish(&mut self, end: &EndView<'_>, _verdicts: &mut Verdicts) {
        if self
            .samples
            .last()
            .is_none_or(|s| s.time_s < end.now_us as f64 / 1e6)
        {
            self.push(Sample::of(end.twin, end.now_us));
        }
        let rec = Recording {
            samples: std::mem::take(&mut self.samples),
            every_s: self.every_us as f64 / 1e6,
        };
        *self.out.0.lock().unwrap_or_else(PoisonError::into_inner) = rec;
    }
}
