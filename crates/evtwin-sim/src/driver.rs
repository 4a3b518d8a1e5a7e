//! The driver: follows a target speed with bounded acceleration and jerk.
//!
//! Command: `a = a_ff + k·(v_target − v)`, clamped to the acceleration bounds of the
//! tracking mode, then rate-limited by the jerk bound. A drive cycle is tracked
//! tightly (the vehicle's own bounds), a cruise leg comfortably.

/// Driver parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverSpec {
    /// Hardest acceleration the driver asks for when tracking a cycle, m/s².
    pub max_accel_mps2: f64,
    /// Hardest braking the driver asks for, m/s².
    pub max_decel_mps2: f64,
    /// Acceleration on cruise legs, m/s².
    pub comfort_accel_mps2: f64,
    /// Braking on cruise legs and before stops, m/s².
    pub comfort_decel_mps2: f64,
    /// Largest rate of change of acceleration, m/s³ (infinite: no bound).
    pub max_jerk_mps3: f64,
    /// Feedback gain on the speed error, 1/s.
    pub speed_gain_per_s: f64,
    /// A speed error larger than this is a trace miss, m/s (EPA: 2 mph).
    pub trace_tolerance_mps: f64,
}

/// How hard the driver tracks a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracking {
    /// A drive cycle: up to the driver's hardest bounds.
    Tight,
    /// A cruise leg: comfort bounds.
    Comfort,
}

/// What the route asks of the driver this step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Target speed now, m/s.
    pub speed_mps: f64,
    /// Feed-forward acceleration of the target over the step, m/s².
    pub accel_ff_mps2: f64,
    /// Tracking mode.
    pub tracking: Tracking,
}

/// The driver's state: the acceleration it is currently applying.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    spec: DriverSpec,
    accel_mps2: f64,
}

impl Driver {
    /// A driver at rest.
    #[must_use]
    pub fn new(spec: DriverSpec) -> Self {
        Self {
            spec,
            accel_mps2: 0.0,
        }
    }

    /// Parameters.
    #[must_use]
    pub fn spec(&self) -> &DriverSpec {
        &self.spec
    }

    /// Acceleration the driver asks for over the next step of `dt_s` at speed
    /// `v_mps`. Never asks to go backwards.
    pub fn command(&mut self, target: Target, v_mps: f64, dt_s: f64) -> f64 {
        let s = &self.spec;
        // On a planned braking curve (negative feed-forward) the driver brakes as
        // hard as needed to stop in time; otherwise comfort bounds apply.
        let (up, down) = match target.tracking {
            Tracking::Tight => (s.max_accel_mps2, s.max_decel_mps2),
            Tracking::Comfort if target.accel_ff_mps2 < 0.0 => {
                (s.comfort_accel_mps2, s.max_decel_mps2)
            }
            Tracking::Comfort => (s.comfort_accel_mps2, s.comfort_decel_mps2),
        };
        let wanted = if target.speed_mps <= 0.0 && target.accel_ff_mps2 <= 0.0 {
            // Stopping: brake within bounds until the car stands, exactly.
            (-v_mps / dt_s).max(-down)
        } else {
            target.accel_ff_mps2 + s.speed_gain_per_s * (target.speed_mps - v_mps)
        };
        let wanted = wanted.clamp(-down, up);
        let step = s.max_jerk_mps3 * dt_s;
        let a = self.accel_mps2 + (wanted - self.accel_mps2).clamp(-step, step);
        a.max(-v_mps / dt_s)
    }

    /// Records the acceleration actually achieved (the powertrain may deliver
    /// less than asked); the jerk bound applies from there.
    pub fn settle(&mut self, achieved_mps2: f64) {
        self.accel_mps2 = achieved_mps2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(jerk: f64) -> DriverSpec {
        DriverSpec {
            max_accel_mps2: 4.0,
            max_decel_mps2: 6.0,
            comfort_accel_mps2: 1.5,
            comfort_decel_mps2: 1.5,
            max_jerk_mps3: jerk,
            speed_gain_per_s: 2.0,
            trace_tolerance_mps: 0.894,
        }
    }

    fn run(driver: &mut Driver, target: Target, v0: f64, steps: u32) -> (f64, f64) {
        let (mut v, mut peak_jerk, mut a_prev) = (v0, 0.0_f64, 0.0);
        for _ in 0..steps {
            let a = driver.command(target, v, 0.01);
            driver.settle(a);
            peak_jerk = peak_jerk.max((a - a_prev).abs() / 0.01);
            a_prev = a;
            v += a * 0.01;
        }
        (v, peak_jerk)
    }

    #[test]
    fn cruise_reaches_target_within_bounds() {
        let mut d = Driver::new(spec(2.0));
        let target = Target {
            speed_mps: 30.0,
            accel_ff_mps2: 0.0,
            tracking: Tracking::Comfort,
        };
        let (v, jerk) = run(&mut d, target, 0.0, 4000);
        assert!((v - 30.0).abs() < 0.01, "{v}");
        assert!(jerk <= 2.0 + 1e-9, "{jerk}");
    }

    #[test]
    fn stops_exactly_and_never_reverses() {
        let mut d = Driver::new(spec(f64::INFINITY));
        let target = Target {
            speed_mps: 0.0,
            accel_ff_mps2: 0.0,
            tracking: Tracking::Tight,
        };
        let (v, _) = run(&mut d, target, 5.0, 1000);
        assert!(v.abs() < 1e-15, "{v}");
        // With a jerk bound it still stops, without going backwards.
        let mut d = Driver::new(spec(10.0));
        let (v, _) = run(&mut d, target, 5.0, 1000);
        assert!((0.0..1e-15).contains(&v), "{v}");
    }

    #[test]
    fn comfort_bounds_hold() {
        let mut d = Driver::new(spec(f64::INFINITY));
        let target = Target {
            speed_mps: 40.0,
            accel_ff_mps2: 0.0,
            tracking: Tracking::Comfort,
        };
        let a = d.command(target, 0.0, 0.01);
        assert_eq!(a, 1.5);
    }
}
