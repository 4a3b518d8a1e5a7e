//! What makes one chemistry behave unlike another beyond its parameter table:
//! resistance against temperature (Arrhenius), capacity against temperature,
//! interface resistance against stack pressure, and the temperature window.

use crate::interp::Lut1;

/// Boltzmann constant, eV/K.
pub const BOLTZMANN_EV_PER_K: f64 = 8.617_333_262e-5;

fn kelvin(temp_c: f64) -> f64 {
    temp_c + 273.15
}

/// A second Arrhenius regime above a transition temperature (e.g. PEO melting).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regime {
    /// Where the regime starts, °C.
    pub transition_c: f64,
    /// Activation energy above the transition, eV.
    pub activation_energy_ev: f64,
}

/// Resistance against temperature: `R(T) = R(T_ref)·exp(Ea/k·(1/T − 1/T_ref))`,
/// continuous across an optional change of activation energy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrhenius {
    /// Activation energy, eV (below the transition, if there is one).
    pub activation_energy_ev: f64,
    /// Temperature at which the table's resistances hold, °C.
    pub reference_c: f64,
    /// Optional second regime.
    pub above: Option<Regime>,
}

impl Arrhenius {
    /// `R(T) / R(T_ref)`.
    #[must_use]
    pub fn factor(&self, temp_c: f64) -> f64 {
        let x = 1.0 / kelvin(temp_c);
        let x_ref = 1.0 / kelvin(self.reference_c);
        let exponent = match self.above {
            None => self.activation_energy_ev * (x - x_ref),
            Some(r) => {
                // Integrate Ea over 1/T from the reference, switching at the transition.
                let x_tr = 1.0 / kelvin(r.transition_c);
                let ea_at = |xx: f64| {
                    if xx < x_tr {
                        r.activation_energy_ev
                    } else {
                        self.activation_energy_ev
                    }
                };
                let crosses = (x - x_tr) * (x_ref - x_tr) < 0.0;
                if crosses {
                    ea_at(x_ref) * (x_tr - x_ref) + ea_at(x) * (x - x_tr)
                } else {
                    ea_at(x) * (x - x_ref)
                }
            }
        };
        libm::exp(exponent / BOLTZMANN_EV_PER_K)
    }
}

/// Interface resistance that falls with stack pressure as `p^−0.5`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PressureSpec {
    /// Stack pressure at which the table's resistances hold, MPa.
    pub reference_mpa: f64,
    /// Share of the resistance that is interfacial at the reference pressure.
    pub interface_fraction: f64,
}

impl PressureSpec {
    /// `R(p) / R(p_ref)`.
    #[must_use]
    pub fn resistance_factor(&self, pressure_mpa: f64) -> f64 {
        let f = self.interface_fraction;
        (1.0 - f) + f * (self.reference_mpa / pressure_mpa).sqrt()
    }
}

/// Where the cell may work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureLimits {
    /// No charging below, °C.
    pub charge_min_c: f64,
    /// No charging above, °C.
    pub charge_max_c: f64,
    /// No discharging below, °C.
    pub discharge_min_c: f64,
    /// No discharging above, °C.
    pub discharge_max_c: f64,
    /// Best temperature for fast charging (the preconditioning target), °C.
    pub charge_optimum_c: f64,
}

/// Available capacity against temperature, as a fraction of the rated capacity.
/// The missing part is inaccessible at the bottom of the SOC range and returns
/// when the cell warms up.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityVsTemp {
    fraction: Lut1,
}

impl CapacityVsTemp {
    /// From a fraction-of-rated-capacity curve over temperature (°C).
    #[must_use]
    pub fn new(fraction: Lut1) -> Self {
        Self { fraction }
    }

    /// Lowest SOC the cell can reach at `temp_c` (0 when all capacity is there).
    #[must_use]
    pub fn soc_floor(&self, temp_c: f64) -> f64 {
        (1.0 - self.fraction.eval(temp_c)).clamp(0.0, 1.0)
    }

