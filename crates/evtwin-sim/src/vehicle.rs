//! Longitudinal vehicle dynamics (the FASTSim formulation) and the electric
//! powertrain between the wheels and the battery terminals.
//!
//! Over a step from speed `v0` to `v1` with mean `v̄ = (v0 + v1)/2`:
//! drag `½ρC_dA·v̄³`, rolling `m·g·C_rr·cos θ·v̄`, grade `m·g·sin θ·v̄`, inertia
//! `m(v1² − v0²)/(2dt)` plus the wheels' `½·J·n·(ω1² − ω0²)/dt`.
//!
//! Or, from coast-down coefficients (EPA/WLTP `F = A + B·v + C·v²`): rolling
//! `(A·cos θ + B·v̄)·v̄`, drag `C·(ρ/ρ₂₀)·v̄³` (the test's air at 20 °C, scaled
//! to the ambient's density), grade and inertia as above.

use thiserror::Error;

use crate::interp::{Lut1, TableError};

/// Standard gravity, m/s².
pub const GRAVITY_MPS2: f64 = 9.81;
const MPH_PER_MPS: f64 = 2.236_936_292_054_402;

/// `(sin θ, cos θ)` of a road whose grade (rise over run) is `tan θ`. Arithmetic
/// and `sqrt` only: exact IEEE operations, the same on every platform.
#[must_use]
pub fn grade_sin_cos(grade: f64) -> (f64, f64) {
    let hyp = (1.0 + grade * grade).sqrt();
    (grade / hyp, 1.0 / hyp)
}

/// Air density of dry air at sea-level pressure and `ambient_c`, kg/m³.
#[must_use]
pub fn air_density_kg_m3(ambient_c: f64) -> f64 {
    101_325.0 / (287.05 * (ambient_c + 273.15))
}

/// Coast-down road-load coefficients, `F = A + B·v + C·v²` on level road (SI).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coastdown {
    /// Constant term, N.
    pub a_n: f64,
    /// Linear term, N/(m/s).
    pub b_n_per_mps: f64,
    /// Quadratic term, N/(m/s)², in air at 20 °C.
    pub c_n_per_mps2: f64,
}

impl Coastdown {
    /// From the units EPA and WLTP tables use: N, N/(km/h), N/(km/h)².
    #[must_use]
    pub fn from_kph(a_n: f64, b_n_per_kph: f64, c_n_per_kph2: f64) -> Self {
        Self {
            a_n,
            b_n_per_mps: b_n_per_kph * 3.6,
            c_n_per_mps2: c_n_per_kph2 * 3.6 * 3.6,
        }
    }

    /// From EPA's published units: lbf, lbf/mph, lbf/mph².
    #[must_use]
    pub fn from_epa_lbf(a_lbf: f64, b_lbf_per_mph: f64, c_lbf_per_mph2: f64) -> Self {
        const N_PER_LBF: f64 = 4.448_221_615_260_5;
        Self {
            a_n: a_lbf * N_PER_LBF,
            b_n_per_mps: b_lbf_per_mph * N_PER_LBF * MPH_PER_MPS,
            c_n_per_mps2: c_lbf_per_mph2 * N_PER_LBF * MPH_PER_MPS * MPH_PER_MPS,
        }
    }

    /// Level-road force at `speed_mps` in air at 20 °C, N.
    #[must_use]
    pub fn force_n(&self, speed_mps: f64) -> f64 {
        self.a_n + (self.b_n_per_mps + self.c_n_per_mps2 * speed_mps) * speed_mps
    }
}

/// Body and wheels.
#[derive(Debug, Clone, PartialEq)]
pub struct BodySpec {
    /// Test mass (curb mass plus load), kg.
    pub test_mass_kg: f64,
    /// Aerodynamic drag coefficient.
    pub drag_coefficient: f64,
    /// Frontal area, m².
    pub frontal_area_m2: f64,
    /// Rolling-resistance coefficient.
    pub rolling_resistance: f64,
    /// Wheel rolling radius, m.
    pub wheel_radius_m: f64,
    /// Rotational inertia of one wheel, kg·m².
    pub wheel_inertia_kg_m2: f64,
    /// Number of wheels.
    pub wheel_count: u32,
    /// Coast-down coefficients; where given they replace drag coefficient,
    /// frontal area and rolling resistance in the road load.
    pub coastdown: Option<Coastdown>,
}

