//! A route: legs driven in order. Distance legs (cruise), time legs (drive cycle,
//! idle, park) and charge stops.

use std::sync::Arc;

use crate::charger::Station;
use crate::cycle::Cycle;

/// What a leg asks of the car.
#[derive(Debug, Clone, PartialEq)]
pub enum LegKind {
    /// Drive `distance_m` at `speed_mps` on a constant `grade` (rise over run).
    Cruise {
        /// Leg length, m.
        distance_m: f64,
        /// Cruise speed, m/s.
        speed_mps: f64,
        /// Grade, rise over run.
        grade: f64,
    },
    /// Follow a drive cycle `repeat` times.
    Cycle {
        /// The trace.
        cycle: Arc<Cycle>,
        /// How many times in a row.
        repeat: u32,
    },
    /// Stand still with the car on (auxiliaries and HVAC running).
    Idle {
        /// How long, s.
        duration_s: f64,
    },
    /// Stand still with the car off.
    Park {
        /// How long, s.
        duration_s: f64,
    },
    /// Stop at a DC fast charger.
    Charge(ChargeLeg),
}

/// A charge stop.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeLeg {
    /// The charger.
    pub station: Station,
    /// Stop once the pack's SOC reaches this (0…1).
    pub until_soc: Option<f64>,
    /// Stop after this long at most, s.
    pub max_duration_s: Option<f64>,
    /// Bring the pack to its best charging temperature before and during the stop.
    pub precondition: bool,
}

/// One leg of a route.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    /// What to do.
    pub kind: LegKind,
    /// Ambient temperature on this leg, °C (else the scenario's).
    pub ambient_c: Option<f64>,
}

impl Leg {
    /// Speed the car should have when this leg starts, m/s.
    #[must_use]
    pub fn entry_speed_mps(&self) -> f64 {
        match &self.kind {
            LegKind::Cruise { speed_mps, .. } => *speed_mps,
            LegKind::Cycle { cycle, .. } => cycle.start_speed_mps(),
            LegKind::Idle { .. } | LegKind::Park { .. } | LegKind::Charge(_) => 0.0,
        }
    }

    /// Whether the car moves on this leg.
    #[must_use]
    pub fn is_driving(&self) -> bool {
        matches!(self.kind, LegKind::Cruise { .. } | LegKind::Cycle { .. })
    }
}

/// Why a route is unusable; `leg` is 0-based.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// No legs.
    #[error("a route needs at least one leg")]
    Empty,
    /// A leg's value is out of range.
    #[error("leg {leg}: {what} = {value} ({why})")]
    Leg {
        leg: usize,
        what: &'static str,
        value: f64,
        why: &'static str,
    },
}

/// Legs in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    legs: Vec<Leg>,
}

impl Route {
    /// Checks every leg's values.
    pub fn new(legs: Vec<Leg>) -> Result<Self, RouteError> {
        if legs.is_empty() {
            return Err(RouteError::Empty);
        }
        for (leg, l) in legs.iter().enumerate() {
            let bad = |what, value, why| {
                Err(RouteError::Leg {
                    leg,
                    what,
                    value,
                    why,
                })
            };
            let positive = |what, value: f64| {
                if value.is_finite() && value > 0.0 {
                    Ok(())
                } else {
                    bad(what, value, "must be a positive number")
                }
            };
            match &l.kind {
                LegKind::Cruise {
                    distance_m,
                    speed_mps,
                    grade,
                } => {
                    positive("distance", *distance_m)?;
                    positive("speed", *speed_mps)?;
                    if !grade.is_finite() || grade.abs() > 0.5 {
                        bad("grade", *grade, "steeper than 50 % is not a road")?;
                    }
                }
                LegKind::Cycle { repeat, .. } => {
                    if *repeat == 0 {
                        bad("repeat", 0.0, "must be at least 1")?;
                    }
                }
                LegKind::Idle { duration_s } | LegKind::Park { duration_s } => {
                    positive("duration", *duration_s)?;
                }
                LegKind::Charge(c) => {
                    if c.until_soc.is_none() && c.max_duration_s.is_none() {
                        bad(
                            "target",
                            f64::NAN,
                            "a charge stop needs a SOC or a duration",
                        )?;
                    }
                    if let Some(s) = c.until_soc
                        && !(s > 0.0 && s <= 1.0)
                    {
                        bad("until SOC", s, "a fraction above 0, at most 1")?;
                    }
                    if let Some(d) = c.max_duration_s {
                        positive("duration", d)?;
                    }
                }
            }
            if let Some(a) = l.ambient_c
                && !(-60.0..=60.0).contains(&a)
            {
                bad("ambient", a, "outside −60…60 °C")?;
            }
        }
        Ok(Self { legs })
    }

    /// The legs.
    #[must_use]
    pub fn legs(&self) -> &[Leg] {
        &self.legs
    }

    /// Speed the car must have when leaving leg `index`, m/s: the next leg's entry
    /// speed, or 0 at the end of the route.
    #[must_use]
    pub fn exit_speed_mps(&self, index: usize) -> f64 {
        self.legs.get(index + 1).map_or(0.0, Leg::entry_speed_mps)
    }
}
