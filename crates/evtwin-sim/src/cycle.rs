//! Drive cycles: a speed trace over time, linear between samples.
//!
//! Parsed from CSV text (no file I/O here): FASTSim's `cycSecs,cycMps[,cycGrade,…]`
//! or `time_s,speed_mps[,grade]`; `speed_kph` is accepted too. A UTF-8 BOM, blank
//! lines and `#` comment lines are skipped; unknown columns are ignored.

use crate::csv::{self, CsvError, Row};

/// Steepest grade a cycle may have (rise over run), as for cruise legs.
pub const MAX_GRADE: f64 = 0.3;

/// A speed trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    time_s: Vec<f64>,
    speed_mps: Vec<f64>,
    grade: Vec<f64>,
}

#[derive(Clone, Copy)]
enum SpeedUnit {
    Mps,
    Kph,
}

struct Columns {
    time: usize,
    speed: usize,
    speed_unit: SpeedUnit,
    grade: Option<(usize, f64)>,
}

fn header(head: &Row) -> Result<Columns, CsvError> {
    let mut time = None;
    let mut speed = None;
    let mut grade = None;
    for (k, name) in head.names().iter().enumerate() {
        match name.as_str() {
            "cycsecs" | "time_s" => time = Some(k),
            "cycmps" | "speed_mps" => speed = Some((k, SpeedUnit::Mps)),
            "speed_kph" => speed = Some((k, SpeedUnit::Kph)),
            "cycgrade" | "grade" => grade = Some((k, 1.0)),
            "grade_pct" => grade = Some((k, 0.01)),
            _ => {}
        }
    }
    let missing = |what: &str| {
        let msg = format!(
            "the header has no {what} column (expected `cycSecs,cycMps` or `time_s,speed_mps`)"
        );
        head.error(0, msg)
    };
    let time = time.ok_or_else(|| missing("time"))?;
    let (speed, speed_unit) = speed.ok_or_else(|| missing("speed"))?;
    Ok(Columns {
        time,
        speed,
        speed_unit,
        grade,
    })
}

