//! `evtwin suite`, before anything runs: the scenario files found, their keys,
//! the shard's share, and every file validated.
//!
//! A scenario's key is its path relative to the directory argument it was
//! found under (`charge/fast.toml`), or, for a file argument, the path as
//! given. Shard I of N takes the scenarios whose position in the list sorted by
//! key is I−1 modulo N: the split depends only on the set of files, never on
//! the order they were named in, and the shards differ in size by one at most.

use std::path::{Path, PathBuf};

use evtwin_scenario::net::{NetFile, load_network};
use evtwin_scenario::{BusSettings, Scenario, TimeMode, resolve_time};
use sha2::{Digest, Sha256};

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: expected I/N with 1 ≤ I ≤ N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// A scenario file of the suite.
pub struct Found {
    /// Its sharding key.
    pub key: String,
    /// Where it is.
    pub path: PathBuf,
}

fn key_of(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_owned()
}

/// The scenario files named by `paths` (directories searched recursively for
/// `*.toml`), sorted by key; an error for a path that does not exist or a key
/// found twice.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut dirs = vec![p.clone()];
            while let Some(d) = dirs.pop() {
                let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
                for e in entries {
                    let e = e.map_err(|e| format!("{}: {e}", d.display()))?;
                    let path = e.path();
                    if path.is_dir() {
                        dirs.push(path);
                    } else if path.extension().is_some_and(|x| x == "toml") {
                        let rel = path.strip_prefix(p).unwrap_or(&path);
                        found.push(Found {
                            key: key_of(rel),
                            path,
                        });
                    }
                }
            }
        } else if p.is_file() {
            found.push(Found {
                key: key_of(p),
                path: p.clone(),
            });
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    if found.is_empty() {
        return Err("no scenario files (*.toml) in the paths given".into());
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    if let Some(w) = found.windows(2).find(|w| w[0].key == w[1].key) {
        return Err(format!(
            "two scenarios have the key `{}` ({} and {}): name them so their paths differ",
            w[0].key,
            w[0].path.display(),
            w[1].path.display()
        ));
    }
    Ok(found)
}

/// The shard's share of `found` (sorted by key).
pub fn shard(found: Vec<Found>, shard: Option<Shard>) -> Vec<Found> {
    match shard {
        None => found,
        Some(s) => found
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % s.count == s.index - 1)
            .map(|(_, f)| f)
            .collect(),
    }
}

/// Where a scenario's frames go.
#[derive(Debug, Clone, PartialEq)]
pub enum Bus {
    /// No `[bus]`: the twin alone.
    None,
    /// Its own in-process bus, in virtual time.
    InProc,
    /// A SocketCAN interface (or a paced in-process run): one at a time.
    Exclusive { iface: String, time: TimeMode },
}

impl Bus {
    /// Whether it may run beside others.
    pub fn parallel(&self) -> bool {
        !matches!(self, Self::Exclusive { .. })
    }
}

/// A validated scenario, ready to run.
pub struct Planned {
    /// Its key.
    pub key: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The scenario.
    pub scenario: Scenario,
    /// Where its frames go.
    pub bus: Bus,
}

fn net_file(p: Option<&Path>) -> NetFile<'_> {
    p.map_or(NetFile::Builtin, NetFile::Path)
}

/// Loads and checks one scenario file (its network too, when it has a `[bus]`).
pub fn validate(f: &Found) -> Result<Planned, String> {
    let scenario = evtwin_scenario::load(&f.path).map_err(|e| e.render())?;
    let bytes = std::fs::read(&f.path).map_err(|e| format!("{}: {e}", f.path.display()))?;
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
    let bus = if scenario.bus == BusSettings::default() {
        Bus::None
    } else {
        let b = &scenario.bus;
        let iface = b.interface.clone().unwrap_or_else(|| "inproc".into());
        load_network(
            &scenario,
            net_file(b.dbc.as_deref()),
            net_file(b.mapping.as_deref()),
            &b.real,
        )
        .map_err(|e| format!("{}: [bus]: {}", f.path.display(), e.render()))?;
        let time = resolve_time(None, b, Some(&iface), &b.real)
            .map_err(|e| format!("{}: [bus]: {e}", f.path.display()))?;
        if iface == "inproc" && time == TimeMode::Virtual {
            Bus::InProc
        } else {
            Bus::Exclusive { iface, time }
        }
    };
    Ok(Planned {
        key: f.key.clone(),
        sha256,
        scenario,
        bus,
    })
}
