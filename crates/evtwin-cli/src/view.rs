//! `evtwin view`: the 3D viewer (built with the `viz` feature).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

/// Options of `evtwin view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Scenario file (TOML); not with --attach.
    #[arg(required_unless_present = "attach", conflicts_with = "attach")]
    pub scenario: Option<PathBuf>,
    /// Show a bus instead of a simulation: a CAN interface (e.g. vcan0) or a
    /// frame log (.log candump -L, .asc) replayed in real time.
    #[arg(long, value_name = "IFACE|LOG")]
    pub attach: Option<String>,
    /// DBC of the bus (default: the shipped network).
    #[arg(long, value_name = "FILE.dbc", requires = "attach")]
    pub dbc: Option<PathBuf>,
    /// Signal mapping (default: the shipped mapping).
    #[arg(long, value_name = "FILE.toml", requires = "attach")]
    pub map: Option<PathBuf>,
    /// Series groups shown in attach mode.
    #[arg(long, value_name = "N", default_value_t = 192, requires = "attach")]
    pub series: usize,
    /// Real-time factor at the start, ×1 … ×1000 (default 10); in attach mode,
    /// the speed a log replays at (default 1: real time).
    #[arg(long, value_name = "FACTOR")]
    pub speed: Option<f64>,
    /// Run flat out to this virtual time, then pause (attach mode: wait until
    /// the bus has said this many seconds).
    #[arg(long, value_name = "SECONDS")]
    pub at: Option<f64>,
    /// Save the window as PNG (at --at, else at once), then exit.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// Window size.
    #[arg(long, value_name = "WxH", default_value = "1280x720")]
    pub size: String,
    /// Exit after this many frames and print frame times.
    #[arg(long, value_name = "N")]
    pub frames: Option<u32>,
    /// Don't wait for the display's refresh (to measure frame times).
    #[arg(long)]
    pub no_vsync: bool,
    /// Seed instead of the scenario's.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

fn size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w >= 320 && h >= 240 && w <= 8192 && h <= 8192).then_some((w, h))
}

/// Checks the options that need no window; the message says what is wrong.
pub fn check(args: &ViewArgs) -> Result<(u32, u32), String> {
    let (w, h) = size(&args.size).ok_or_else(|| {
        format!(
            "--size {}: expected WIDTHxHEIGHT, 320x240 … 8192x8192",
            args.size
        )
    })?;
    if let Some(v) = args.speed
        && !(v.is_finite() && v > 0.0 && v <= 10_000.0)
    {
        return Err(format!("--speed {v}: expected a factor in (0, 10000]"));
    }
    if let Some(target) = &args.attach {
        let path = std::path::Path::new(target);
        if evtwin_can::log::LogFormat::from_path(path).is_some() && !path.is_file() {
            return Err(format!("--attach {target}: no such log file"));
        }
    }
    if args.at.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        return Err("--at: expected seconds ≥ 0".to_owned());
    }
    if args.series == 0 || args.series > 1024 {
        return Err(format!("--series {}: expected 1 … 1024", args.series));
    }
    if let Some(p) = &args.screenshot
        && !p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        return Err(format!(
            "--screenshot {}: expected a .png file",
            p.display()
        ));
    }
    Ok((w, h))
}

#[cfg(not(feature = "viz"))]
#[allow(clippy::unnecessary_wraps)] // the same signature as with the viewer
pub fn run(args: &ViewArgs) -> Result<u8> {
    if let Err(e) = check(args) {
        eprintln!("error: {e}");
        return Ok(crate::EXIT_BAD_INPUT);
    }
    eprintln!(
        "error: this evtwin was built without the viewer; build it with \
         `cargo run --release -p evtwin-cli --features viz -- view …` (see the README for the \
         system libraries it needs)"
    );
    Ok(crate::EXIT_BAD_INPUT)
}

#[cfg(feature = "viz")]
pub fn run(args: &ViewArgs) -> Result<u8> {
    use evtwin_scenario::net::ListenSource;
    use evtwin_viz::{Source, ViewerOptions};

    let (width, height) = match check(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(crate::EXIT_BAD_INPUT);
        }
    };
    let source = if let Some(target) = &args.attach {
        let path = std::path::Path::new(target);
        let listen = if evtwin_can::log::LogFormat::from_path(path).is_some() {
            ListenSource::Log {
                path: path.to_owned(),
                speed: 1.0,
            }
        } else {
            ListenSource::Interface(target.clone())
        };
        Source::Attach {
            listen,
            dbc: args.dbc.clone(),
            mapping: args.map.clone(),
            groups: args.series,
        }
    } else {
        let Some(path) = &args.scenario else {
            return Ok(crate::EXIT_BAD_INPUT);
        };
        let mut scenario = match crate::load(path) {
            Ok(s) => s,
            Err(crate::Reported(code)) => return Ok(code),
        };
        if let Some(seed) = args.seed {
            scenario.config.seed = seed;
        }
        Source::Scenario(Box::new(scenario))
    };
    let default_speed = if args.attach.is_some() { 1.0 } else { 10.0 };
    let options = ViewerOptions {
        width,
        height,
        speed: args.speed.unwrap_or(default_speed),
        at_s: args.at,
        screenshot: args.screenshot.clone(),
        frames: args.frames,
        no_vsync: args.no_vsync,
    };
    let report = match evtwin_viz::run(source, &options) {
        Ok(r) => r,
        Err(e @ evtwin_viz::VizError::Network(_)) => {
            eprintln!("error: {e}");
            return Ok(crate::EXIT_BAD_INPUT);
        }
        Err(e) => return Err(anyhow::Error::new(e).context("evtwin view")),
    };
    let f = &report.frames;
    eprintln!(
        "frames: {} at {width}x{height}: mean {:.2} ms ({:.1} fps), p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        f.frames,
        f.mean_ms,
        f.fps(),
        f.p50_ms,
        f.p95_ms,
        f.max_ms
    );
    if let Some(p) = report.screenshot {
        println!("screenshot: {}", p.display());
    }
    Ok(crate::EXIT_OK)
}