/// Motor efficiency as a function of output power over peak power (FASTSim style).
#[derive(Debug, Clone, PartialEq)]
pub struct MotorMap {
    eff: Lut1,
}

/// Why a motor map is unusable.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MotorMapError {
    /// The knots themselves are bad.
    #[error(transparent)]
    Table(#[from] TableError),
    /// An efficiency outside (0, 1].
    #[error("efficiency {value} at point {index} is outside (0, 1]")]
    Efficiency { index: usize, value: f64 },
    /// The map must start at load 0.
    #[error("the load fractions must start at 0")]
    NoZero,
    /// Electric power would not rise with mechanical power (the map is not invertible).
    #[error(
        "the map is not invertible between load {from} and {to}: electric power must rise with mechanical power"
    )]
    NotMonotonic { from: f64, to: f64 },
}

impl MotorMap {
    /// `load_fraction` from 0 (strictly increasing, usually to 1.0), `efficiency` in (0, 1].
    pub fn new(load_fraction: Vec<f64>, efficiency: Vec<f64>) -> Result<Self, MotorMapError> {
        let eff = Lut1::named(("load fraction", load_fraction), ("efficiency", efficiency))?;
        if eff.xs()[0] != 0.0 {
            return Err(MotorMapError::NoZero);
        }
        if let Some((index, &value)) = eff
            .ys()
            .iter()
            .enumerate()
            .find(|(_, e)| !(**e > 0.0 && **e <= 1.0))
        {
            return Err(MotorMapError::Efficiency { index, value });
        }
        for w in eff.xs().windows(2) {
            let (x0, x1) = (w[0], w[1]);
            let traction = |x: f64| x / eff.eval(x);
            let regen = |x: f64| x * eff.eval(x);
            if traction(x1) <= traction(x0) || regen(x1) <= regen(x0) {
                return Err(MotorMapError::NotMonotonic { from: x0, to: x1 });
            }
        }
        Ok(Self { eff })
    }

    /// Efficiency at `load` = |mechanical power| / peak power (clamped to the map).
    #[must_use]
    pub fn efficiency(&self, load: f64) -> f64 {
        self.eff.eval(load)
    }

    /// Mechanical load `x` whose electric equivalent `x/η(x)` (traction) or `x·η(x)`
    /// (regen) equals `target`, solved exactly on the piecewise-linear map.
    fn invert(&self, target: f64, traction: bool) -> f64 {
        if target <= 0.0 {
            return 0.0;
        }
        let (xs, ys) = (self.eff.xs(), self.eff.ys());
        for k in 0..xs.len() - 1 {
            let (x0, x1) = (xs[k], xs[k + 1]);
            let c1 = (ys[k + 1] - ys[k]) / (x1 - x0);
            let c0 = ys[k] - c1 * x0;
            // η = c0 + c1·x on this segment.
            let x = if traction {
                // x / (c0 + c1 x) = t  →  x = t c0 / (1 − t c1)
                target * c0 / (1.0 - target * c1)
            } else {
                // x (c0 + c1 x) = t  →  c1 x² + c0 x − t = 0
                let disc = c0 * c0 + 4.0 * c1 * target;
                2.0 * target / (c0 + disc.max(0.0).sqrt())
            };
            if x <= x1 && x >= x0 - 1e-15 {
                return x;
            }
        }
        // Beyond the last knot the efficiency is constant.
        let last = *ys.last().unwrap_or(&1.0);
        if traction {
            target * last
        } else {
            target / last
        }
    }
}

