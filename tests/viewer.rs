//! The 3D viewer in a real window: under Xvfb with Mesa's lavapipe (Vulkan on
//! the CPU), `evtwin view --at SECONDS --screenshot FILE.png` renders a
//! shipped scenario and the picture is probed where the car, the pack panel,
//! the HUD, the plots and (at a charge stop) the station must be.
//!
//! Runs only in builds with the `viz` feature. Skips without `xvfb-run`, or
//! fails when `EVTWIN_REQUIRE_VIEWER=1` (as `tools/test-all` sets).

#![cfg(feature = "viz")]
// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use evtwin_sim::{Scalar, Signal, Twin};

struct Picture {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Picture {
    fn read(path: &Path) -> Self {
        let file = std::fs::File::open(path).expect("screenshot exists");
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(info.color_type, png::ColorType::Rgb, "RGB screenshot");
        buf.truncate(info.buffer_size());
        Self {
            w: info.width as usize,
            h: info.height as usize,
            rgb: buf,
        }
    }

    /// Pixels in the box (x0..x1, y0..y1) for which `f(r, g, b)` holds.
    fn count(&self, x: (usize, usize), y: (usize, usize), f: impl Fn(u8, u8, u8) -> bool) -> usize {
        let mut n = 0;
        for yy in y.0..y.1.min(self.h) {
            for xx in x.0..x.1.min(self.w) {
                let i = (yy * self.w + xx) * 3;
                if f(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]) {
                    n += 1;
                }
            }
        }
        n
    }

    fn distinct_colors(&self) -> usize {
        let mut set = std::collections::HashSet::new();
        for p in self.rgb.chunks_exact(3) {
            set.insert([p[0], p[1], p[2]]);
        }
        set.len()
    }
}

fn xvfb() -> bool {
    let ok = Command::new("xvfb-run")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty());
    if !ok {
        assert!(
            std::env::var("EVTWIN_REQUIRE_VIEWER").as_deref() != Ok("1"),
            "xvfb-run is missing and EVTWIN_REQUIRE_VIEWER=1 (apt-get install xvfb mesa-vulkan-drivers)"
        );
        eprintln!("skipped: no xvfb-run (apt-get install xvfb mesa-vulkan-drivers)");
    }
    ok
}

/// Renders `scenario` at `at_s` into a PNG and reads it back.
fn shoot(scenario: &str, at_s: f64, dir: &Path, name: &str) -> Picture {
    let png = dir.join(name);
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_evtwin"))
        .current_dir(common::root())
        .args(["view", scenario, "--at", &at_s.to_string(), "--screenshot"])
        .arg(&png)
        .env("WGPU_BACKEND", "vulkan")
        .output()
        .expect("xvfb-run runs");
    assert!(
        out.status.success(),
        "evtwin view failed ({}):\n{}",
        out.status,
        common::stderr(&out)
    );
    assert!(
        common::stdout(&out).contains("screenshot:"),
        "{}",
        common::stdout(&out)
    );
    let p = Picture::read(&png);
    assert_eq!((p.w, p.h), (1280, 720), "window size");
    p
}

/// Virtual time 90 s after the first charge stop's ramp (phase 6 charging or
/// 7 taper).
fn charging_time(scenario: &str) -> f64 {
    let s = evtwin_scenario::load(&common::root().join(scenario)).expect("scenario loads");
    let mut twin = Twin::new(s.config).expect("twin builds");
    let phase = Signal::Scalar(Scalar::ChargerPhase);
    while !matches!(twin.read(phase), 6.0 | 7.0) {
        assert_eq!(twin.step(), evtwin_sim::Status::Running, "no charge stop");
    }
    twin.time_s() + 90.0
}

fn car(r: u8, g: u8, b: u8) -> bool {
    let (r, g, b) = (u16::from(r), u16::from(g), u16::from(b));
    r > 100 && r > 2 * g && r > 2 * b
}

fn cabinet(r: u8, g: u8, b: u8) -> bool {
    g > 70 && b > 60 && r < g / 2 && g.abs_diff(b) < 50
}

fn bright(r: u8, g: u8, b: u8) -> bool {
    r > 200 && g > 200 && b > 200
}

/// A colour of the pack panel's scale: more saturated than the sky (spread
/// 95) or the grass (65); the boxes measure 160-220.
fn saturated(r: u8, g: u8, b: u8) -> bool {
    r.max(g).max(b) - r.min(g).min(b) > 130
}

fn plot_line(r: u8, g: u8, b: u8) -> bool {
    r > 200 && g > 140 && b < 90
}

