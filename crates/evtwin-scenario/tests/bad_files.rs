//! Issue 13, classes 5–7 at the loader: files are bounded (regular files
//! only), every value is checked at the key the user should change, and
//! implausible input is refused or flagged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use evtwin_scenario::{LoadError, Scenario, load};

const HEAD: &str = "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n";
const ROUTE: &str = "[[route]]\ncruise = { distance_km = 1, speed_kph = 50 }\n";
const ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn error(path: &Path) -> (usize, usize, String) {
    match load(path) {
        Err(LoadError::File(e)) => (e.line, e.column, e.message),
        Err(e) => (0, 0, e.to_string()),
        Ok(_) => panic!("{} loaded", path.display()),
    }
}

fn ok(path: &Path) -> Scenario {
    match load(path) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.render()),
    }
}

#[test]
fn only_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (_, _, msg) = error(&fifo);
    assert!(
        msg.ends_with("fifo.toml: is a FIFO, not a regular file (only regular files are read)"),
        "{msg}"
    );
    let zero = write(
        dir.path(),
        "zero.toml",
        &format!("{HEAD}[[route]]\ncycle = {{ file = \"/dev/zero\" }}\n"),
    );
    let (line, col, msg) = error(&zero);
    assert_eq!((line, col), (6, 18), "{msg}");
    assert_eq!(
        msg,
        "cannot read cycle: /dev/zero: is a character device, not a regular file (only regular files are read)"
    );
    std::fs::create_dir(dir.path().join("dir.toml")).unwrap();
    let text = format!("{}{ROUTE}", HEAD.replace("model3-rwd-2022", "dir.toml"));
    let p = write(dir.path(), "p.toml", &text);
    let (line, _, msg) = error(&p);
    assert_eq!(line, 4);
    assert!(
        msg.starts_with("cannot read vehicle preset: ")
            && msg.ends_with("is a directory, not a regular file (only regular files are read)"),
        "{msg}"
    );
}

#[test]
fn a_directory_given_as_a_preset_name_is_called_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("vehicles")).unwrap();
    let p = write(
        dir.path(),
        "s.toml",
        &format!("{}{ROUTE}", HEAD.replace("model3-rwd-2022", "vehicles")),
    );
    let (line, col, msg) = error(&p);
    assert_eq!((line, col), (4, 10));
    assert!(
        msg.starts_with(
            "`vehicles` is a directory, not a vehicle preset; shipped: model3-rwd-2022"
        ),
        "{msg}"
    );
    assert!(!msg.contains("unknown"), "{msg}");
}

#[test]
fn a_step_the_bms_tick_cannot_use_points_at_step_ms() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}{ROUTE}",
        HEAD.replace("name = \"t\"\n", "name = \"t\"\nstep_ms = 30\n")
    );
    let p = write(dir.path(), "s.toml", &text);
    let (line, col, msg) = error(&p);
    assert_eq!((line, col), (3, 11), "{msg}");
    assert!(
        msg.contains("tick_ms") && msg.contains("step_ms = 30"),
        "{msg}"
    );
    // Given tick_ms, the error points there.
    let text =
        format!("{text}[pack.bms]\ntick_ms = 150\n").replace("step_ms = 30", "step_ms = 100");
    let p = write(dir.path(), "s2.toml", &text);
    let (line, col, _) = error(&p);
    assert_eq!((line, col), (9, 11));
}

#[test]
fn validate_checks_the_bus_as_bridge_does() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "dbc.toml",
        &format!("{HEAD}{ROUTE}[bus]\ndbc = \"missing.dbc\"\n"),
    );
    let (line, col, msg) = error(&p);
    assert_eq!((line, col), (8, 7), "{msg}");
    assert!(
        msg.starts_with("cannot read the DBC: ") && msg.contains("missing.dbc"),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "real.toml",
        &format!("{HEAD}{ROUTE}[bus]\nreal = [\"GHOST\"]\n"),
    );
    let (line, col, msg) = error(&p);
    assert_eq!((line, col), (8, 8), "{msg}");
    assert_eq!(
        msg,
        "`GHOST` is not a node of this network (nodes: BMS, CHARGER, CLUSTER, EV, VCU)"
    );
    let p = write(
        dir.path(),
        "good.toml",
        &format!("{HEAD}{ROUTE}[bus]\nreal = [\"VCU\"]\n"),
    );
    assert!(ok(&p).warnings.is_empty());
}

#[test]
fn a_pack_heavier_than_its_car_is_refused_and_a_heavy_one_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let pack = "[pack]\nseries = 2000\nparallel = 1000\n";
    let p = write(dir.path(), "huge.toml", &format!("{HEAD}{pack}{ROUTE}"));
    let (line, col, msg) = error(&p);
    assert_eq!((line, col), (7, 12), "{msg}");
    assert!(
        msg.contains("is heavier than the whole car (test_mass_kg = 1752)"),
        "{msg}"
    );
    // 96s60p of 69 g cells: 400 kg of cells, 54 % of the car with the pack ratio.
    let pack = "[pack]\nseries = 96\nparallel = 120\n";
    let p = write(dir.path(), "heavy.toml", &format!("{HEAD}{pack}{ROUTE}"));
    let s = ok(&p);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!((s.warnings[0].line, s.warnings[0].column), (7, 12));
    assert!(
        s.warnings[0]
            .message
            .starts_with("implausible: the pack (96s120p"),
        "{}",
        s.warnings[0].message
    );
}

#[test]
fn ocv_falling_with_soc_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let cell = std::fs::read_to_string(format!("{ASSETS}/cells/nmc-graphite-21700.toml")).unwrap();
    let table = std::fs::read_to_string(format!("{ASSETS}/cells/nmc-graphite-21700.csv")).unwrap();
    write(
        dir.path(),
        "cell.toml",
        &cell.replace("nmc-graphite-21700.csv", "bent.csv"),
    );
    write(
        dir.path(),
        "bent.csv",
        &table.replace("0.20,25,3.44930", "0.20,25,3.30000"),
    );
    let p = write(
        dir.path(),
        "s.toml",
        &format!("{HEAD}[pack]\nchemistry = \"cell.toml\"\n{ROUTE}"),
    );
    let s = ok(&p);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = &s.warnings[0];
    assert_eq!((w.line, w.column), (6, 13));
    assert_eq!(
        w.message,
        "implausible cell table of `cell.toml`: OCV falls from 3.3961 V to 3.3000 V between SOC 15 % and 20 % at 25 °C (OCV rises with SOC)"
    );
}
