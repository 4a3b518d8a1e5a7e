//! End to end on a real CAN interface: `evtwin bridge` on vcan0, observed with
//! can-utils (candump, canplayer, cansend) and decoded with python-cantools.
//!
//! The host's vcan0 is used when it has one; otherwise each test boots
//! `tools/vcan-vm` once (QEMU, Debian's kernel with vcan; ~5-15 s a boot under TCG)
//! and runs a script of `tests/vcan/` there, which leaves its files in a host
//! folder; the checks run here. A host's vcan0 must be quiet: other traffic would
//! show in the captures. Without vcan and without QEMU the tests skip, or
//! fail when `EVTWIN_REQUIRE_VCAN=1`. The python checks skip without python3,
//! cantools and python-can, or fail when `EVTWIN_REQUIRE_PYTHON=1`.

// In tests a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "vcan/capture.rs"]
mod capture;
#[path = "vcan/chademo.rs"]
mod chademo;
mod common;
#[path = "vcan/gbt.rs"]
mod gbt;
#[path = "vcan/vcu.rs"]
mod vcu;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use capture::{Rec, read_candump};
use evtwin_can::dbc::Dbc;
use serde_json::Value;

/// One bus, one test at a time: both tests put a twin on vcan0, and two VMs at
/// once would spoil each other's timing on a small machine.
static BUS: Mutex<()> = Mutex::new(());

/// Bound on the 95th percentile of |inter-arrival time − cycle time|, per message.
/// Measured in the TCG VM on a 2-core host at load 3.5-5: 3-8 ms (median 0.4-2.4 ms,
/// worst single gap 10-34 ms); the bridge's pacer sleeps on the VM's timers, and
/// the vCPUs are host threads that other jobs preempt. 20 ms leaves room for a
/// busier host. (A host with its own vcan0 should do far better; not measured.)
const JITTER_P95_MS: f64 = 20.0;
/// Bound on the median of the same.
const JITTER_P50_MS: f64 = 6.0;
/// Bound on the error of the mean period (the issue's ±2 %). The schedule has no
/// drift, so only the first and last frames' lateness shows (measured ≤ 0.12 %).
const MEAN_ERROR_PCT: f64 = 2.0;

enum Bus {
    /// The host's own interface.
    Host(String),
    /// `tools/vcan-vm`.
    Vm,
}

fn require(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn skip_or_fail(var: &str, why: &str) {
    assert!(!require(var), "{var}=1 but {why}");
    eprintln!("skipped: {why}");
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Where the tests find vcan0, if anywhere.
fn bus() -> Option<Bus> {
    let harness = common::root().join("tools/vcan-vm");
    let host = Command::new(&harness).arg("--host-has-vcan").output();
    if host.is_ok_and(|o| o.status.success()) && on_path("candump") && on_path("canplayer") {
        return Some(Bus::Host("vcan0".into()));
    }
    if on_path("qemu-system-x86_64") {
        return Some(Bus::Vm);
    }
    skip_or_fail(
        "EVTWIN_REQUIRE_VCAN",
        "this host has no vcan0 (with can-utils) and no qemu-system-x86_64 for \
         tools/vcan-vm (sudo apt-get install qemu-system-x86)",
    );
    None
}

/// Whether python3 with cantools and python-can is there (see the module doc).
fn python() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cantools, can"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip_or_fail(
            "EVTWIN_REQUIRE_PYTHON",
            "python3 with cantools and python-can is missing: the cantools checks",
        );
    }
    ok
}

fn dbc_path() -> PathBuf {
    common::root().join("assets/dbc/evtwin.dbc")
}

fn dbc() -> Dbc {
    Dbc::load(&dbc_path()).unwrap()
}

/// A folder for a session's files; kept (and named on stderr) when
/// `EVTWIN_VCAN_KEEP=1`, for looking into a failure.
fn scratch(what: &str) -> tempfile::TempDir {
    let mut d = tempfile::Builder::new()
        .prefix(&format!("evtwin-vcan-{what}-"))
        .tempdir()
        .unwrap();
    if require("EVTWIN_VCAN_KEEP") {
        d.disable_cleanup(true);
        eprintln!("keeping {}", d.path().display());
    }
    d
}

/// Runs `tests/vcan/<script>` on the bus with the files of `inputs`; its results
/// land in `out`.
fn session(bus: &Bus, script: &str, inputs: &Path, out: &Path, timeout_s: u32) {
    let evtwin = env!("CARGO_BIN_EXE_evtwin");
    std::fs::copy(
        common::root().join("tests/vcan").join(script),
        inputs.join(script),
    )
    .unwrap();
    let mut c = match bus {
        Bus::Host(iface) => {
            let mut c = Command::new("sh");
            c.arg(inputs.join(script))
                .env("IF", iface)
                .env("IN", inputs)
                .env("OUT", out)
                .env("SCRATCH", out)
                .env("EVTWIN", evtwin);
            c
        }
        Bus::Vm => {
            let mut c = Command::new(common::root().join("tools/vcan-vm"));
            c.args(["-q", "--exclusive", "--copy"])
                .arg(format!("{evtwin}:/usr/local/bin/evtwin"))
                .arg("--copy")
                .arg(format!("{}:/in", inputs.display()))
                .arg("--out")
                .arg(out)
                .args(["--env", "IF=vcan0", "--env", "IN=/in", "--env", "OUT=/out"])
                .args([
                    "--env",
                    "SCRATCH=/tmp",
                    "--env",
                    "EVTWIN=/usr/local/bin/evtwin",
                ])
                .args(["--timeout", &timeout_s.to_string(), "--", "sh"])
                .arg(format!("/in/{script}"));
            c
        }
    };
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{script} failed ({}):\n{}{}",
        o.status,
        common::stdout(&o),
        common::stderr(&o)
    );
}

