//! Colour scales of the pack panel.

/// A colour, sRGB 0…1.
pub type Rgb = [f32; 3];

/// What the pack panel colours by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// Group temperature.
    #[default]
    Temperature,
    /// Group SOC.
    Soc,
    /// Group voltage.
    Voltage,
}

impl ColorMode {
    /// The next mode (the toggle).
    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Temperature => Self::Soc,
            Self::Soc => Self::Voltage,
            Self::Voltage => Self::Temperature,
        }
    }

    /// Narrowest span of the relative scale (so noise is not painted as
    /// contrast): 2 K, 1 %, 20 mV.
    #[must_use]
    pub fn min_span(self) -> f32 {
        match self {
            Self::Temperature => 2.0,
            Self::Soc => 1.0,
            Self::Voltage => 0.02,
        }
    }

    /// Label with unit.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Temperature => "temperature, C",
            Self::Soc => "SOC, %",
            Self::Voltage => "voltage, V",
        }
    }
}

/// A linear scale from `min` to `max` through blue, cyan, green, yellow, red.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorScale {
    /// Value drawn blue.
    pub min: f32,
    /// Value drawn red.
    pub max: f32,
}

const STOPS: [Rgb; 5] = [
    [0.15, 0.30, 0.95],
    [0.10, 0.80, 0.90],
    [0.20, 0.85, 0.25],
    [0.95, 0.85, 0.10],
    [0.95, 0.15, 0.10],
];

/// The colour of a value nobody reported.
pub const MISSING: Rgb = [0.35, 0.35, 0.35];

impl ColorScale {
    /// A fixed scale per mode, so a colour means the same value all run long.
    /// Temperature: −20…60 °C; SOC: 0…100 %; voltage: the cell's window.
    #[must_use]
    pub fn for_mode(mode: ColorMode, cell_v_min: f32, cell_v_max: f32) -> Self {
        match mode {
            ColorMode::Temperature => Self {
                min: -20.0,
                max: 60.0,
            },
            ColorMode::Soc => Self {
                min: 0.0,
                max: 100.0,
            },
            ColorMode::Voltage => Self {
                min: cell_v_min,
                max: cell_v_max,
            },
        }
    }

    /// A scale over the finite `values`' own range, widened about its middle to
    /// at least `min_span` (None without a finite value).
    #[must_use]
    pub fn spread(values: impl Iterator<Item = f32>, min_span: f32) -> Option<Self> {
        let (lo, hi) =
            values
                .filter(|v| v.is_finite())
                .fold(None, |acc: Option<(f32, f32)>, v| {
                    Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
                })?;
        let widen = (min_span - (hi - lo)).max(0.0) * 0.5;
        Some(Self {
            min: lo - widen,
            max: hi + widen,
        })
    }

    /// The colour of `v` (clamped to the ends; grey when not finite).
    #[must_use]
    pub fn color(&self, v: f32) -> Rgb {
        if !v.is_finite() {
            return MISSING;
        }
        let span = (self.max - self.min).max(f32::EPSILON);
        let t = ((v - self.min) / span).clamp(0.0, 1.0) * 4.0;
        if t >= 4.0 {
            return STOPS[4];
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0…4
        let i = t.floor() as usize;
        let f = t - t.floor();
        let (a, b) = (STOPS[i], STOPS[i + 1]);
        [
            a[0] + (b[0] - a[0]) * f,
            a[1] + (b[1] - a[1]) * f,
            a[2] + (b[2] - a[2]) * f,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_middle_of_the_scale() {
        let s = ColorScale {
            min: 0.0,
            max: 100.0,
        };
        assert_eq!(s.color(0.0), STOPS[0]);
        assert_eq!(s.color(-50.0), STOPS[0]);
        assert_eq!(s.color(100.0), STOPS[4]);
        assert_eq!(s.color(1e9), STOPS[4]);
        assert_eq!(s.color(50.0), STOPS[2]);
        assert_eq!(s.color(f32::NAN), MISSING);
        let c = s.color(12.5);
        assert!((c[0] - 0.125).abs() < 1e-6 && (c[1] - 0.55).abs() < 1e-6);
    }

    #[test]
    fn the_relative_scale_spans_the_values_or_the_minimum() {
        let s = ColorScale::spread([30.0, 31.0, f32::NAN, 35.0].into_iter(), 2.0).unwrap();
        assert_eq!((s.min, s.max), (30.0, 35.0));
        let s = ColorScale::spread([40.0, 40.5].into_iter(), 2.0).unwrap();
        assert_eq!((s.min, s.max), (39.25, 41.25));
        assert_eq!(s.color(39.25), STOPS[0]);
        assert!(ColorScale::spread([f32::NAN].into_iter(), 1.0).is_none());
    }

    #[test]
    fn the_toggle_cycles_through_three_modes() {
        let m = ColorMode::default();
        assert_eq!(m.next().next().next(), m);
        assert_ne!(m.next(), m);
    }
}