#[test]
fn driving_and_charging_screenshots_show_the_scene() {
    if !xvfb() {
        return;
    }
    // EVTWIN_VIEWER_SHOTS=DIR keeps the pictures there (to look at a failure).
    let temp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("EVTWIN_VIEWER_SHOTS").map(std::path::PathBuf::from);
    let dir = keep.as_deref().unwrap_or(temp.path());
    let scenario = "scenarios/shanghai-beijing-ssb.toml";

    let drive = shoot(scenario, 1800.0, dir, "drive.png");
    let stop_at = charging_time(scenario);
    let charge = shoot(scenario, stop_at, dir, "charge.png");

    for (name, p) in [("driving", &drive), ("charging", &charge)] {
        assert!(p.distinct_colors() > 500, "{name}: a blank picture");
        // Measured on lavapipe: car ~14 500, pack ~17 300, HUD ~3 800-4 700,
        // plot ~620 pixels; the bounds are about half.
        // The car in the middle of the window, in its body colour.
        let car_px = p.count((440, 840), (300, 520), car);
        assert!(car_px > 8000, "{name}: car pixels {car_px}");
        // The pack panel top right: one coloured box per group.
        let pack_px = p.count((900, 1280), (30, 260), saturated);
        assert!(pack_px > 12_000, "{name}: pack panel pixels {pack_px}");
        // The HUD top left: light text on a dark panel.
        let hud_px = p.count((10, 320), (10, 230), bright);
        assert!(hud_px > 1500, "{name}: HUD text pixels {hud_px}");
        // The power plot bottom left: its amber line.
        let plot_px = p.count((10, 370), (400, 720), plot_line);
        eprintln!("{name}: car {car_px}, pack {pack_px}, HUD {hud_px}, plot {plot_px} pixels");
        assert!(plot_px > 300, "{name}: plot pixels {plot_px}");
    }
    // The station stands beside the car only at the stop (left of the pack
    // panel, whose legend has the same cyan).
    let at_stop = charge.count((0, 900), (150, 600), cabinet);
    let driving = drive.count((0, 900), (150, 600), cabinet);
    eprintln!("station cabinet pixels: {at_stop} at the stop, {driving} driving");
    assert!(
        at_stop > 2000,
        "station cabinet pixels at the stop: {at_stop}"
    );
    assert!(driving < 50, "station pixels while driving: {driving}");
}

fn frost(r: u8, g: u8, b: u8) -> bool {
    r > 170 && g > 170 && b > 180
}

#[test]
fn the_ground_is_frosted_below_zero() {
    if !xvfb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let winter = shoot(
        "scenarios/winter-city-minus20.toml",
        300.0,
        dir.path(),
        "winter.png",
    );
    let summer = shoot(
        "scenarios/shanghai-beijing-ssb.toml",
        300.0,
        dir.path(),
        "summer.png",
    );
    // Ground below the road on the right (the winter sky is frost-coloured too).
    let area = (1270 - 800) * (650 - 470);
    let cold = winter.count((800, 1270), (470, 650), frost);
    let warm = summer.count((800, 1270), (470, 650), frost);
    eprintln!("frost pixels: {cold} at -20 C, {warm} at 18 C (of {area})");
    assert!(cold > area / 4, "frost pixels at -20 C: {cold}");
    assert!(warm < area / 50, "frost pixels at 18 C: {warm}");
}

/// A short trip played on the in-process bus into a candump log, then shown by
/// `evtwin view --attach LOG`: the pack panel's colours come from decoded frames
/// only (groups nobody reported are grey).
#[test]
fn attach_mode_shows_what_a_replayed_bus_says() {
    if !xvfb() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"short\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
         [[route]]\ncruise = { distance_km = 0.5, speed_kph = 60 }\n",
    )
    .unwrap();
    let log = dir.path().join("bus.log");
    let out = common::run(&[
        "bridge",
        scenario.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let png = dir.path().join("attach.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_evtwin"))
        .args(["view", "--attach", log.to_str().unwrap(), "--series", "96"])
        .args([
            "--speed",
            "20",
            "--at",
            "10",
            "--screenshot",
            png.to_str().unwrap(),
        ])
        .output()
        .expect("xvfb-run runs");
    assert!(out.status.success(), "{}", common::stderr(&out));
    let p = Picture::read(&png);
    let pack_px = p.count((900, 1280), (30, 260), saturated);
    let hud_px = p.count((10, 320), (10, 230), bright);
    eprintln!("attach: pack {pack_px}, HUD {hud_px} pixels");
    // 96 boxes (half the SSB pack's 192, which measures ~17 300).
    assert!(pack_px > 5000, "pack panel pixels {pack_px}");
    assert!(hud_px > 1500, "HUD text pixels {hud_px}");
}
