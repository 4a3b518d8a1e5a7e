//! What the plots draw: pack power against time over the whole run, and charge
//! power against SOC at the charge stops. Bounded in memory: when a series is
//! full, every other point goes and the sampling interval doubles.

use super::Snapshot;

/// What the plots need of one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// Virtual time, s.
    pub time_s: f64,
    /// Pack power (positive discharging), W.
    pub pack_power_w: f64,
    /// Plugged in.
    pub charging: bool,
    /// DC power from the station, W.
    pub charger_power_w: f64,
    /// True SOC, %.
    pub soc_pct: f64,
}

impl From<&Snapshot> for Sample {
    fn from(s: &Snapshot) -> Self {
        Self {
            time_s: s.time_s,
            pack_power_w: s.pack_power_w,
            charging: s.charging(),
            charger_power_w: s.charger_power_w,
            soc_pct: s.soc_pct,
        }
    }
}

/// One point of a plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotPoint {
    /// x: time in s, or SOC in %.
    pub x: f64,
    /// y: power in kW.
    pub y: f64,
}

/// The plots' data.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    capacity: usize,
    every_s: f64,
    next_s: f64,
    /// Pack power (kW, positive discharging; negative charging or regenerating)
    /// against time (s).
    pub power: Vec<PlotPoint>,
    /// DC charge power (kW) against true SOC (%), while plugged in.
    pub charge: Vec<PlotPoint>,
    last_charge_soc: f64,
}

impl History {
    /// Holds at most `capacity` points a series, sampled every `every_s` at
    /// first.
    #[must_use]
    pub fn new(capacity: usize, every_s: f64) -> Self {
        Self {
            capacity: capacity.max(4),
            every_s,
            next_s: 0.0,
            power: Vec::with_capacity(capacity),
            charge: Vec::with_capacity(capacity),
            last_charge_soc: f64::NAN,
        }
    }

    /// Takes `s` into the series when it is due.
    pub fn push(&mut self, s: Sample) {
        if s.time_s >= self.next_s && s.pack_power_w.is_finite() {
            self.power.push(PlotPoint {
                x: s.time_s,
                y: s.pack_power_w / 1000.0,
            });
            self.next_s = s.time_s + self.every_s;
            if self.power.len() >= self.capacity {
                halve(&mut self.power);
                self.every_s *= 2.0;
            }
        }
        // Charge points every 0.1 % of SOC, so a long taper does not crowd out
        // the ramp.
        if s.charging && s.charger_power_w > 0.0 && s.soc_pct.is_finite() {
            let fresh = !self.last_charge_soc.is_finite()
                || (s.soc_pct - self.last_charge_soc).abs() >= 0.1 - 1e-9;
            if fresh {
                self.charge.push(PlotPoint {
                    x: s.soc_pct,
                    y: s.charger_power_w / 1000.0,
                });
                self.last_charge_soc = s.soc_pct;
                if self.charge.len() >= self.capacity {
                    halve(&mut self.charge);
                }
            }
        } else {
            self.last_charge_soc = f64::NAN;
        }
    }
}

/// Drops every other point, keeping the first and the newest.
fn halve(points: &mut Vec<PlotPoint>) {
    let last = points.len().saturating_sub(1);
    let mut k = 0;
    points.retain(|_| {
        let keep = k % 2 == 0 || k == last;
        k += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time_s: f64, power_w: f64) -> Snapshot {
        Snapshot {
            time_s,
            pack_power_w: power_w,
            ..Snapshot::default()
        }
    }

    #[test]
    fn samples_on_its_interval_and_stays_bounded() {
        let mut h = History::new(8, 1.0);
        for i in 0..10 {
            h.push(Sample::from(&at(f64::from(i) * 0.5, 1000.0 * f64::from(i))));
        }
        // Every second: t = 0, 1, 2, 3, 4.
        let xs: Vec<f64> = h.power.iter().map(|p| p.x).collect();
        assert_eq!(xs, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(h.power[2].y, 4.0);
        for i in 10..1000 {
            h.push(Sample::from(&at(f64::from(i) * 0.5, 0.0)));
        }
        assert!(h.power.len() < 8);
        assert_eq!(h.power[0].x, 0.0);
        // The newest point is at most one (doubled) interval old.
        assert!(h.power.last().is_some_and(|p| p.x >= 499.5 - h.every_s));
    }

    #[test]
    fn charge_points_only_while_plugged_in_every_tenth_of_a_percent() {
        let mut h = History::new(100, 1.0);
        for i in 0..50 {
            let mut s = at(f64::from(i), -200_000.0);
            s.charger_connected = f64::from(u8::from(i >= 10));
            s.charger_power_w = 200_000.0;
            s.soc_pct = 20.0 + f64::from(i) * 0.05;
            h.push(Sample::from(&s));
        }
        // 40 samples 0.05 % apart while plugged in: one point every 0.1 %.
        assert_eq!(h.charge.len(), 20);
        assert!((h.charge[0].x - 20.5).abs() < 1e-9);
        assert_eq!(h.charge[0].y, 200.0);
    }
}
