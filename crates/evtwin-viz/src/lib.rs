//! The evtwin 3D viewer: the car on its route, the pack's series groups, the
//! charging station, a HUD, live plots and controls, in bevy.
//!
//! The data comes from a source thread ([`feed`]): a twin stepped in virtual
//! time and paced to the wall clock, or a bus monitor in attach mode. The
//! renderer reads only the latest published [`model::Snapshot`] and
//! interpolates between the last two; it never reaches into the simulation.
//! One plugin per concern: [`scene`], [`car`], [`pack`], [`charger`], [`hud`],
//! [`plots`], [`camera`], [`controls`], [`faults`], [`capture`].

// bevy systems take their parameters (`Res`, `Query`) by value by design.
#![allow(clippy::needless_pass_by_value)]

pub mod attach_feed;
pub mod camera;
pub mod capture;
pub mod car;
pub mod charger;
pub mod controls;
pub mod faults;
pub mod feed;
pub mod flat;
pub mod hud;
pub mod model;
pub mod pack;
pub mod plots;
pub mod scene;
pub mod shown;
pub mod sim_feed;
mod ui;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use evtwin_scenario::Scenario;
use evtwin_scenario::net::{ListenSource, NetFile};

pub use capture::FrameStats;

/// What the window shows.
pub enum Source {
    /// A scenario simulated live.
    Scenario(Box<Scenario>),
    /// A bus, decoded through a DBC and a mapping, without a simulation.
    Attach {
        /// Interface or log file.
        listen: ListenSource,
        /// DBC (None: the shipped network).
        dbc: Option<PathBuf>,
        /// Mapping (None: the shipped mapping).
        mapping: Option<PathBuf>,
        /// Series groups to show.
        groups: usize,
    },
}

/// How the window runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerOptions {
    /// Window size, px.
    pub width: u32,
    /// See `width`.
    pub height: u32,
    /// Real-time factor at the start.
    pub speed: f64,
    /// Run to this virtual time first (flat out), then pause.
    pub at_s: Option<f64>,
    /// Save a PNG once `at_s` is reached (or at once), then exit.
    pub screenshot: Option<PathBuf>,
    /// Exit after this many frames (frame-time measurement).
    pub frames: Option<u32>,
    /// Don't wait for the display's refresh (frame-time measurement).
    pub no_vsync: bool,
}

impl Default for ViewerOptions {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            speed: 10.0,
            at_s: None,
            screenshot: None,
            frames: None,
            no_vsync: false,
        }
    }
}

/// Why the viewer could not run.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// No display to open a window on.
    #[error(
        "no display: set DISPLAY (X11) or WAYLAND_DISPLAY; headless, run under `xvfb-run -a -s \"-screen 0 1280x720x24\"`"
    )]
    NoDisplay,
    /// The twin could not be built.
    #[error("cannot build the twin: {0}")]
    Twin(String),
    /// The network could not be loaded (attach mode).
    #[error("{0}")]
    Network(String),
    /// A thread could not start.
    #[error("cannot start a thread: {0}")]
    Thread(std::io::Error),
    /// The screenshot could not be saved.
    #[error("screenshot {path}: {why}")]
    Screenshot {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// bevy stopped with an error (no GPU adapter, a lost device…).
    #[error("the renderer stopped: {0}")]
    Renderer(String),
}

/// What a finished viewer run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerReport {
    /// Frame times.
    pub frames: FrameStats,
    /// The screenshot written, if one was asked for.
    pub screenshot: Option<PathBuf>,
}

/// Opens the window and runs until it is closed (or the screenshot / frame
/// count asked for is done).
pub fn run(source: Source, options: &ViewerOptions) -> Result<ViewerReport, VizError> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !has_display {
        return Err(VizError::NoDisplay);
    }
    let (feed, info) = match source {
        Source::Scenario(s) => {
            let info = shown::Info::of_scenario(&s);
            (sim_feed::spawn(&s, None, options.speed)?, info)
        }
        Source::Attach {
            listen,
            dbc,
            mapping,
            groups,
        } => {
            let dbc = dbc.as_deref().map_or(NetFile::Builtin, NetFile::Path);
            let map = mapping.as_deref().map_or(NetFile::Builtin, NetFile::Path);
            let info = shown::Info::attached(&listen, groups);
            let listen = match listen {
                // A log replays at the viewer's speed.
                ListenSource::Log { path, .. } => ListenSource::Log {
                    path,
                    speed: options.speed,
                },
                other @ ListenSource::Interface(_) => other,
            };
            (attach_feed::spawn(listen, dbc, map, groups)?, info)
        }
    };
    if let Some(t) = options.at_s {
        feed.send(feed::Command::RunTo(t));
    }
    let outcome = capture::Outcome::default();
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: format!("evtwin — {}", info.title),
            resolution: WindowResolution::new(options.width, options.height),
            present_mode: if options.no_vsync {
                PresentMode::AutoNoVsync
            } else {
                PresentMode::AutoVsync
            },
            ..default()
        }),
        ..default()
    }))
    .insert_resource(shown::FeedRes(feed))
    .insert_resource(info)
    .insert_resource(capture::Plan::new(options, outcome.clone()))
    .add_plugins((
        flat::FlatPlugin,
        shown::ShownPlugin,
        scene::ScenePlugin,
        car::CarPlugin,
        charger::ChargerPlugin,
        pack::PackPlugin,
        hud::HudPlugin,
        plots::PlotsPlugin,
        camera::CameraPlugin,
        controls::ControlsPlugin,
        faults::FaultsPlugin,
        capture::CapturePlugin,
    ));
    // bevy panics when it finds no GPU adapter or loses the device: report that
    // as an error rather than a crash.
    let exit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let exit = app.run();
        drop(app);
        exit
    }))
    .map_err(|p| {
        let why = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panic".to_owned());
        VizError::Renderer(why)
    })?;
    outcome.finish(&exit)
}
