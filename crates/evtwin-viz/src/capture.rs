//! Screenshots and frame-time measurement: `--at` runs the source flat out to
//! a virtual time and pauses it; `--screenshot` saves the window as PNG once
//! that time is shown (and the scene has settled), then exits; `--frames`
//! exits after that many frames. Frame times are collected in every run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::render::render_resource::PipelineCache;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::render::{Render, RenderApp};

use crate::shown::Shown;
use crate::{ViewerOptions, ViewerReport, VizError};

/// Frames drawn before the screenshot, once the time asked for is shown (UI
/// layout, text and plots settle in a couple of frames).
const SETTLE_FRAMES: u32 = 12;
/// Frames left out of the statistics at the start (pipeline compilation).
const WARMUP_FRAMES: u32 = 30;
/// Longest wait for the render pipelines to compile before a screenshot is
/// taken anyway (a pipeline that fails would otherwise hold it forever).
const PIPELINES_TIMEOUT: Duration = Duration::from_secs(90);

/// Render pipelines still compiling, counted in the render world. Meshes whose
/// pipeline is not ready are not drawn: a screenshot waits for zero (shader
/// compilation on lavapipe under load takes seconds).
#[derive(Resource, Clone, Default)]
struct Compiling(Arc<AtomicUsize>);

/// Frame-time statistics, ms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameStats {
    /// Frames measured (after the warm-up).
    pub frames: usize,
    /// Mean frame time, ms.
    pub mean_ms: f64,
    /// Median, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
}

impl FrameStats {
    /// Statistics of `times_ms`.
    #[must_use]
    pub fn of(times_ms: &[f64]) -> Self {
        if times_ms.is_empty() {
            return Self::default();
        }
        let mut v = times_ms.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = ((v.len() - 1) as f64 * q).round() as usize;
            v[i]
        };
        Self {
            frames: v.len(),
            mean_ms: v.iter().sum::<f64>() / v.len() as f64,
            p50_ms: at(0.5),
            p95_ms: at(0.95),
            max_ms: at(1.0),
        }
    }

    /// Frames per second at the mean frame time.
    #[must_use]
    pub fn fps(&self) -> f64 {
        if self.mean_ms > 0.0 {
            1000.0 / self.mean_ms
        } else {
            0.0
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    times_ms: Vec<f64>,
    saved: Option<Result<PathBuf, String>>,
}

/// Shared between the app and the caller, to report after the window closes.
#[derive(Debug, Clone, Default)]
pub struct Outcome(Arc<Mutex<Inner>>);

impl Outcome {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The report, once the app has returned `exit`.
    pub fn finish(&self, exit: &AppExit) -> Result<ViewerReport, VizError> {
        self.with(|i| {
            let screenshot = match i.saved.take() {
                Some(Ok(p)) => Some(p),
                Some(Err(why)) => {
                    return Err(VizError::Screenshot {
                        path: PathBuf::new(),
                        why,
                    });
                }
                None => None,
            };
            if let AppExit::Error(code) = *exit {
                return Err(VizError::Renderer(format!("exit code {code}")));
            }
            Ok(ViewerReport {
                frames: FrameStats::of(&i.times_ms),
                screenshot,
            })
        })
    }
}

/// What to capture, and how far it got.
#[derive(Resource, Debug)]
pub struct Plan {
    at_s: Option<f64>,
    screenshot: Option<PathBuf>,
    frames: Option<u32>,
    outcome: Outcome,
    frame: u32,
    settled: u32,
    requested: bool,
    last: Option<Instant>,
    started: Instant,
}

impl Plan {
    /// From the viewer's options.
    #[must_use]
    pub fn new(o: &ViewerOptions, outcome: Outcome) -> Self {
        Self {
            at_s: o.at_s,
            screenshot: o.screenshot.clone(),
            frames: o.frames,
            outcome,
            frame: 0,
            settled: 0,
            requested: false,
            last: None,
            started: Instant::now(),
        }
    }
}

/// Runs captures.
pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        let compiling = Compiling::default();
        app.insert_resource(compiling.clone())
            .add_systems(Last, (measure, shoot, quit).chain());
        if let Some(render) = app.get_sub_app_mut(RenderApp) {
            render
                .insert_resource(compiling)
                .add_systems(Render, count_compiling);
        }
    }
}

fn count_compiling(cache: Res<PipelineCache>, compiling: Res<Compiling>) {
    compiling
        .0
        .store(cache.waiting_pipelines().count(), Ordering::Relaxed);
}

fn measure(mut plan: ResMut<Plan>, compiling: Res<Compiling>) {
    let now = Instant::now();
    // Frames drawn while pipelines compile leave meshes out: not measured.
    if compiling.0.load(Ordering::Relaxed) > 0 {
        plan.frame = 0;
    }
    if let Some(last) = plan.last
        && plan.frame > WARMUP_FRAMES
    {
        let ms = now.duration_since(last).as_secs_f64() * 1000.0;
        plan.outcome.with(|i| i.times_ms.push(ms));
    }
    plan.last = Some(now);
    plan.frame += 1;
}

fn shoot(
    mut commands: Commands,
    mut plan: ResMut<Plan>,
    shown: Res<Shown>,
    compiling: Res<Compiling>,
) {
    let Some(path) = plan.screenshot.clone() else {
        return;
    };
    if plan.requested {
        return;
    }
    let Some(latest) = &shown.latest else {
        return;
    };
    let reached = match plan.at_s {
        None => true,
        // A simulation pauses at `t`; a bus (attach mode) just gets there.
        Some(t) => {
            ((latest.status.paused || latest.status.live) && latest.snapshot.time_s >= t - 1e-6)
                || latest.status.finished.is_some()
        }
    };
    let pipelines_ready =
        compiling.0.load(Ordering::Relaxed) == 0 || plan.started.elapsed() > PIPELINES_TIMEOUT;
    if !reached || !pipelines_ready {
        plan.settled = 0;
        return;
    }
    plan.settled += 1;
    if plan.settled < SETTLE_FRAMES {
        return;
    }
    plan.requested = true;
    let outcome = plan.outcome.clone();
    commands
        .spawn(Screenshot::primary_window())
        .observe(move |shot: On<ScreenshotCaptured>| {
            let result = match shot.image.clone().try_into_dynamic() {
                Ok(img) => img
                    .to_rgb8()
                    .save(&path)
                    .map(|()| path.clone())
                    .map_err(|e| format!("{}: {e}", path.display())),
                Err(e) => Err(format!("{}: {e}", path.display())),
            };
            outcome.with(|i| i.saved = Some(result));
        });
}

fn quit(plan: Res<Plan>, mut exit: MessageWriter<AppExit>) {
    let saved = plan.outcome.with(|i| i.saved.is_some());
    let counted = plan
        .frames
        .is_some_and(|n| plan.frame >= n.saturating_add(WARMUP_FRAMES));
    if saved || counted {
        exit.write(AppExit::Success);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_stats_of_known_times() {
        let s = FrameStats::of(&[10.0, 20.0, 30.0, 40.0, 100.0]);
        assert_eq!(s.frames, 5);
        assert_eq!(s.mean_ms, 40.0);
        assert_eq!(s.p50_ms, 30.0);
        assert_eq!(s.max_ms, 100.0);
        assert_eq!(s.fps(), 25.0);
        assert_eq!(FrameStats::of(&[]), FrameStats::default());
    }
}
