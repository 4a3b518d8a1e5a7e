//! What every other plugin reads: the source's latest frame and the snapshot
//! interpolated for this render frame.

use std::sync::Arc;
use std::time::Instant;

use bevy::prelude::*;
use evtwin_scenario::Scenario;
use evtwin_scenario::net::ListenSource;

use crate::feed::{Feed, Published};
use crate::model::{PackLayout, RouteProfile, Snapshot};

/// The running source.
#[derive(Resource)]
pub struct FeedRes(pub Feed);

/// Fixed facts about what is shown.
#[derive(Resource, Debug, Clone)]
pub struct Info {
    /// Window title.
    pub title: String,
    /// Series × parallel, e.g. `192s2p`.
    pub pack_name: String,
    /// Series groups.
    pub groups: usize,
    /// Pack energy at nominal voltage, Wh (NaN when unknown).
    pub nominal_energy_wh: f64,
    /// Highest SOC a charge stop goes to, %.
    pub soc_max_pct: f64,
    /// Cell voltage window, V (colour scale in voltage mode).
    pub cell_v_min_v: f32,
    /// See `cell_v_min_v`.
    pub cell_v_max_v: f32,
    /// The road.
    pub profile: RouteProfile,
    /// Attach mode: no simulation behind the picture.
    pub attached: bool,
}

impl Info {
    /// Facts of a scenario.
    #[must_use]
    pub fn of_scenario(s: &Scenario) -> Self {
        let p = &s.config.pack;
        #[allow(clippy::cast_possible_truncation)] // display only
        let (lo, hi) = (p.cell.voltage_min_v as f32, p.cell.voltage_max_v as f32);
        let cells = (p.series * p.parallel) as f64;
        let nominal_v = 0.5 * (p.cell.voltage_min_v + p.cell.voltage_max_v);
        Self {
            title: s.name.clone(),
            pack_name: format!("{}s{}p", p.series, p.parallel),
            groups: p.series,
            nominal_energy_wh: cells * p.cell.capacity_ah * nominal_v,
            soc_max_pct: s.config.vehicle.soc_max * 100.0,
            cell_v_min_v: lo,
            cell_v_max_v: hi,
            profile: RouteProfile::new(&s.config.route),
            attached: false,
        }
    }

    /// Facts of attach mode.
    #[must_use]
    pub fn attached(listen: &ListenSource, groups: usize) -> Self {
        let what = match listen {
            ListenSource::Interface(i) => format!("attached to {i}"),
            ListenSource::Log { path, .. } => format!("replaying {}", path.display()),
        };
        Self {
            title: what,
            pack_name: format!("{groups} groups"),
            groups,
            nominal_energy_wh: f64::NAN,
            soc_max_pct: 100.0,
            cell_v_min_v: 2.8,
            cell_v_max_v: 4.3,
            profile: RouteProfile::default(),
            attached: true,
        }
    }

    /// The pack panel's layout.
    #[must_use]
    pub fn layout(&self) -> PackLayout {
        PackLayout::new(self.groups)
    }
}

/// This frame's view of the source.
#[derive(Resource, Default)]
pub struct Shown {
    /// Latest published frame.
    pub latest: Option<Arc<Published>>,
    /// The frame before it.
    previous: Option<Arc<Published>>,
    /// When `latest` arrived.
    arrived: Option<Instant>,
    /// Time between the last two arrivals, s.
    interval_s: f64,
    /// Interpolated between `previous` and `latest`.
    pub snapshot: Snapshot,
}

impl Shown {
    /// A frame has arrived.
    #[must_use]
    pub fn ready(&self) -> bool {
        self.latest.is_some()
    }
}

/// How far (0…1) to blend from the frame before the latest to the latest,
/// `since_s` after the latest arrived, frames arriving every `interval_s`. The
/// picture runs one interval behind the source: at an arrival it shows exactly
/// the frame that was latest until then, so it never jumps back.
#[must_use]
pub fn blend_alpha(since_s: f64, interval_s: f64) -> f64 {
    if interval_s > 0.0 {
        (since_s / interval_s).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Pulls the latest frame in `PreUpdate`.
pub struct ShownPlugin;

impl Plugin for ShownPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Shown>().add_systems(PreUpdate, pull);
    }
}

fn pull(feed: Res<FeedRes>, mut shown: ResMut<Shown>) {
    let now = Instant::now();
    if let Some(p) = feed.0.latest()
        && shown.latest.as_ref().is_none_or(|l| l.seq != p.seq)
    {
        if let Some(at) = shown.arrived {
            shown.interval_s = now.duration_since(at).as_secs_f64().clamp(1e-3, 0.25);
        }
        shown.previous = shown.latest.replace(p);
        shown.arrived = Some(now);
    }
    let Some(latest) = shown.latest.clone() else {
        return;
    };
    // Draw one publication interval behind, blending the last two frames.
    let since = shown
        .arrived
        .map_or(0.0, |a| now.duration_since(a).as_secs_f64());
    let alpha = blend_alpha(since, shown.interval_s);
    shown.snapshot = match &shown.previous {
        Some(prev) if !latest.status.paused => prev.snapshot.lerp(&latest.snapshot, alpha),
        _ => latest.snapshot.clone(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blending_is_continuous_across_arrivals() {
        assert_eq!(blend_alpha(0.0, 0.016), 0.0);
        assert_eq!(blend_alpha(0.008, 0.016), 0.5);
        assert_eq!(blend_alpha(1.0, 0.016), 1.0);
        assert_eq!(blend_alpha(0.5, 0.0), 1.0);
        // Frames at 0, 10, 20 m arriving every 16 ms; drawn every 4 ms.
        let at = |m: f64| Snapshot {
            odometer_m: m,
            ..Snapshot::default()
        };
        let frames = [at(0.0), at(10.0), at(20.0)];
        let mut drawn = Vec::new();
        for pair in frames.windows(2) {
            for k in 0..4 {
                let a = blend_alpha(f64::from(k) * 0.004, 0.016);
                drawn.push(pair[0].lerp(&pair[1], a).odometer_m);
            }
        }
        assert_eq!(drawn, [0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5]);
    }
}