impl Cycle {
    /// A cycle from samples; times strictly increasing from 0, speeds ≥ 0.
    pub fn new(time_s: Vec<f64>, speed_mps: Vec<f64>, grade: Vec<f64>) -> Result<Self, String> {
        if time_s.len() < 2 || speed_mps.len() != time_s.len() || grade.len() != time_s.len() {
            return Err("a cycle needs at least two samples of time, speed and grade".into());
        }
        if time_s[0] != 0.0 {
            return Err(format!("a cycle starts at time 0, not {}", time_s[0]));
        }
        if let Some(&[before, after]) = time_s.windows(2).find(|w| w[1] <= w[0]) {
            return Err(format!("time must increase ({after} follows {before})"));
        }
        if let Some(v) = speed_mps.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(format!("speed {v} is not a finite number ≥ 0"));
        }
        Ok(Self {
            time_s,
            speed_mps,
            grade,
        })
    }

    /// Parses CSV text (see the module docs). Times are shifted to start at 0.
    pub fn parse_csv(text: &str) -> Result<Self, CsvError> {
        let (head, rows) = csv::rows(text)?;
        let cols = header(&head)?;
        let (mut t, mut v, mut g) = (Vec::new(), Vec::new(), Vec::new());
        for row in &rows {
            let time = row.number(cols.time, "time")?;
            let speed = row.number(cols.speed, "speed")?;
            let speed = match cols.speed_unit {
                SpeedUnit::Mps => speed,
                SpeedUnit::Kph => speed / 3.6,
            };
            if speed < 0.0 {
                return Err(row.error(cols.speed, format!("speed {speed} is negative")));
            }
            if let Some(&prev) = t.last()
                && time <= prev
            {
                let msg = format!("time {time} does not increase (previous row: {prev})");
                return Err(row.error(cols.time, msg));
            }
            let grade = match cols.grade {
                Some((k, scale)) => {
                    let grade = row.number(k, "grade")? * scale;
                    if grade.abs() > MAX_GRADE {
                        let msg = format!(
                            "grade {} is steeper than ±30 % (a `grade`/`cycGrade` column is rise over run; use `grade_pct` for percent)",
                            grade / scale
                        );
                        return Err(row.error(k, msg));
                    }
                    grade
                }
                None => 0.0,
            };
            t.push(time);
            v.push(speed);
            g.push(grade);
        }
        if t.len() < 2 {
            let last = rows.last().unwrap_or(&head);
            return Err(last.error(0, "a cycle needs at least two rows of data"));
        }
        let t0 = t[0];
        let t = t.into_iter().map(|x| x - t0).collect();
        Self::new(t, v, g).map_err(|message| head.error(0, message))
    }

    /// Length in time, s.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.time_s[self.time_s.len() - 1]
    }

    /// Distance covered by the trace, m (trapezoid rule: exact for linear speed).
    #[must_use]
    pub fn distance_m(&self) -> f64 {
        self.time_s
            .windows(2)
            .zip(self.speed_mps.windows(2))
            .map(|(t, v)| 0.5 * (v[0] + v[1]) * (t[1] - t[0]))
            .sum()
    }

    /// Highest speed, m/s.
    #[must_use]
    pub fn max_speed_mps(&self) -> f64 {
        self.speed_mps.iter().copied().fold(0.0, f64::max)
    }

    fn segment(&self, t: f64) -> usize {
        let p = self.time_s.partition_point(|&x| x <= t);
        p.saturating_sub(1).min(self.time_s.len() - 2)
    }

    /// Speed at `t` (clamped to the ends), m/s.
    #[must_use]
    pub fn speed_at(&self, t: f64) -> f64 {
        let k = self.segment(t);
        let (t0, t1) = (self.time_s[k], self.time_s[k + 1]);
        let w = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
        self.speed_mps[k] + (self.speed_mps[k + 1] - self.speed_mps[k]) * w
    }

    /// Grade (rise over run) of the segment containing `t`.
    #[must_use]
    pub fn grade_at(&self, t: f64) -> f64 {
        self.grade[self.segment(t)]
    }

    /// Speed at the start, m/s.
    #[must_use]
    pub fn start_speed_mps(&self) -> f64 {
        self.speed_mps[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fastsim_format_with_bom() {
        let c = Cycle::parse_csv(
            "\u{feff}cycSecs,cycMps,cycGrade,cycRoadType\n0,0,0,0\n1,2,0,0\n2,0,0.01,0\n",
        )
        .unwrap();
        assert_eq!(c.duration_s(), 2.0);
        assert_eq!(c.distance_m(), 2.0);
        assert_eq!(c.speed_at(0.5), 1.0);
        assert_eq!(c.grade_at(1.5), 0.0);
    }

    #[test]
    fn parses_plain_format_in_kph_and_shifts_time() {
        let c = Cycle::parse_csv("# my commute\ntime_s,speed_kph,grade_pct\n10,0,1\n\n20,36,1\n")
            .unwrap();
        assert_eq!(c.duration_s(), 10.0);
        assert_eq!(c.speed_at(10.0), 10.0);
        assert_eq!(c.grade_at(0.0), 0.01);
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let e = Cycle::parse_csv("time_s,speed_mps\n0,0\n1, x\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 4));
        assert!(e.message.contains("not a number"), "{}", e.message);
        let e = Cycle::parse_csv("time_s,speed_mps\n0,0\n0,1\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        let e = Cycle::parse_csv("t,v\n0,0\n").unwrap_err();
        assert!(e.message.contains("no time column"));
        let e = Cycle::parse_csv("time_s,speed_mps\n0,0\n1\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("missing the speed field"));
        let e = Cycle::parse_csv("time_s,speed_mps\n0,-1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        let e = Cycle::parse_csv("cycSecs,cycMps,cycGrade\n0,0,0\n1,1,6\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 5));
        assert!(e.message.contains("steeper than ±30 %"), "{}", e.message);
    }
}
