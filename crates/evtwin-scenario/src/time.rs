//! The time policy of a run, resolved in one place from the scenario's `[bus]`
//! and the options of the command that runs it: virtual time (as fast as
//! possible, deterministic), real time, or N × real time.

use crate::BusSettings;

/// How a run's virtual time relates to the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeMode {
    /// As fast as possible; the same scenario and seed give the same bits.
    Virtual,
    /// Paced to the wall clock: 1.0 real time, N N times faster.
    Paced(f64),
}

impl TimeMode {
    /// The speed factor a pacer takes (`None`: virtual time).
    #[must_use]
    pub fn speed(self) -> Option<f64> {
        match self {
            Self::Virtual => None,
            Self::Paced(s) => Some(s),
        }
    }

    /// For people: `virtual time`, `real time`, `10× real time`.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Self::Virtual => "virtual time".into(),
            Self::Paced(1.0) => "real time".into(),
            Self::Paced(s) => format!("{s}× real time"),
        }
    }
}

/// Why the asked-for speed cannot be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    /// Not a positive finite factor.
    #[error("--speed {0} must be above 0")]
    NotPositive(f64),
    /// A real ECU cannot be sped up.
    #[error("--speed {0}: a real ECU on the bus runs in real time (--speed 1)")]
    RealNodeNotRealTime(f64),
}

/// Resolves the time mode: `speed` from the command line, else the scenario's
/// `[bus] speed`; `interface` is where the run's frames go (`inproc` for the
/// in-process bus, `None` when the run has no network); `real` the nodes
/// played by real ECUs. Without a speed, a run on the in-process bus (or none)
/// with no real node is virtual; anything else is real time.
pub fn resolve(
    speed: Option<f64>,
    bus: &BusSettings,
    interface: Option<&str>,
    real: &[String],
) -> Result<TimeMode, TimeError> {
    let in_process = interface.is_none_or(|i| i == "inproc");
    match (speed.or(bus.speed), real.is_empty(), in_process) {
        (Some(s), _, _) if !(s.is_finite() && s > 0.0) => Err(TimeError::NotPositive(s)),
        (Some(s), false, _) if s != 1.0 => Err(TimeError::RealNodeNotRealTime(s)),
        (Some(s), _, _) => Ok(TimeMode::Paced(s)),
        (None, true, true) => Ok(TimeMode::Virtual),
        (None, _, _) => Ok(TimeMode::Paced(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy() {
        let bus = BusSettings::default();
        let none: &[String] = &[];
        let vcu = ["VCU".to_owned()];
        assert_eq!(resolve(None, &bus, None, none), Ok(TimeMode::Virtual));
        assert_eq!(
            resolve(None, &bus, Some("inproc"), none),
            Ok(TimeMode::Virtual)
        );
        assert_eq!(
            resolve(None, &bus, Some("vcan0"), none),
            Ok(TimeMode::Paced(1.0))
        );
        assert_eq!(
            resolve(None, &bus, Some("inproc"), &vcu),
            Ok(TimeMode::Paced(1.0))
        );
        assert_eq!(
            resolve(Some(50.0), &bus, Some("vcan0"), none),
            Ok(TimeMode::Paced(50.0))
        );
        assert_eq!(
            resolve(Some(50.0), &bus, Some("vcan0"), &vcu),
            Err(TimeError::RealNodeNotRealTime(50.0))
        );
        assert_eq!(
            resolve(Some(0.0), &bus, None, none),
            Err(TimeError::NotPositive(0.0))
        );
        let scenario_speed = BusSettings {
            speed: Some(20.0),
            ..BusSettings::default()
        };
        assert_eq!(
            resolve(None, &scenario_speed, None, none),
            Ok(TimeMode::Paced(20.0))
        );
        assert_eq!(
            resolve(Some(2.0), &scenario_speed, None, none),
            Ok(TimeMode::Paced(2.0))
        );
        assert_eq!(TimeMode::Paced(1.0).describe(), "real time");
    }
}
