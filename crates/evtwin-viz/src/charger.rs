//! Charging stations at the route's charge stops: a cabinet with a screen
//! whose colour follows the charging phase, a canopy, the cable that connects
//! while plugged in, and the station's display (power, voltage, current, SOC,
//! time remaining, the phases) drawn next to it on screen.

use std::fmt::Write as _;

use bevy::prelude::*;

use crate::car::CHARGE_PORT;
use crate::flat::FlatMaterial;
use crate::model::{Snapshot, charge_phase_name};
use crate::scene::{ROAD_W, rel_height};
use crate::shown::{Info, Shown};
use crate::ui;

/// The cabinet's colour (the screenshot test looks for it).
pub const CABINET_RGB: [f32; 3] = [0.02, 0.62, 0.58];
/// Drawn within this distance of the car, m.
const VISIBLE_M: f64 = 600.0;
/// The cabinet stands here relative to the stop, across from the port.
const CABINET_OFFSET: Vec3 = Vec3::new(-1.7, 0.0, -(ROAD_W * 0.5 + 1.2));

/// Draws the stations.
pub struct ChargerPlugin;

impl Plugin for ChargerPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(Update, (place, cable, screen, display));
    }
}

#[derive(Component)]
struct Station(usize);

/// The screen of stop `k`.
#[derive(Component)]
struct Screen(usize);

#[derive(Component)]
struct Cable;

#[derive(Component)]
struct Display;

#[derive(Component)]
struct DisplayText;

fn setup(
    mut commands: Commands,
    info: Res<Info>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut flats: ResMut<Assets<FlatMaterial>>,
) {
    let [r, g, b] = CABINET_RGB;
    let cabinet = flats.add(FlatMaterial::srgb(r, g, b));
    let white = flats.add(FlatMaterial::srgb(0.9, 0.9, 0.92));
    let cabinet_mesh = meshes.add(Cuboid::new(0.8, 2.2, 0.7));
    let screen_mesh = meshes.add(Cuboid::new(0.55, 0.4, 0.03));
    let pillar = meshes.add(Cuboid::new(0.25, 4.6, 0.25));
    let roof = meshes.add(Cuboid::new(7.0, 0.25, 4.0));
    for (k, _) in info.profile.stops.iter().enumerate() {
        let screen_mat = materials.add(StandardMaterial {
            base_color: Color::BLACK,
            emissive: LinearRgba::rgb(0.0, 2.0, 0.5),
            ..default()
        });
        commands
            .spawn((Station(k), Transform::default(), Visibility::Hidden))
            .with_children(|s| {
                s.spawn((
                    Mesh3d(cabinet_mesh.clone()),
                    MeshMaterial3d(cabinet.clone()),
                    Transform::from_xyz(0.0, 1.1, 0.0),
                ));
                s.spawn((
                    Screen(k),
                    Mesh3d(screen_mesh.clone()),
                    MeshMaterial3d(screen_mat),
                    Transform::from_xyz(0.0, 1.65, 0.36),
                ));
                for x in [-3.2, 3.2] {
                    s.spawn((
                        Mesh3d(pillar.clone()),
                        MeshMaterial3d(white.clone()),
                        Transform::from_xyz(x, 2.3, -1.0),
                    ));
                }
                s.spawn((
                    Mesh3d(roof.clone()),
                    MeshMaterial3d(white.clone()),
                    Transform::from_xyz(0.0, 4.7, 0.6),
                ));
            });
    }
    commands.spawn((
        Cable,
        Mesh3d(meshes.add(Cylinder::new(0.05, 1.0))),
        MeshMaterial3d(flats.add(FlatMaterial::srgb(0.95, 0.45, 0.05))),
        Transform::default(),
        Visibility::Hidden,
    ));
    commands
        .spawn((
            Display,
            ui::panel(Node {
                width: px(210),
                border: UiRect::all(px(2)),
                ..default()
            }),
            // Not the cabinet's colour: the screenshot test counts that one.
            BorderColor::all(Color::srgb(0.9, 0.9, 0.95)),
            Visibility::Hidden,
        ))
        .with_child((DisplayText, ui::text("", 13.0, ui::TEXT)));
}

