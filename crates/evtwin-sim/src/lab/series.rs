//! Sampled lab time series from CSV: time, current and, where measured, voltage,
//! temperature and SOC.

use thiserror::Error;

use crate::csv::{self, CsvError};

/// Why a series is unusable.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SeriesError {
    /// The CSV text, at a line and column.
    #[error(transparent)]
    Csv(#[from] CsvError),
}

/// A sampled series; `time_s` strictly increasing, at least two rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    time_s: Vec<f64>,
    current_a: Vec<f64>,
    voltage_v: Option<Vec<f64>>,
    temp_c: Option<Vec<f64>>,
    soc: Option<Vec<f64>>,
}

const TIME: &[&str] = &["time_s", "time", "t_s", "test_time_s"];
const CURRENT: &[&str] = &["current_a", "current", "i_a"];
const VOLTAGE: &[&str] = &["voltage_v", "voltage", "v_v"];
const TEMP: &[&str] = &["temp_c", "temperature_c", "temperature"];

impl Series {
    /// From columns (no checks beyond lengths: for tests and generators).
    #[must_use]
    pub fn new(time_s: Vec<f64>, current_a: Vec<f64>) -> Self {
        Self {
            time_s,
            current_a,
            ..Self::default()
        }
    }

    /// With a measured voltage column.
    #[must_use]
    pub fn with_voltage(mut self, voltage_v: Vec<f64>) -> Self {
        self.voltage_v = Some(voltage_v);
        self
    }

    /// With temperature and SOC columns.
    #[must_use]
    pub fn with_temp_and_soc(mut self, temp_c: Vec<f64>, soc: Vec<f64>) -> Self {
        self.temp_c = Some(temp_c);
        self.soc = Some(soc);
        self
    }

    /// Parses `time_s,current_a[,voltage_v][,temp_c][,soc|soc_pct]` (header names
    /// case-insensitive, any order, other columns ignored; current positive
    /// discharging).
    pub fn parse_csv(text: &str) -> Result<Self, SeriesError> {
        let (head, rows) = csv::rows(text)?;
        let names = head.names();
        let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
        let need = |aliases: &[&str], what: &str| {
            find(aliases).ok_or_else(|| head.error(0, format!("the header has no `{what}` column")))
        };
        let (kt, ki) = (need(TIME, "time_s")?, need(CURRENT, "current_a")?);
        let kv = find(VOLTAGE);
        let kk = find(TEMP);
        let ks = find(&["soc", "soc_pct"]);
        let soc_scale = if ks.is_some_and(|k| names[k] == "soc_pct") {
            0.01
        } else {
            1.0
        };
        let mut s = Self::default();
        let (mut v, mut temp, mut soc) = (Vec::new(), Vec::new(), Vec::new());
        for row in &rows {
            let t = row.number(kt, "time_s")?;
            if let Some(&prev) = s.time_s.last()
                && t <= prev
            {
                return Err(row
                    .error(kt, format!("time {t} s does not follow {prev} s"))
                    .into());
            }
            s.time_s.push(t);
            s.current_a.push(row.number(ki, "current_a")?);
            if let Some(k) = kv {
                v.push(row.number(k, "voltage_v")?);
            }
            if let Some(k) = kk {
                temp.push(row.number(k, "temp_c")?);
            }
            if let Some(k) = ks {
                soc.push(row.number(k, "soc")? * soc_scale);
            }
        }
        if s.time_s.len() < 2 {
            return Err(head.error(0, "at least two rows are needed").into());
        }
        s.voltage_v = kv.map(|_| v);
        s.temp_c = kk.map(|_| temp);
        s.soc = ks.map(|_| soc);
        Ok(s)
    }

    /// Times, s.
    #[must_use]
    pub fn time_s(&self) -> &[f64] {
        &self.time_s
    }

    /// Currents, A (positive discharging).
    #[must_use]
    pub fn current_a(&self) -> &[f64] {
        &self.current_a
    }

    /// Measured terminal voltages, V.
    #[must_use]
    pub fn voltage_v(&self) -> Option<&[f64]> {
        self.voltage_v.as_deref()
    }

    /// Measured temperatures, °C.
    #[must_use]
    pub fn temp_c(&self) -> Option<&[f64]> {
        self.temp_c.as_deref()
    }

    /// Measured or logged SOC, 0…1.
    #[must_use]
    pub fn soc(&self) -> Option<&[f64]> {
        self.soc.as_deref()
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }
}
