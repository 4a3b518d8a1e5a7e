//! Live plots, drawn on the CPU into two small images: pack power against
//! time over the run, and charge power against SOC at the stops.

use std::sync::Arc;

use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use crate::model::{History, PlotPoint};
use crate::shown::Shown;
use crate::ui;

/// Plot size, px.
pub const PLOT_W: u32 = 340;
/// See `PLOT_W`.
pub const PLOT_H: u32 = 120;

/// Draws the plots.
pub struct PlotsPlugin;

impl Plugin for PlotsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup).add_systems(Update, redraw);
    }
}

#[derive(Resource)]
struct Plots {
    power: Handle<Image>,
    charge: Handle<Image>,
    drawn: Option<Arc<History>>,
}

#[derive(Component)]
struct PowerLabel;

#[derive(Component)]
struct ChargeLabel;

fn blank() -> Image {
    Image::new_fill(
        Extent3d {
            width: PLOT_W,
            height: PLOT_H,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[12, 14, 20, 230],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
    )
}

fn setup(mut commands: Commands, mut images: ResMut<Assets<Image>>) {
    let power = images.add(blank());
    let charge = images.add(blank());
    commands
        .spawn(ui::panel(Node {
            left: px(10),
            bottom: px(10),
            ..default()
        }))
        .with_children(|p| {
            p.spawn((PowerLabel, ui::text("pack power, kW", 12.0, ui::DIM)));
            p.spawn((
                ImageNode::new(power.clone()),
                Node {
                    width: px(PLOT_W),
                    height: px(PLOT_H),
                    ..default()
                },
            ));
            p.spawn((
                ChargeLabel,
                ui::text("charge power, kW, against SOC %", 12.0, ui::DIM),
            ));
            p.spawn((
                ImageNode::new(charge.clone()),
                Node {
                    width: px(PLOT_W),
                    height: px(PLOT_H),
                    ..default()
                },
            ));
        });
    commands.insert_resource(Plots {
        power,
        charge,
        drawn: None,
    });
}

/// An RGBA canvas.
pub struct Canvas<'a> {
    data: &'a mut [u8],
    w: u32,
    h: u32,
}

impl<'a> Canvas<'a> {
    /// Wraps `data` (`w`×`h` RGBA bytes).
    pub fn new(data: &'a mut [u8], w: u32, h: u32) -> Self {
        Self { data, w, h }
    }

    fn clear(&mut self) {
        for px in self.data.chunks_exact_mut(4) {
            px.copy_from_slice(&[12, 14, 20, 230]);
        }
    }

    fn set(&mut self, x: i64, y: i64, c: [u8; 4]) {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // in range
        let i = ((y as usize) * self.w as usize + x as usize) * 4;
        if let Some(px) = self.data.get_mut(i..i + 4) {
            px.copy_from_slice(&c);
        }
    }

    fn hline(&mut self, y: i64, c: [u8; 4]) {
        for x in 0..i64::from(self.w) {
            self.set(x, y, c);
        }
    }

    /// Draws `points` scaled into the canvas over `x` and `y` ranges, joined
    /// where neighbours are at most `max_gap_px` apart in x (else as dots).
    pub fn plot(&mut self, points: &[PlotPoint], x: (f64, f64), y: (f64, f64), max_gap_px: i64) {
        self.clear();
        let (w, h) = (f64::from(self.w - 1), f64::from(self.h - 1));
        #[allow(clippy::cast_possible_truncation)]
        let to_px = |p: &PlotPoint| {
            (
                ((p.x - x.0) / (x.1 - x.0).max(1e-9) * w).round() as i64,
                (h - (p.y - y.0) / (y.1 - y.0).max(1e-9) * h).round() as i64,
            )
        };
        for k in 1..4 {
            #[allow(clippy::cast_possible_truncation)]
            self.hline((h * f64::from(k) / 4.0) as i64, [40, 44, 56, 255]);
        }
        if y.0 < 0.0 && y.1 > 0.0 {
            let zero = to_px(&PlotPoint { x: x.0, y: 0.0 }).1;
            self.hline(zero, [110, 110, 120, 255]);
        }
        let c = [255, 196, 40, 255];
        let mut last: Option<(i64, i64)> = None;
        for p in points {
            let (px, py) = to_px(p);
            match last {
                Some((lx, ly)) if (px - lx).abs() <= max_gap_px => {
                    let n = (px - lx).abs().max((py - ly).abs()).max(1);
                    for i in 0..=n {
                        self.set(lx + (px - lx) * i / n, ly + (py - ly) * i / n, c);
                    }
                }
                _ => {
                    for dx in -1..=1 {
                        for dy in -1..=1 {
                            self.set(px + dx, py + dy, c);
                        }
                    }
                }
            }
            last = Some((px, py));
        }
    }
}

/// The y range of `points`, padded, always including 0.
#[must_use]
pub fn y_range(points: &[PlotPoint]) -> (f64, f64) {
    let (lo, hi) = points
        .iter()
        .fold((0.0f64, 1.0f64), |(lo, hi), p| (lo.min(p.y), hi.max(p.y)));
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

fn redraw(
    shown: Res<Shown>,
    mut plots: ResMut<Plots>,
    mut images: ResMut<Assets<Image>>,
    mut power_label: Query<&mut Text, (With<PowerLabel>, Without<ChargeLabel>)>,
    mut charge_label: Query<&mut Text, (With<ChargeLabel>, Without<PowerLabel>)>,
) {
    let Some(latest) = &shown.latest else {
        return;
    };
    let h = &latest.history;
    if plots.drawn.as_ref().is_some_and(|d| Arc::ptr_eq(d, h)) {
        return;
    }
    plots.drawn = Some(Arc::clone(h));
    let t_end = h.power.last().map_or(1.0, |p| p.x.max(1.0));
    let py = y_range(&h.power);
    if let Some(mut img) = images.get_mut(&plots.power)
        && let Some(data) = img.data.as_mut()
    {
        Canvas::new(data, PLOT_W, PLOT_H).plot(&h.power, (0.0, t_end), py, i64::MAX);
    }
    let cy = y_range(&h.charge);
    if let Some(mut img) = images.get_mut(&plots.charge)
        && let Some(data) = img.data.as_mut()
    {
        // Stops are drawn apart: a jump of more than 2 % SOC is not joined.
        Canvas::new(data, PLOT_W, PLOT_H).plot(&h.charge, (0.0, 100.0), (0.0, cy.1), 7);
    }
    for mut t in &mut power_label {
        t.0 = format!(
            "pack power, kW ({:.0} .. {:.0}) over {:.1} h",
            py.0,
            py.1,
            t_end / 3600.0
        );
    }
    for mut t in &mut charge_label {
        t.0 = format!("charge power, kW (0 .. {:.0}) against SOC 0 .. 100 %", cy.1);
    }
}
