//! The pack panel: one box per series group, laid out as the pack's modules,
//! coloured by temperature, SOC or voltage (the toggle) on a fixed scale or
//! relative to the pack's own spread, with a legend, the
//! hottest group framed yellow, the weakest magenta, balancing groups white,
//! and the BMS's fault.

use std::fmt::Write as _;

use bevy::prelude::*;

use crate::model::{ColorMode, ColorScale, Snapshot, fault_name};
use crate::shown::{Info, Shown};
use crate::ui;

/// Box edge, px.
const BOX_PX: f32 = 13.0;
/// Panel's left edge from the window's right, px (the screenshot test probes it).
pub const PANEL_RIGHT_PX: f32 = 10.0;
/// Panel's top, px.
pub const PANEL_TOP_PX: f32 = 10.0;

/// Draws the pack panel.
pub struct PackPlugin;

impl Plugin for PackPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PackColor>()
            .add_systems(Startup, setup)
            .add_systems(Update, (paint, legend, status));
    }
}

/// What the boxes are coloured by, on a fixed scale or relative to the
/// pack's own spread.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackColor {
    /// The quantity.
    pub mode: ColorMode,
    /// Scale over the groups' own range instead of the fixed one.
    pub relative: bool,
}

/// The scale the boxes are painted with.
#[must_use]
pub fn scale_of(info: &Info, c: PackColor, s: &Snapshot) -> ColorScale {
    let fixed = ColorScale::for_mode(c.mode, info.cell_v_min_v, info.cell_v_max_v);
    if !c.relative {
        return fixed;
    }
    ColorScale::spread(s.groups.iter().map(|g| value(c.mode, g)), c.mode.min_span())
        .unwrap_or(fixed)
}

#[derive(Component)]
struct GroupBox(usize);

#[derive(Component)]
struct LegendText;

#[derive(Component)]
struct StatusText;

#[derive(Component)]
struct PackPanel;

fn rgb(c: [f32; 3]) -> Color {
    Color::srgb(c[0], c[1], c[2])
}

fn setup(mut commands: Commands, info: Res<Info>) {
    let layout = info.layout();
    let scale = ColorScale { min: 0.0, max: 4.0 };
    let mut root = commands.spawn((
        PackPanel,
        ui::panel(Node {
            right: px(PANEL_RIGHT_PX),
            top: px(PANEL_TOP_PX),
            border: UiRect::all(px(2)),
            ..default()
        }),
        BorderColor::all(Color::NONE),
    ));
    root.with_children(|p| {
        p.spawn(ui::text(
            format!("Pack {} | {} modules", info.pack_name, layout.modules),
            15.0,
            ui::TEXT,
        ));
        p.spawn(Node {
            flex_direction: FlexDirection::Row,
            flex_wrap: FlexWrap::Wrap,
            #[allow(clippy::cast_precision_loss)]
            width: px(
                layout.panel_cols as f32 * (layout.module_cols as f32 * (BOX_PX + 2.0) + 10.0)
            ),
            column_gap: px(4),
            row_gap: px(4),
            ..default()
        })
        .with_children(|grid| {
            for m in 0..layout.modules {
                grid.spawn((
                    Node {
                        display: Display::Grid,
                        grid_template_columns: RepeatedGridTrack::px(
                            u16::try_from(layout.module_cols).unwrap_or(4),
                            BOX_PX,
                        ),
                        column_gap: px(2),
                        row_gap: px(2),
                        padding: UiRect::all(px(2)),
                        ..default()
                    },
                    BackgroundColor(Color::srgb(0.18, 0.19, 0.22)),
                ))
                .with_children(|module| {
                    let first = m * layout.per_module;
                    let last = (first + layout.per_module).min(layout.groups);
                    for g in first..last {
                        module.spawn((
                            GroupBox(g),
                            Node {
                                width: px(BOX_PX),
                                height: px(BOX_PX),
                                border: UiRect::all(px(2)),
                                ..default()
                            },
                            BackgroundColor(rgb(scale.color(f32::NAN))),
                            BorderColor::all(Color::NONE),
                        ));
                    }
                });
            }
        });
        p.spawn(Node {
            flex_direction: FlexDirection::Row,
            ..default()
        })
        .with_children(|bar| {
            for i in 0..5u8 {
                bar.spawn((
                    Node {
                        width: px(40),
                        height: px(8),
                        ..default()
                    },
                    BackgroundColor(rgb(scale.color(f32::from(i)))),
                ));
            }
        });
        p.spawn((LegendText, ui::text("", 12.0, ui::DIM)));
        p.spawn((StatusText, ui::text("", 12.0, ui::TEXT)));
    });
}

