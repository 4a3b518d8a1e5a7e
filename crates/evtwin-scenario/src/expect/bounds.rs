//! Bounds on a value and the unit it is shown in.

use super::num;

/// The unit values are written and shown in: `per` base units each
/// (`kW` for a signal in W: `per` = 1000).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The unit's name (`1`: none).
    pub unit: String,
    /// Base units per shown unit.
    pub per: f64,
}

impl Shown {
    /// The base unit itself.
    #[must_use]
    pub fn base(unit: &str) -> Self {
        Self {
            unit: unit.to_owned(),
            per: 1.0,
        }
    }

    /// A base value in this unit.
    #[must_use]
    pub fn value(&self, base: f64) -> f64 {
        base / self.per
    }

    /// A base value as shown: `80.2 %`.
    #[must_use]
    pub fn text(&self, base: f64) -> String {
        let v = num(self.value(base));
        if self.unit.is_empty() || self.unit == "1" {
            v
        } else {
            format!("{v} {}", self.unit)
        }
    }
}

/// Inclusive bounds on a value, in base units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Lowest accepted.
    pub min: Option<f64>,
    /// Highest accepted.
    pub max: Option<f64>,
    /// The unit they are shown in.
    pub shown: Shown,
    /// Written as `equals` ± `tolerance` (shown so).
    pub equals: Option<(f64, f64)>,
}

impl Bounds {
    /// Whether `v` is within (NaN never is).
    #[must_use]
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }

    /// How far inside `v` is (negative: outside), in base units.
    #[must_use]
    pub fn margin(&self, v: f64) -> f64 {
        let lo = self.min.map_or(f64::INFINITY, |m| v - m);
        let hi = self.max.map_or(f64::INFINITY, |m| m - v);
        if v.is_nan() {
            f64::NEG_INFINITY
        } else {
            lo.min(hi)
        }
    }

    /// `≥ 79.5 %`, `≤ 55 °C`, `between 10 and 20 A`, `= 5 ± 0.1 V`.
    #[must_use]
    pub fn text(&self) -> String {
        let s = &self.shown;
        match (self.equals, self.min, self.max) {
            (Some((v, tol)), ..) if tol > 0.0 => {
                format!("= {} ± {}", num(s.value(v)), s.text(tol))
            }
            (Some((v, _)), ..) => format!("= {}", s.text(v)),
            (None, Some(lo), Some(hi)) => {
                format!("between {} and {}", num(s.value(lo)), s.text(hi))
            }
            (None, Some(lo), None) => format!("≥ {}", s.text(lo)),
            (None, None, Some(hi)) => format!("≤ {}", s.text(hi)),
            (None, None, None) => "any".to_owned(),
        }
    }

    /// Of `values`, the one with the least margin (the nearest to failing).
    #[must_use]
    pub fn worst(&self, values: impl IntoIterator<Item = f64>) -> Option<f64> {
        values
            .into_iter()
            .min_by(|a, b| self.margin(*a).total_cmp(&self.margin(*b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_contain_show_and_pick_the_worst() {
        let b = Bounds {
            min: Some(10_000.0),
            max: Some(20_000.0),
            shown: Shown {
                unit: "kW".into(),
                per: 1000.0,
            },
            equals: None,
        };
        assert!(b.contains(10_000.0) && b.contains(20_000.0));
        assert!(!b.contains(9_999.0) && !b.contains(f64::NAN));
        assert_eq!(b.text(), "between 10 and 20 kW");
        assert_eq!(b.worst([12_000.0, 19_500.0, 15_000.0]), Some(19_500.0));
        assert_eq!(b.shown.text(150_250.0), "150.25 kW");
        let eq = Bounds {
            min: Some(4.9),
            max: Some(5.1),
            shown: Shown::base("V"),
            equals: Some((5.0, 0.1)),
        };
        assert_eq!(eq.text(), "= 5 ± 0.1 V");
        assert_eq!(Shown::base("1").text(2.0), "2");
    }
}