/// Motor, gearing and regenerative braking.
#[derive(Debug, Clone, PartialEq)]
pub struct PowertrainSpec {
    /// Efficiency of the gear and driveshafts, each way.
    pub transmission_efficiency: f64,
    /// Motor peak mechanical power, W (motoring and generating).
    pub motor_peak_power_w: f64,
    /// Motor peak torque, N·m.
    pub motor_peak_torque_nm: f64,
    /// Reduction ratio from motor to wheels.
    pub gear_ratio: f64,
    /// Motor efficiency over load fraction.
    pub motor_map: MotorMap,
    /// Largest fraction of braking power that regeneration may take (FASTSim 0.98).
    pub regen_max_fraction: f64,
    /// FASTSim's low-speed fade: `fraction = max / (1 + a·e^(−b·(v_mph + 1)))`; this is `a`.
    pub regen_fade_a: f64,
    /// b of the low-speed fade, 1/mph.
    pub regen_fade_b_per_mph: f64,
    /// Top speed, m/s.
    pub max_speed_mps: f64,
}

impl PowertrainSpec {
    /// Fraction of braking power that regeneration may recover at speed `v_mps`.
    #[must_use]
    pub fn regen_fraction(&self, v_mps: f64) -> f64 {
        let mph = v_mps * MPH_PER_MPS;
        self.regen_max_fraction
            / (1.0 + self.regen_fade_a * libm::exp(-self.regen_fade_b_per_mph * (mph + 1.0)))
    }

    /// Largest wheel force from motor torque, N.
    #[must_use]
    pub fn max_wheel_force_n(&self, body: &BodySpec) -> f64 {
        self.motor_peak_torque_nm * self.gear_ratio * self.transmission_efficiency
            / body.wheel_radius_m
    }

    /// Motor speed at vehicle speed `v_mps`, rad/s.
    #[must_use]
    pub fn motor_speed_rad_s(&self, body: &BodySpec, v_mps: f64) -> f64 {
        v_mps / body.wheel_radius_m * self.gear_ratio
    }

    /// Electric power for mechanical output `p_mech_w` ≥ 0 (motoring), W.
    #[must_use]
    pub fn traction_electric_w(&self, p_mech_w: f64) -> f64 {
        p_mech_w
            / self
                .motor_map
                .efficiency(p_mech_w / self.motor_peak_power_w)
    }

    /// Electric power from mechanical input `p_mech_w` ≥ 0 (generating), W.
    #[must_use]
    pub fn regen_electric_w(&self, p_mech_w: f64) -> f64 {
        p_mech_w
            * self
                .motor_map
                .efficiency(p_mech_w / self.motor_peak_power_w)
    }

    /// Mechanical output available from electric input `p_elec_w` (motoring), W.
    #[must_use]
    pub fn traction_mech_for_electric_w(&self, p_elec_w: f64) -> f64 {
        self.motor_peak_power_w
            * self
                .motor_map
                .invert(p_elec_w / self.motor_peak_power_w, true)
    }

    /// Mechanical input that generates electric output `p_elec_w`, W.
    #[must_use]
    pub fn regen_mech_for_electric_w(&self, p_elec_w: f64) -> f64 {
        self.motor_peak_power_w
            * self
                .motor_map
                .invert(p_elec_w / self.motor_peak_power_w, false)
    }
}

/// The road-load powers of one step, W (step means).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RoadLoad {
    /// Aerodynamic drag.
    pub drag_w: f64,
    /// Rolling resistance.
    pub rolling_w: f64,
    /// Climbing (negative downhill).
    pub grade_w: f64,
    /// Change of kinetic energy, body and wheels.
    pub inertia_w: f64,
}

impl RoadLoad {
    /// Power needed at the wheels (negative: braking needed).
    #[must_use]
    pub fn wheel_w(&self) -> f64 {
        self.drag_w + self.rolling_w + self.grade_w + self.inertia_w
    }
}

