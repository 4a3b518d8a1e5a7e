//! The vehicle control unit: what the twin's own VCU decides each step (the
//! contactor request, the mode, caps on traction power and speed, an extra
//! auxiliary load), and how a real VCU's inputs replace those decisions.

use crate::signals::Input;

/// The VCU's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcuMode {
    /// The car is off (parked): no HV wanted.
    Off,
    /// Driving.
    Drive,
    /// Plugged in and charging.
    Charge,
}

impl VcuMode {
    /// The signal's code: 0 off, 1 drive, 2 charge.
    #[must_use]
    pub const fn code(self) -> f64 {
        match self {
            Self::Off => 0.0,
            Self::Drive => 1.0,
            Self::Charge => 2.0,
        }
    }

    /// The mode of a code (`None` for anything else).
    #[must_use]
    pub fn from_code(code: f64) -> Option<Self> {
        [Self::Off, Self::Drive, Self::Charge]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// What the car is doing, as the VCU sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcuSituation {
    /// The car is on: not parked, the run not stopped.
    pub car_on: bool,
    /// A charge session is open.
    pub charging: bool,
}

/// The VCU's decisions for a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VcuCommand {
    /// Ask the BMS to close the main contactors.
    pub contactor_request: bool,
    /// The mode.
    pub mode: VcuMode,
    /// Most electric power traction may take, W (infinite: no cap).
    pub power_cap_w: f64,
    /// Most speed the driver may reach, m/s (infinite: no cap).
    pub speed_cap_mps: f64,
    /// Auxiliary load beyond the car's own, W.
    pub aux_extra_w: f64,
}

/// The twin's own VCU: HV while the car is on, the mode from what the car does,
/// no caps, no extra load.
#[must_use]
pub fn simulated(s: VcuSituation) -> VcuCommand {
    let mode = if s.charging {
        VcuMode::Charge
    } else if s.car_on {
        VcuMode::Drive
    } else {
        VcuMode::Off
    };
    VcuCommand {
        contactor_request: s.car_on,
        mode,
        power_cap_w: f64::INFINITY,
        speed_cap_mps: f64::INFINITY,
        aux_extra_w: 0.0,
    }
}

/// A real VCU's command: each input it has sent replaces the simulated VCU's
/// decision; what it has not sent yet (NaN) the simulated VCU decides. A mode
/// without a contactor request asks for HV in drive and charge (as foxBMS's
/// `RequestBmsMode` does).
#[must_use]
pub fn real(s: VcuSituation, input: impl Fn(Input) -> f64) -> VcuCommand {
    let own = simulated(s);
    let set = |i: Input| Some(input(i)).filter(|v| !v.is_nan());
    let mode = set(Input::VcuMode).and_then(VcuMode::from_code);
    let contactor_request = match (set(Input::VcuContactorRequest), mode) {
        (Some(r), _) => r >= 0.5,
        (None, Some(m)) => m != VcuMode::Off,
        (None, None) => own.contactor_request,
    };
    VcuCommand {
        contactor_request,
        mode: mode.unwrap_or(own.mode),
        power_cap_w: set(Input::VcuPowerRequestW).unwrap_or(own.power_cap_w),
        speed_cap_mps: set(Input::DriverSpeedCapMps).unwrap_or(own.speed_cap_mps),
        aux_extra_w: set(Input::AuxExtraW).unwrap_or(own.aux_extra_w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: VcuSituation = VcuSituation {
        car_on: true,
        charging: false,
    };

    #[test]
    fn the_simulated_vcu_follows_the_car() {
        let c = simulated(ON);
        assert!(c.contactor_request);
        assert_eq!(c.mode, VcuMode::Drive);
        assert_eq!(c.power_cap_w, f64::INFINITY);
        let parked = simulated(VcuSituation {
            car_on: false,
            charging: false,
        });
        assert!(!parked.contactor_request);
        assert_eq!(parked.mode, VcuMode::Off);
        let charging = simulated(VcuSituation {
            car_on: true,
            charging: true,
        });
        assert_eq!(charging.mode, VcuMode::Charge);
    }

    #[test]
    fn a_real_vcu_replaces_what_it_sends_and_only_that() {
        let nothing = real(ON, |_| f64::NAN);
        assert_eq!(nothing, simulated(ON));
        let off = real(ON, |i| if i == Input::VcuMode { 0.0 } else { f64::NAN });
        assert_eq!(off.mode, VcuMode::Off);
        assert!(!off.contactor_request, "mode off without a request: open");
        let explicit = real(ON, |i| match i {
            Input::VcuMode => 0.0,
            Input::VcuContactorRequest => 1.0,
            Input::VcuPowerRequestW => 5000.0,
            _ => f64::NAN,
        });
        assert!(explicit.contactor_request, "an explicit request wins");
        assert_eq!(explicit.power_cap_w, 5000.0);
        assert_eq!(explicit.speed_cap_mps, f64::INFINITY);
        assert_eq!(VcuMode::from_code(2.0), Some(VcuMode::Charge));
        assert_eq!(VcuMode::from_code(2.5), None);
    }
}