fn read(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(out: &Path, name: &str) -> Value {
    serde_json::from_str(&read(out, name)).unwrap()
}

/// Runs `tests/vcan/check.py ARGS`; asserts that it passes.
fn check_py(args: &[&Path]) -> Output {
    let o = Command::new("python3")
        .arg(common::root().join("tests/vcan/check.py"))
        .args(args)
        .output()
        .unwrap();
    eprint!("check.py: {}", common::stdout(&o));
    assert!(
        o.status.success(),
        "{}{}",
        common::stdout(&o),
        common::stderr(&o)
    );
    o
}

#[test]
fn twin_frames_keep_the_dbc_cycles_carry_the_trace_values_and_replay() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    std::fs::copy(
        common::root().join("tests/vcan/short.toml"),
        inp.join("short.toml"),
    )
    .unwrap();
    session(&bus, "drive.sh", inp, out, 150);

    // The run itself: real time, finished, every frame sent.
    assert_eq!(
        read(out, "drive.rc").trim(),
        "0",
        "{}",
        read(out, "drive.err")
    );
    let report = json(out, "drive.json");
    assert_eq!(report["status"], "finished");
    let net = &report["network"];
    assert_eq!(net["send_errors"], 0);
    let twin = read_candump(&out.join("twin.log"));
    let cap = read_candump(&out.join("cap.log"));
    assert_eq!(net["net"]["tx_frames"].as_u64(), Some(twin.len() as u64));
    eprint!("{}", read(out, "drive.out"));

    // 1. candump saw every frame, in the twin's order, on the DBC's cycles.
    same_frames(&cap, &twin, "candump's capture");
    let dbc = dbc();
    let stats = capture::timing(&dbc, &cap, &[]);
    let duration_s = report["duration_s"].as_f64().unwrap();
    assert_eq!(stats.len(), 15, "messages seen: {:?}", stats.keys());
    eprintln!(
        "message                  frames  cycle ms   mean ms   error %  p50 ms  p95 ms  max ms"
    );
    for (name, t) in &stats {
        eprintln!(
            "{name:24} {:6} {:9.0} {:9.3} {:+9.3} {:7.2} {:7.2} {:7.2}",
            t.frames,
            t.cycle_ms,
            t.mean_ms,
            t.mean_error_pct(),
            t.p50_jitter_ms,
            t.p95_jitter_ms,
            t.max_jitter_ms
        );
    }
    for (name, t) in &stats {
        let expected = duration_s * 1000.0 / t.cycle_ms;
        assert!(
            (t.frames as f64 - expected).abs() <= 1.5,
            "{name}: {} frames, {expected:.1} expected",
            t.frames
        );
        assert!(
            t.mean_error_pct().abs() <= MEAN_ERROR_PCT,
            "{name}: mean period {t:?}"
        );
        assert!(t.p95_jitter_ms <= JITTER_P95_MS, "{name}: p95 jitter {t:?}");
        assert!(
            t.p50_jitter_ms <= JITTER_P50_MS,
            "{name}: median jitter {t:?}"
        );
    }

    // 3. canplayer replays the twin's log: the same frames in the same order.
    assert_eq!(read(out, "replay.rc").trim(), "0");
    let replay = read_candump(&out.join("replay.log"));
    same_frames(&replay, &twin, "the replay");

    // 1 (values) and 5: cantools decodes the capture to the trace's values, and
    // agrees with `evtwin dbc decode` on the twin's real-time log.
    if python() {
        let dbc = dbc_path();
        check_py(&[
            Path::new("values"),
            &dbc,
            &out.join("cap.log"),
            &out.join("trace.csv"),
        ]);
        let decoded = out.join("decoded.txt");
        decode_with_evtwin(&out.join("twin.log"), &decoded);
        check_py(&[Path::new("decode"), &dbc, &out.join("twin.log"), &decoded]);
    }
}

/// Asserts that `got` holds the frames of `want` (identifiers and data, not
/// times), in the same order; says where they part.
fn same_frames(got: &[Rec], want: &[Rec], what: &str) {
    let at = got
        .iter()
        .zip(want)
        .position(|(g, w)| g.id != w.id || g.data != w.data);
    assert!(
        at.is_none() && got.len() == want.len(),
        "{what}: {} frames, the twin's log {}; first difference at frame {at:?}: {:?} vs {:?}",
        got.len(),
        want.len(),
        at.map(|i| got[i].text()),
        at.map(|i| want[i].text()),
    );
}

fn decode_with_evtwin(log: &Path, to: &Path) {
    let o = common::run(&[
        "dbc",
        "decode",
        dbc_path().to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    std::fs::write(to, &o.stdout).unwrap();
}

#[test]
fn evtwin_dbc_decode_agrees_with_cantools() {
    // 5, on the host: a log from the in-process bus, in virtual time.
    if !python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("twin.log");
    let scenario = common::root().join("tests/vcan/short.toml");
    let o = common::run(&[
        "bridge",
        scenario.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let decoded = dir.path().join("decoded.txt");
    decode_with_evtwin(&log, &decoded);
    let o = check_py(&[Path::new("decode"), &dbc_path(), &log, &decoded]);
    let frames = read_candump(&log).len();
    assert!(frames > 10_000, "{frames} frames");
    assert!(
        common::stdout(&o).starts_with(&format!("{frames} frames,")),
        "{}",
        common::stdout(&o)
    );
}

#[path = "vcan/faults.rs"]
mod faults;
#[path = "vcan/kvaser.rs"]
mod kvaser;
#[path = "vcan/real_vcu.rs"]
mod real_vcu;
#[path = "vcan/soak.rs"]
mod soak;
#[path = "vcan/suite.rs"]
mod suite;