impl BodySpec {
    /// Equivalent mass of the rotating wheels, kg.
    #[must_use]
    pub fn wheel_equivalent_mass_kg(&self) -> f64 {
        self.wheel_inertia_kg_m2 * f64::from(self.wheel_count)
            / (self.wheel_radius_m * self.wheel_radius_m)
    }

    /// Road load of a step from `v0` to `v1` (both ≥ 0) on a slope of `grade`
    /// (rise over run) in air of density `rho`.
    #[must_use]
    pub fn road_load(&self, v0: f64, v1: f64, dt_s: f64, grade: f64, rho: f64) -> RoadLoad {
        let v_mean = 0.5 * (v0 + v1);
        let (sin, cos) = grade_sin_cos(grade);
        let weight = self.test_mass_kg * GRAVITY_MPS2;
        let dv2 = v1 * v1 - v0 * v0;
        let inertia_w = (self.test_mass_kg + self.wheel_equivalent_mass_kg()) * dv2 / (2.0 * dt_s);
        if let Some(c) = self.coastdown {
            return RoadLoad {
                drag_w: c.c_n_per_mps2 * (rho / air_density_kg_m3(20.0)) * v_mean * v_mean * v_mean,
                rolling_w: (c.a_n * cos + c.b_n_per_mps * v_mean) * v_mean,
                grade_w: weight * sin * v_mean,
                inertia_w,
            };
        }
        RoadLoad {
            // Explicit products, not `powi`: its lowering differs between
            // optimisation levels, and traces must match bit for bit.
            drag_w: 0.5
                * rho
                * self.drag_coefficient
                * self.frontal_area_m2
                * v_mean
                * v_mean
                * v_mean,
            rolling_w: weight * self.rolling_resistance * cos * v_mean,
            grade_w: weight * sin * v_mean,
            inertia_w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn fastsim_map() -> MotorMap {
        MotorMap::new(
            vec![0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0],
            vec![
                0.84, 0.86, 0.88, 0.90, 0.91, 0.92, 0.94, 0.95, 0.95, 0.94, 0.93,
            ],
        )
        .unwrap()
    }

    fn powertrain() -> PowertrainSpec {
        PowertrainSpec {
            transmission_efficiency: 0.98,
            motor_peak_power_w: 239_000.0,
            motor_peak_torque_nm: 420.0,
            gear_ratio: 9.0,
            motor_map: fastsim_map(),
            regen_max_fraction: 0.98,
            regen_fade_a: 500.0,
            regen_fade_b_per_mph: 0.99,
            max_speed_mps: 60.0,
        }
    }

    #[test]
    fn air_density_at_20c_is_standard() {
        assert!((air_density_kg_m3(20.0) - 1.204).abs() < 0.001);
        assert!(air_density_kg_m3(-20.0) > 1.39);
    }

    #[test]
    fn motor_inversions_round_trip() {
        let pt = powertrain();
        for p_mech in [
            0.0, 100.0, 3_000.0, 20_000.0, 100_000.0, 239_000.0, 300_000.0,
        ] {
            let e = pt.traction_electric_w(p_mech);
            assert!((pt.traction_mech_for_electric_w(e) - p_mech).abs() < 1e-6 * p_mech.max(1.0));
            let g = pt.regen_electric_w(p_mech);
            assert!((pt.regen_mech_for_electric_w(g) - p_mech).abs() < 1e-6 * p_mech.max(1.0));
        }
    }

    #[test]
    fn regen_fades_at_low_speed() {
        let pt = powertrain();
        assert!(pt.regen_fraction(0.0) < 0.01);
        assert!((pt.regen_fraction(30.0) - 0.98).abs() < 1e-6);
        assert!(pt.regen_fraction(2.0) < pt.regen_fraction(5.0));
    }

    #[test]
    fn bad_maps_are_rejected() {
        assert_eq!(
            MotorMap::new(vec![0.1, 1.0], vec![0.9, 0.9]),
            Err(MotorMapError::NoZero)
        );
        assert!(matches!(
            MotorMap::new(vec![0.0, 1.0], vec![0.9, 1.2]),
            Err(MotorMapError::Efficiency { index: 1, .. })
        ));
        // Efficiency collapsing faster than load rises: x/η(x) falls.
        assert!(matches!(
            MotorMap::new(vec![0.0, 0.5, 1.0], vec![0.1, 0.9, 0.1]),
            Err(MotorMapError::NotMonotonic { .. })
        ));
    }

    #[test]
    fn road_load_matches_hand_values() {
        let body = BodySpec {
            test_mass_kg: 1752.0,
            drag_coefficient: 0.23,
            frontal_area_m2: 2.22,
            rolling_resistance: 0.007,
            wheel_radius_m: 0.334,
            wheel_inertia_kg_m2: 0.815,
            wheel_count: 4,
            coastdown: None,
        };
        // Steady 25 m/s, flat, ρ = 1.2: drag ½·1.2·0.23·2.22·25³ = 4786.875 W,
        // rolling 1752·9.81·0.007·25 = 3007.7 W.
        let l = body.road_load(25.0, 25.0, 1.0, 0.0, 1.2);
        assert!((l.drag_w - 4_786.875).abs() < 1e-6);
        assert!((l.rolling_w - 3_007.746).abs() < 1e-3);
        assert_eq!(l.inertia_w, 0.0);
        // 0 → 1 m/s in 1 s: ½(m + 4J/r²)·1² = ½(1752 + 29.22) J.
        let l = body.road_load(0.0, 1.0, 1.0, 0.0, 1.2);
        assert!((l.inertia_w - 0.5 * (1752.0 + 4.0 * 0.815 / 0.334_f64.powi(2))).abs() < 1e-9);
        // 10 % grade at 10 m/s: m·g·sin(atan 0.1)·10.
        let l = body.road_load(10.0, 10.0, 1.0, 0.1, 1.2);
        assert!((l.grade_w - 1752.0 * 9.81 * 0.1 / 1.01_f64.sqrt() * 10.0).abs() < 1e-6);
    }

    #[test]
    fn coastdown_road_load_is_a_plus_bv_plus_cv2() {
        // EPA's 2022 Model 3 RWD target: 37.17 lbf, 0.0470 lbf/mph, 0.01440 lbf/mph².
        let c = Coastdown::from_epa_lbf(37.17, 0.0470, 0.01440);
        assert!((c.a_n - 165.34).abs() < 0.01);
        // At 120 km/h (74.565 mph): 37.17 + 0.0470·74.565 + 0.0144·74.565² lbf.
        let mph = 120.0 / 1.609_344;
        let lbf = 37.17 + 0.0470 * mph + 0.01440 * mph * mph;
        let v = 120.0 / 3.6;
        assert!((c.force_n(v) - lbf * 4.448_221_615_260_5).abs() < 1e-9);
        let kph = Coastdown::from_kph(c.a_n, c.b_n_per_mps / 3.6, c.c_n_per_mps2 / 12.96);
        assert!((kph.force_n(v) - c.force_n(v)).abs() < 1e-9);
        let body = BodySpec {
            test_mass_kg: 1752.0,
            drag_coefficient: 0.0,
            frontal_area_m2: 0.0,
            rolling_resistance: 0.0,
            wheel_radius_m: 0.334,
            wheel_inertia_kg_m2: 0.815,
            wheel_count: 4,
            coastdown: Some(c),
        };
        // Level, steady, air at 20 °C: exactly F(v)·v.
        let l = body.road_load(v, v, 1.0, 0.0, air_density_kg_m3(20.0));
        assert!((l.drag_w + l.rolling_w - c.force_n(v) * v).abs() < 1e-9);
        // Colder air: only the C term grows, with the density.
        let cold = body.road_load(v, v, 1.0, 0.0, air_density_kg_m3(-20.0));
        let ratio = air_density_kg_m3(-20.0) / air_density_kg_m3(20.0);
        assert!((cold.drag_w / l.drag_w - ratio).abs() < 1e-12);
        assert_eq!(cold.rolling_w, l.rolling_w);
    }
}
