//! Auxiliary load: a constant base load plus cabin HVAC that depends on ambient
//! temperature (steady-state cabin heat balance divided by the heat pump's COP).

use crate::interp::Lut1;

/// Auxiliary and HVAC parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct AuxSpec {
    /// Electronics, pumps, lights, W.
    pub base_w: f64,
    /// Cabin temperature the HVAC holds, °C.
    pub cabin_setpoint_c: f64,
    /// No HVAC within ± this of the setpoint, K.
    pub deadband_k: f64,
    /// Cabin heat loss to outside (envelope plus ventilation), W/K.
    pub cabin_ua_w_per_k: f64,
    /// Heating COP over ambient temperature (1.0 is a resistive heater).
    pub heating_cop: Lut1,
    /// Cooling COP.
    pub cooling_cop: f64,
    /// Largest HVAC electric power, W.
    pub hvac_max_w: f64,
}

impl AuxSpec {
    /// HVAC electric power at `ambient_c`, W.
    #[must_use]
    pub fn hvac_w(&self, ambient_c: f64) -> f64 {
        let heat = self.cabin_setpoint_c - self.deadband_k - ambient_c;
        let cool = ambient_c - self.cabin_setpoint_c - self.deadband_k;
        let electric = if heat > 0.0 {
            self.cabin_ua_w_per_k * heat / self.heating_cop.eval(ambient_c)
        } else if cool > 0.0 {
            self.cabin_ua_w_per_k * cool / self.cooling_cop
        } else {
            0.0
        };
        electric.min(self.hvac_max_w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AuxSpec {
        AuxSpec {
            base_w: 250.0,
            cabin_setpoint_c: 21.0,
            deadband_k: 2.0,
            cabin_ua_w_per_k: 100.0,
            heating_cop: Lut1::new(vec![-20.0, 10.0], vec![1.5, 3.0]).unwrap(),
            cooling_cop: 2.5,
            hvac_max_w: 6000.0,
        }
    }

    #[test]
    fn hvac_load_follows_ambient() {
        let s = spec();
        assert_eq!(s.hvac_w(20.0), 0.0);
        // −20 °C: 100 W/K × (19 − (−20)) K / 1.5 = 2600 W.
        assert!((s.hvac_w(-20.0) - 2600.0).abs() < 1e-9);
        // 35 °C: 100 × (35 − 23) / 2.5 = 480 W.
        assert!((s.hvac_w(35.0) - 480.0).abs() < 1e-9);
        assert!(s.hvac_w(-200.0) <= 6000.0);
    }
}
