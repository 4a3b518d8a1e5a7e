//! The road's shape along the route: elevation against distance, and where the
//! charge stops are, worked out from the route's legs before the run.

use evtwin_sim::route::{LegKind, Route};

/// A charge stop on the road.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeStop {
    /// Distance from the start, m.
    pub at_m: f64,
    /// Leg index of the stop.
    pub leg: usize,
    /// Station name.
    pub station: String,
    /// Station's power, W.
    pub max_power_w: f64,
    /// The stop ends at this SOC, % (if it says).
    pub until_soc_pct: Option<f64>,
}

/// Elevation against distance, piecewise linear.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteProfile {
    /// Distance, m (ascending).
    distance_m: Vec<f64>,
    /// Elevation above the start, m.
    elevation_m: Vec<f64>,
    /// Charge stops in route order.
    pub stops: Vec<ChargeStop>,
}

impl Default for RouteProfile {
    /// A flat road with no stops (attach mode).
    fn default() -> Self {
        Self {
            distance_m: vec![0.0],
            elevation_m: vec![0.0],
            stops: Vec::new(),
        }
    }
}

/// Sample spacing of drive cycles, s.
const CYCLE_STEP_S: f64 = 1.0;

impl RouteProfile {
    /// Walks `route`'s legs: cruise legs climb at their grade, drive cycles at
    /// theirs (integrated second by second), standing legs add nothing.
    #[must_use]
    pub fn new(route: &Route) -> Self {
        let mut p = Self::default();
        for (k, leg) in route.legs().iter().enumerate() {
            match &leg.kind {
                LegKind::Cruise {
                    distance_m, grade, ..
                } => p.climb(*distance_m, *grade),
                LegKind::Cycle { cycle, repeat } => {
                    for _ in 0..*repeat {
                        let mut t = 0.0;
                        while t < cycle.duration_s() {
                            let d = cycle.speed_at(t) * CYCLE_STEP_S;
                            if d > 0.0 {
                                p.climb(d, cycle.grade_at(t));
                            }
                            t += CYCLE_STEP_S;
                        }
                    }
                }
                LegKind::Charge(c) => p.stops.push(ChargeStop {
                    at_m: p.length_m(),
                    leg: k,
                    station: c.station.name.clone(),
                    max_power_w: c.station.max_power_w,
                    until_soc_pct: c.until_soc.map(|z| z * 100.0),
                }),
                LegKind::Idle { .. } | LegKind::Park { .. } => {}
            }
        }
        p
    }

    fn climb(&mut self, distance_m: f64, grade: f64) {
        let d = self.length_m() + distance_m;
        let h = self.elevation_m.last().copied().unwrap_or(0.0) + distance_m * grade;
        // Merge tiny steps of a drive cycle into ≥ 5 m segments.
        let n = self.distance_m.len();
        if n >= 2 && self.distance_m[n - 1] - self.distance_m[n - 2] < 5.0 {
            self.distance_m[n - 1] = d;
            self.elevation_m[n - 1] = h;
        } else {
            self.distance_m.push(d);
            self.elevation_m.push(h);
        }
    }

    /// Route length, m.
    #[must_use]
    pub fn length_m(&self) -> f64 {
        self.distance_m.last().copied().unwrap_or(0.0)
    }

    /// Elevation at `at_m` (held flat beyond either end), m.
    #[must_use]
    pub fn elevation_at(&self, at_m: f64) -> f64 {
        let d = &self.distance_m;
        let i = d.partition_point(|&x| x <= at_m);
        if i == 0 {
            return self.elevation_m[0];
        }
        if i >= d.len() {
            return self.elevation_m[d.len() - 1];
        }
        let (d0, d1) = (d[i - 1], d[i]);
        let (h0, h1) = (self.elevation_m[i - 1], self.elevation_m[i]);
        h0 + (h1 - h0) * (at_m - d0) / (d1 - d0)
    }

    /// The first stop at or after `at_m` (within 1 m behind counts as here).
    #[must_use]
    pub fn next_stop(&self, at_m: f64) -> Option<&ChargeStop> {
        self.stops.iter().find(|s| s.at_m >= at_m - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use evtwin_sim::route::Leg;

    use super::*;

    fn cruise(distance_m: f64, grade: f64) -> Leg {
        Leg {
            kind: LegKind::Cruise {
                distance_m,
                speed_mps: 20.0,
                grade,
            },
            ambient_c: None,
        }
    }

    #[test]
    fn cruise_legs_climb_at_their_grade() {
        let route = Route::new(vec![cruise(1000.0, 0.05), cruise(2000.0, -0.01)]);
        let Ok(route) = route else {
            panic!("route rejected");
        };
        let p = RouteProfile::new(&route);
        assert_eq!(p.length_m(), 3000.0);
        assert!((p.elevation_at(500.0) - 25.0).abs() < 1e-9);
        assert!((p.elevation_at(1000.0) - 50.0).abs() < 1e-9);
        assert!((p.elevation_at(3000.0) - 30.0).abs() < 1e-9);
        assert_eq!(p.elevation_at(-10.0), 0.0);
        assert!((p.elevation_at(9e9) - 30.0).abs() < 1e-9);
        assert!(p.stops.is_empty());
    }

    #[test]
    fn a_flat_default_has_no_stops() {
        let p = RouteProfile::default();
        assert_eq!(p.elevation_at(123.0), 0.0);
        assert!(p.next_stop(0.0).is_none());
    }
}