    /// Fraction of the rated capacity available at `temp_c`.
    #[must_use]
    pub fn fraction(&self, temp_c: f64) -> f64 {
        1.0 - self.soc_floor(temp_c)
    }
}

/// What limits the charge current before the anode is harmed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anode {
    /// Graphite plates lithium when its potential falls below 0 V vs Li. Under a
    /// charge current `I` it sits at `U_anode(SOC) − I·f·R_dc`, where `U_anode` is
    /// the table's `anode_ocp_v` column and `f` the anode's share of the cell's DC
    /// resistance: the limit is the current that brings it to 0 V.
    Graphite {
        /// Anode share of the cell's DC resistance (R0 + R1 + R2).
        resistance_fraction: f64,
    },
    /// Lithium metal grows dendrites above a critical current density (CCD) that
    /// rises with temperature (Arrhenius) and with stack pressure (a power law).
    LithiumMetal {
        /// Electrode area of one cell, cm².
        area_cm2: f64,
        /// CCD at the cell's reference temperature and pressure, mA/cm².
        ccd_ma_per_cm2: f64,
        /// Temperature at which `ccd_ma_per_cm2` holds, °C.
        ccd_reference_c: f64,
        /// Activation energy of the CCD, eV.
        ccd_activation_energy_ev: f64,
        /// Pressure at which `ccd_ma_per_cm2` holds, MPa.
        ccd_reference_mpa: f64,
        /// `CCD ∝ p^n`: this is `n`.
        ccd_pressure_exponent: f64,
    },
}

