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

/// Every shipped scenario file, sorted: the top level of `scenarios/`, and with
/// `studies` also its study folders.
pub fn shipped_scenarios_in(studies: bool) -> Vec<PathBuf> {
    let mut dirs = vec![root().join("scenarios")];
    let mut v = Vec::new();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if studies {
                    dirs.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "toml") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// Every shipped scenario, studies included.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    shipped_scenarios_in(true)
}

/// `../shared/data/<rel>`.
pub fn shared(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}

/// Whether `python3` can import `modules` (e.g. `"cantools, can"`), for the
/// independent checkers. Missing: the caller skips, unless
/// `EVTWIN_REQUIRE_PYTHON` is set (as tools/test-all does), where it fails.
#[allow(dead_code)] // not every test file uses it
pub fn python_has(modules: &str) -> bool {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        std::env::var_os("EVTWIN_REQUIRE_PYTHON").is_none(),
        "python3 with {modules} is required (tools/test-all installs it)"
    );
    eprintln!("skipped: python3 with {modules} is not installed");
    false
}