/// Where stop `k`'s cabinet stands relative to the car. During the stop's own
/// leg it stands at the car (the route profile's distance to a stop after a
/// drive cycle may differ from the car's by a few metres).
fn cabinet_at(info: &Info, k: usize, s: &Snapshot) -> Option<Vec3> {
    let stop = info.profile.stops.get(k)?;
    let car_m = s.odometer_m;
    #[allow(clippy::cast_precision_loss)]
    let here = (s.leg_index - stop.leg as f64).abs() < 0.5;
    let dx = if here { 0.0 } else { stop.at_m - car_m };
    if dx.abs() > VISIBLE_M {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let x = dx as f32;
    Some(Vec3::new(x, rel_height(&info.profile, car_m + dx, car_m), 0.0) + CABINET_OFFSET)
}

fn place(
    shown: Res<Shown>,
    info: Res<Info>,
    mut q: Query<(&Station, &mut Transform, &mut Visibility)>,
) {
    for (Station(k), mut t, mut v) in &mut q {
        match cabinet_at(&info, *k, &shown.snapshot) {
            Some(p) => {
                t.translation = p;
                *v = Visibility::Inherited;
            }
            None => *v = Visibility::Hidden,
        }
    }
}

/// The stop the car is plugged in at, if any (by leg).
fn current_stop(info: &Info, s: &Snapshot) -> Option<usize> {
    if !s.charging() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    info.profile
        .stops
        .iter()
        .position(|st| (s.leg_index - st.leg as f64).abs() < 0.5)
}

fn cable(
    shown: Res<Shown>,
    info: Res<Info>,
    mut q: Query<(&mut Transform, &mut Visibility), With<Cable>>,
) {
    let s = &shown.snapshot;
    let Ok((mut t, mut v)) = q.single_mut() else {
        return;
    };
    let Some(from) = current_stop(&info, s).and_then(|k| cabinet_at(&info, k, s)) else {
        *v = Visibility::Hidden;
        return;
    };
    let a = from + Vec3::new(0.0, 1.2, 0.36);
    let b = CHARGE_PORT;
    let mid = 0.5 * (a + b);
    let dir = b - a;
    *t = Transform::from_translation(mid)
        .with_rotation(Quat::from_rotation_arc(Vec3::Y, dir.normalize_or(Vec3::Y)))
        .with_scale(Vec3::new(1.0, dir.length(), 1.0));
    *v = Visibility::Inherited;
}

/// The screen's colour by phase: blue handshake/test, amber ramp, green
/// charging, cyan taper, white done; dark when idle.
fn phase_color(phase: f64) -> LinearRgba {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    match phase.round() as u32 {
        1..=4 => LinearRgba::rgb(0.3, 0.6, 4.0),
        5 => LinearRgba::rgb(4.0, 2.2, 0.2),
        6 => LinearRgba::rgb(0.3, 4.0, 0.6),
        7 => LinearRgba::rgb(0.3, 3.0, 3.5),
        8..=10 => LinearRgba::rgb(3.0, 3.0, 3.0),
        _ => LinearRgba::rgb(0.05, 0.2, 0.1),
    }
}

fn screen(
    shown: Res<Shown>,
    info: Res<Info>,
    q: Query<(&Screen, &MeshMaterial3d<StandardMaterial>)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut last: Local<Option<(Option<usize>, u32)>>,
) {
    let s = &shown.snapshot;
    let here = current_stop(&info, s);
    let phase = if here.is_some() { s.charger_phase } else { 0.0 };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let key = (here, phase.round() as u32);
    if *last == Some(key) {
        return;
    }
    *last = Some(key);
    // Only the stop the car is plugged in at shows a phase; the others idle.
    for (Screen(k), m) in &q {
        if let Some(mut mat) = materials.get_mut(&m.0) {
            mat.emissive = phase_color(if here == Some(*k) { phase } else { 0.0 });
        }
    }
}

/// The station's display text (empty for a stop that does not exist).
#[must_use]
pub fn display_lines(info: &Info, stop: usize, s: &Snapshot) -> String {
    let Some(st) = info.profile.stops.get(stop) else {
        return String::new();
    };
    let mut out = format!("{}  ({:.0} kW)\n", st.station, st.max_power_w / 1000.0);
    if let Some(p) = &s.protocol {
        out += &p.line();
        out.push('\n');
    }
    if s.charging() {
        let target = st.until_soc_pct.unwrap_or(100.0).min(info.soc_max_pct);
        let remaining_s = if s.charger_power_w > 1000.0 && info.nominal_energy_wh.is_finite() {
            (target - s.soc_pct).max(0.0) / 100.0 * info.nominal_energy_wh / s.charger_power_w
                * 3600.0
        } else {
            f64::NAN
        };
        let _ = write!(
            out,
            "{:>6} kW\n{:>6} V   {:>5} A\nSOC {} % -> {:.0} %\n~{} min left\n",
            ui::num(s.charger_power_w / 1000.0, 1),
            ui::num(s.charger_voltage_v, 0),
            ui::num(s.charger_current_a, 0),
            ui::num(s.soc_pct, 1),
            target,
            ui::num(remaining_s / 60.0, 0),
        );
        #[allow(clippy::cast_possible_truncation)]
        let now = s.charger_phase.round() as i64;
        for (p, name) in [
            (2, "handshake"),
            (3, "insulation test"),
            (5, "ramp"),
            (6, "charging"),
            (7, "taper"),
        ] {
            let mark = match now.cmp(&p) {
                std::cmp::Ordering::Equal => ">",
                std::cmp::Ordering::Greater => "+",
                std::cmp::Ordering::Less => " ",
            };
            let _ = writeln!(out, "{mark} {name}");
        }
        if !matches!(now, 2 | 3 | 5 | 6 | 7) {
            let _ = writeln!(out, "  ({})", charge_phase_name(s.charger_phase));
        }
    } else {
        out += "idle\n";
    }
    out
}

fn display(
    shown: Res<Shown>,
    info: Res<Info>,
    cams: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut panel: Query<(&mut Node, &mut Visibility), With<Display>>,
    mut text: Query<&mut Text, With<DisplayText>>,
) {
    let s = &shown.snapshot;
    let Ok((mut node, mut vis)) = panel.single_mut() else {
        return;
    };
    let near = (0..info.profile.stops.len()).find_map(|k| {
        cabinet_at(&info, k, s)
            .filter(|p| p.x.abs() < 150.0)
            .map(|p| (k, p))
    });
    let Some((k, at)) = near else {
        *vis = Visibility::Hidden;
        return;
    };
    let Ok((cam, cam_t)) = cams.single() else {
        return;
    };
    let Ok(px_at) = cam.world_to_viewport(cam_t, at + Vec3::new(0.0, 2.6, 0.0)) else {
        *vis = Visibility::Hidden;
        return;
    };
    // Beside the station, clear of the HUD (top left, 340 px wide).
    node.left = px((px_at.x + 30.0).max(350.0));
    node.top = px((px_at.y - 230.0).max(10.0));
    *vis = Visibility::Inherited;
    if let Ok(mut t) = text.single_mut() {
        let lines = display_lines(&info, k, s);
        ui::set_text(&mut t, &lines);
    }
}