impl Anode {
    /// Largest charge current of one cell before plating or dendrites, A.
    /// `anode_ocp_v` is the anode's open-circuit potential at the cell's SOC (used
    /// by graphite), `r_dc_ohm` the cell's present DC resistance.
    #[must_use]
    pub fn charge_limit_a(
        &self,
        anode_ocp_v: f64,
        r_dc_ohm: f64,
        temp_c: f64,
        pressure_mpa: f64,
    ) -> f64 {
        match *self {
            Self::Graphite {
                resistance_fraction,
            } => anode_ocp_v.max(0.0) / (resistance_fraction * r_dc_ohm),
            Self::LithiumMetal {
                area_cm2,
                ccd_ma_per_cm2,
                ccd_reference_c,
                ccd_activation_energy_ev,
                ccd_reference_mpa,
                ccd_pressure_exponent,
            } => {
                // The CCD follows ionic transport: the inverse of an Arrhenius
                // resistance law.
                let warm = Arrhenius {
                    activation_energy_ev: ccd_activation_energy_ev,
                    reference_c: ccd_reference_c,
                    above: None,
                }
                .factor(temp_c);
                let pressure = libm::pow(pressure_mpa / ccd_reference_mpa, ccd_pressure_exponent);
                ccd_ma_per_cm2 / warm * pressure * area_cm2 / 1000.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a / b - 1.0).abs() < rel
    }

    #[test]
    fn arrhenius_matches_the_hand_values_of_the_physics_reference() {
        // physics-reference.md §4, R(T)/R(25 °C), given to two or three figures.
        let lgps = Arrhenius {
            activation_energy_ev: 0.22,
            reference_c: 25.0,
            above: None,
        };
        for (t, want) in [(-20.0, 4.6), (0.0, 2.2), (45.0, 0.58)] {
            assert!(
                close(lgps.factor(t), want, 0.02),
                "0.22 eV at {t}: {}",
                lgps.factor(t)
            );
        }
        let argyrodite = Arrhenius {
            activation_energy_ev: 0.35,
            ..lgps
        };
        for (t, want) in [
            (-20.0, 11.3),
            (-10.0, 6.1),
            (0.0, 3.5),
            (10.0, 2.1),
            (45.0, 0.43),
            (60.0, 0.24),
        ] {
            let got = argyrodite.factor(t);
            assert!(close(got, want, 0.03), "0.35 eV at {t}: {got}");
        }
        let peo = Arrhenius {
            activation_energy_ev: 1.0,
            ..lgps
        };
        assert!(close(peo.factor(0.0), 35.0, 0.05), "{}", peo.factor(0.0));
        assert!(
            close(peo.factor(-20.0), 1000.0, 0.2),
            "{}",
            peo.factor(-20.0)
        );
        assert_eq!(peo.factor(25.0), 1.0);
    }

    #[test]
    fn two_regimes_are_continuous_and_use_their_own_energies() {
        let a = Arrhenius {
            activation_energy_ev: 1.0,
            reference_c: 70.0,
            above: Some(Regime {
                transition_c: 60.0,
                activation_energy_ev: 0.4,
            }),
        };
        let below = a.factor(59.999);
        let above = a.factor(60.001);
        // 0.002 K apart on a slope of ≈ 0.1 per K: 2e-4; a jump would be far more.
        assert!(close(below, above, 1e-3), "{below} {above}");
        // Above the transition only the 0.4 eV regime counts.
        let plain = Arrhenius {
            activation_energy_ev: 0.4,
            reference_c: 70.0,
            above: None,
        };
        assert!(close(a.factor(80.0), plain.factor(80.0), 1e-12));
        // Below it the steep regime takes over from the transition on.
        let expected = plain.factor(60.0)
            * Arrhenius {
                activation_energy_ev: 1.0,
                reference_c: 60.0,
                above: None,
            }
            .factor(20.0);
        assert!(close(a.factor(20.0), expected, 1e-12));
    }

    #[test]
    fn pressure_lowers_only_the_interface_share() {
        let p = PressureSpec {
            reference_mpa: 1.0,
            interface_fraction: 0.5,
        };
        assert_eq!(p.resistance_factor(1.0), 1.0);
        assert!(close(p.resistance_factor(4.0), 0.75, 1e-12));
        assert!(close(p.resistance_factor(0.25), 1.5, 1e-12));
    }

    #[test]
    fn anode_limits_follow_potential_temperature_and_pressure() {
        let g = Anode::Graphite {
            resistance_fraction: 0.5,
        };
        // 0.1 V of margin over 0.5 × 2 mΩ: 100 A.
        assert!(close(g.charge_limit_a(0.1, 0.002, 25.0, 1.0), 100.0, 1e-12));
        assert_eq!(g.charge_limit_a(-0.01, 0.002, 25.0, 1.0), 0.0);
        let li = Anode::LithiumMetal {
            area_cm2: 12_000.0,
            ccd_ma_per_cm2: 9.0,
            ccd_reference_c: 25.0,
            ccd_activation_energy_ev: 0.35,
            ccd_reference_mpa: 5.0,
            ccd_pressure_exponent: 0.5,
        };
        // 9 mA/cm² × 12 000 cm² = 108 A at the reference.
        assert!(close(li.charge_limit_a(0.0, 0.0, 25.0, 5.0), 108.0, 1e-12));
        // 0 °C: the 0.35 eV Arrhenius factor is 3.5 (physics-reference), so ≈ 31 A.
        assert!(close(
            li.charge_limit_a(0.0, 0.0, 0.0, 5.0),
            108.0 / 3.48,
            0.01
        ));
        // Four times the pressure, twice the CCD.
        assert!(close(li.charge_limit_a(0.0, 0.0, 25.0, 20.0), 216.0, 1e-12));
    }

    #[test]
    fn cold_capacity_is_a_floor_on_soc() {
        let c = CapacityVsTemp::new(Lut1::new(vec![-20.0, 25.0], vec![0.8, 1.0]).unwrap());
        assert!(close(c.soc_floor(-20.0), 0.2, 1e-12));
        assert_eq!(c.soc_floor(30.0), 0.0);
        assert!(close(c.fraction(2.5), 0.9, 1e-12));
    }
}
