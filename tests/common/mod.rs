//! Helpers for the end-to-end tests: run the `evtwin` binary, read its outputs.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `evtwin` binary under test.
pub fn evtwin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_evtwin"));
    c.current_dir(root());
    c
}

/// Runs `evtwin` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    evtwin().args(args).output().expect("evtwin runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every shipped scenario file, sorted.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// `../shared/data/<rel>`.
pub fn shared(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}