fn value(mode: ColorMode, g: &crate::model::GroupView) -> f32 {
    match mode {
        ColorMode::Temperature => g.temp_c,
        ColorMode::Soc => g.soc_pct,
        ColorMode::Voltage => g.voltage_v,
    }
}

fn paint(
    shown: Res<Shown>,
    info: Res<Info>,
    mode: Res<PackColor>,
    mut boxes: Query<(&GroupBox, &mut BackgroundColor, &mut BorderColor)>,
) {
    let s = &shown.snapshot;
    let scale = scale_of(&info, *mode, s);
    let (hot, weak) = (s.hottest_group(), s.weakest_group());
    for (GroupBox(g), mut bg, mut border) in &mut boxes {
        let Some(view) = s.groups.get(*g) else {
            continue;
        };
        let fill = rgb(scale.color(value(mode.mode, view)));
        if bg.0 != fill {
            bg.0 = fill;
        }
        let frame = if Some(*g) == hot {
            Color::srgb(1.0, 0.95, 0.0)
        } else if Some(*g) == weak {
            Color::srgb(1.0, 0.0, 1.0)
        } else if view.balancing {
            Color::WHITE
        } else {
            Color::NONE
        };
        let want = BorderColor::all(frame);
        if *border != want {
            *border = want;
        }
    }
}

fn legend(
    shown: Res<Shown>,
    info: Res<Info>,
    mode: Res<PackColor>,
    mut q: Query<&mut Text, With<LegendText>>,
) {
    let scale = scale_of(&info, *mode, &shown.snapshot);
    let digits = if mode.mode == ColorMode::Voltage {
        3
    } else {
        1
    };
    let lines = format!(
        "{:.digits$} .. {:.digits$}  {}{}\n[M] quantity  [R] {}",
        scale.min,
        scale.max,
        mode.mode.label(),
        if mode.relative { " (relative)" } else { "" },
        if mode.relative {
            "fixed scale"
        } else {
            "relative scale"
        },
    );
    for mut t in &mut q {
        ui::set_text(&mut t, &lines);
    }
}

/// The status lines under the legend.
#[must_use]
pub fn status_lines(s: &Snapshot) -> String {
    let mut out = String::new();
    if let Some(h) = s.hottest_group() {
        let _ = writeln!(out, "hottest #{h}: {:.1} C (yellow)", s.groups[h].temp_c);
    }
    if let Some(w) = s.weakest_group() {
        let _ = writeln!(
            out,
            "weakest #{w}: {:.3} V (magenta)",
            s.groups[w].voltage_v
        );
    }
    let _ = writeln!(
        out,
        "balancing: {} groups (white)",
        ui::num(s.balancing_count, 0)
    );
    let _ = write!(out, "BMS fault: {}", fault_name(s.fault_code));
    out
}

fn status(
    shown: Res<Shown>,
    mut text: Query<(&mut Text, &mut TextColor), With<StatusText>>,
    mut panel: Query<&mut BorderColor, With<PackPanel>>,
) {
    let s = &shown.snapshot;
    let fault = s.fault_code.is_finite() && s.fault_code > 0.5;
    for (mut t, mut c) in &mut text {
        let lines = status_lines(s);
        ui::set_text(&mut t, &lines);
        let want = if fault { ui::ALARM } else { ui::TEXT };
        if c.0 != want {
            c.0 = want;
        }
    }
    for mut b in &mut panel {
        let want = BorderColor::all(if fault { ui::ALARM } else { Color::NONE });
        if *b != want {
            *b = want;
        }
    }
}
