//! Reading what the vcan runs leave behind: candump -L captures, the twin's CSV
//! trace, and per-message timing statistics. Parsed here with a few lines of our
//! own, not with evtwin's log reader, so that the test checks the product against
//! something independent of it.

use std::collections::BTreeMap;
use std::path::Path;

use evtwin_can::CanId;
use evtwin_can::dbc::Dbc;

/// One line of a candump -L log: `(1795327005.220322) vcan0 110#80500000FF000000`
/// (evtwin's own logs add ` T` / ` R`, ignored here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    /// Timestamp, µs.
    pub time_us: u64,
    /// Identifier.
    pub id: CanId,
    /// Payload.
    pub data: Vec<u8>,
}

impl Rec {
    /// `ID#DATA`, as candump writes it.
    pub fn text(&self) -> String {
        let id = match self.id {
            CanId::Standard(i) => format!("{i:03X}"),
            CanId::Extended(i) => format!("{i:08X}"),
        };
        format!("{id}#{}", hex(&self.data))
    }
}

/// Bytes as candump writes them: `DEADBEEF`.
pub fn hex(data: &[u8]) -> String {
    use std::fmt::Write as _;
    data.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// Every frame line of a candump -L file.
pub fn read_candump(path: &Path) -> Vec<Rec> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|l| l.starts_with('('))
        .map(|l| parse_line(l).unwrap_or_else(|| panic!("{}: bad line {l:?}", path.display())))
        .collect()
}

fn parse_line(line: &str) -> Option<Rec> {
    let mut parts = line.split_whitespace();
    let stamp = parts.next()?.strip_prefix('(')?.strip_suffix(')')?;
    let (secs, micros) = stamp.split_once('.')?;
    let time_us = secs.parse::<u64>().ok()? * 1_000_000 + micros.parse::<u64>().ok()?;
    let _iface = parts.next()?;
    let (id, data) = parts.next()?.split_once('#')?;
    let raw = u32::from_str_radix(id, 16).ok()?;
    let id = if id.len() > 3 {
        CanId::extended(raw)?
    } else {
        CanId::standard(raw)?
    };
    let data = (0..data.len() / 2)
        .map(|i| u8::from_str_radix(&data[2 * i..2 * i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(Rec { time_us, id, data })
}

/// Inter-arrival statistics of one message, ms.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Frames seen.
    pub frames: usize,
    /// The DBC's cycle time.
    pub cycle_ms: f64,
    /// (last − first) / (frames − 1).
    pub mean_ms: f64,
    /// Median of |gap − cycle|.
    pub p50_jitter_ms: f64,
    /// 95th percentile of |gap − cycle|.
    pub p95_jitter_ms: f64,
    /// Largest |gap − cycle|.
    pub max_jitter_ms: f64,
}

impl Timing {
    /// Relative error of the mean period, %.
    pub fn mean_error_pct(&self) -> f64 {
        (self.mean_ms - self.cycle_ms) / self.cycle_ms * 100.0
    }
}

/// Per-message timing of the frames in `recs` of every cyclic message of `dbc`
/// sent by a node other than those in `skip`.
pub fn timing(dbc: &Dbc, recs: &[Rec], skip: &[&str]) -> BTreeMap<String, Timing> {
    let mut out = BTreeMap::new();
    for m in dbc.messages() {
        let Some(cycle) = m.cycle_time_ms else {
            continue;
        };
        if skip.contains(&m.sender.as_str()) {
            continue;
        }
        let t: Vec<f64> = recs
            .iter()
            .filter(|r| r.id == m.id)
            .map(|r| r.time_us as f64 / 1000.0)
            .collect();
        if t.len() < 2 {
            continue;
        }
        let cycle_ms = f64::from(cycle);
        let mut jitter: Vec<f64> = t
            .windows(2)
            .map(|w| (w[1] - w[0] - cycle_ms).abs())
            .collect();
        jitter.sort_by(f64::total_cmp);
        let at = |q: f64| jitter[((jitter.len() - 1) as f64 * q).round() as usize];
        out.insert(
            m.name.clone(),
            Timing {
                frames: t.len(),
                cycle_ms,
                mean_ms: (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64,
                p50_jitter_ms: at(0.5),
                p95_jitter_ms: at(0.95),
                max_jitter_ms: jitter[jitter.len() - 1],
            },
        );
    }
    out
}

/// Wall time (µs) of the twin's virtual time 0: the twin sends message m at
/// `epoch + offset_m + n × cycle_m` (offset 0 for its first message), each frame a
/// little late and never early, so the smallest `t_n − n × cycle_m` over all its
/// messages is the epoch to within the smallest lateness (~0.1 ms under TCG).
pub fn epoch_us(dbc: &Dbc, recs: &[Rec], skip: &[&str]) -> u64 {
    let mut seen: BTreeMap<CanId, u64> = BTreeMap::new();
    let mut best = u64::MAX;
    for r in recs {
        let Some((_, m)) = dbc.message_by_id(r.id) else {
            continue;
        };
        let (Some(cycle), false) = (m.cycle_time_ms, skip.contains(&m.sender.as_str())) else {
            continue;
        };
        let n = seen.entry(r.id).or_insert(0);
        best = best.min(r.time_us.saturating_sub(*n * u64::from(cycle) * 1000));
        *n += 1;
    }
    assert!(best < u64::MAX, "no frame of the twin in the capture");
    best
}

/// A CSV trace: column names and rows.
pub struct Trace {
    cols: Vec<String>,
    /// Rows, `time_s` first.
    pub rows: Vec<Vec<f64>>,
}

impl Trace {
    /// Reads a trace written by `--trace`.
    pub fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let mut lines = text.lines();
        let cols = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        Self { cols, rows }
    }

    /// Index of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.cols
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in the trace"))
    }

    /// Values of column `name` on rows with `from_s <= time_s < to_s`.
    pub fn between(&self, name: &str, from_s: f64, to_s: f64) -> Vec<f64> {
        let c = self.col(name);
        self.rows
            .iter()
            .filter(|r| r[0] >= from_s && r[0] < to_s)
            .map(|r| r[c])
            .collect()
    }

    /// The last row's value of `name`.
    pub fn last(&self, name: &str) -> f64 {
        self.rows.last().unwrap()[self.col(name)]
    }
}
