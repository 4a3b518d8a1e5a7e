//! The world around the car: sky, sun, ground (frosted below 0 °C), the road
//! following the route's elevation, and distance posts. The car stays at the
//! origin; the world moves past it (a floating origin keeps f32 precise over a
//! 1 000 km route).

use bevy::prelude::*;

use crate::flat::FlatMaterial;
use crate::model::RouteProfile;
use crate::shown::{Info, Shown};

/// Road segment length, m.
const SEGMENT_M: f64 = 10.0;
/// Road drawn behind and ahead of the car, m.
const BEHIND_M: f64 = 300.0;
const AHEAD_M: f64 = 900.0;
/// Post spacing, m.
const POST_M: f64 = 100.0;
/// Road width, m.
pub const ROAD_W: f32 = 8.0;

/// Draws the world.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ClearColor(Color::srgb(0.55, 0.72, 0.92)))
            .add_systems(Startup, setup)
            .add_systems(Update, (place_road, place_posts, weather));
    }
}

#[derive(Component)]
struct Segment(usize);

#[derive(Component)]
struct Post(usize);

#[derive(Component)]
struct Ground;

/// Elevation of the road at `at_m` relative to the car's, m (f32 for drawing).
#[must_use]
pub fn rel_height(profile: &RouteProfile, at_m: f64, car_m: f64) -> f32 {
    #[allow(clippy::cast_possible_truncation)] // metres near the car
    let h = (profile.elevation_at(at_m) - profile.elevation_at(car_m)) as f32;
    h
}

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut flats: ResMut<Assets<FlatMaterial>>,
) {
    commands.insert_resource(GlobalAmbientLight {
        color: Color::WHITE,
        brightness: 600.0,
        ..default()
    });
    commands.spawn((
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(30.0, 60.0, 40.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.spawn((
        Ground,
        Mesh3d(meshes.add(Plane3d::default().mesh().size(6000.0, 6000.0))),
        MeshMaterial3d(flats.add(FlatMaterial::srgb(0.33, 0.52, 0.27))),
        Transform::from_xyz(0.0, -0.3, 0.0),
    ));
    #[allow(clippy::cast_possible_truncation)]
    let seg = meshes.add(Cuboid::new(SEGMENT_M as f32 + 0.05, 0.2, ROAD_W));
    let asphalt = flats.add(FlatMaterial::srgb(0.16, 0.16, 0.18));
    let dash = meshes.add(Cuboid::new(4.0, 0.02, 0.18));
    let paint = flats.add(FlatMaterial::srgb(0.95, 0.95, 0.9));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = ((BEHIND_M + AHEAD_M) / SEGMENT_M) as usize + 1;
    for k in 0..n {
        commands
            .spawn((
                Segment(k),
                Mesh3d(seg.clone()),
                MeshMaterial3d(asphalt.clone()),
                Transform::default(),
            ))
            .with_child((
                Mesh3d(dash.clone()),
                MeshMaterial3d(paint.clone()),
                Transform::from_xyz(0.0, 0.11, 0.0),
            ));
    }
    let post = meshes.add(Cuboid::new(0.15, 1.2, 0.15));
    let white = flats.add(FlatMaterial::srgb(0.92, 0.92, 0.92));
    let km_top = meshes.add(Cuboid::new(0.5, 0.5, 0.5));
    let red = materials.add(StandardMaterial {
        base_color: Color::srgb(0.85, 0.1, 0.1),
        emissive: LinearRgba::rgb(0.4, 0.0, 0.0),
        ..default()
    });
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let posts = ((BEHIND_M + AHEAD_M) / POST_M) as usize + 1;
    for k in 0..posts {
        commands
            .spawn((
                Post(k),
                Mesh3d(post.clone()),
                MeshMaterial3d(white.clone()),
                Transform::default(),
                Visibility::default(),
            ))
            .with_child((
                Mesh3d(km_top.clone()),
                MeshMaterial3d(red.clone()),
                Transform::from_xyz(0.0, 0.85, 0.0),
                Visibility::Hidden,
            ));
    }
}

fn road_start(car_m: f64, step_m: f64) -> f64 {
    ((car_m - BEHIND_M) / step_m).floor() * step_m
}

fn place_road(shown: Res<Shown>, info: Res<Info>, mut q: Query<(&Segment, &mut Transform)>) {
    let car = shown.snapshot.odometer_m;
    if !car.is_finite() {
        return;
    }
    let p = &info.profile;
    let start = road_start(car, SEGMENT_M);
    for (Segment(k), mut t) in &mut q {
        #[allow(clippy::cast_precision_loss)]
        let a = start + *k as f64 * SEGMENT_M;
        let b = a + SEGMENT_M;
        let (ha, hb) = (rel_height(p, a, car), rel_height(p, b, car));
        #[allow(clippy::cast_possible_truncation)]
        let x = (0.5 * (a + b) - car) as f32;
        #[allow(clippy::cast_possible_truncation)]
        let pitch = ((hb - ha) / SEGMENT_M as f32).atan();
        *t = Transform::from_xyz(x, 0.5 * (ha + hb) - 0.1, 0.0)
            .with_rotation(Quat::from_rotation_z(pitch));
    }
}

fn place_posts(
    shown: Res<Shown>,
    info: Res<Info>,
    mut posts: Query<(&Post, &mut Transform, &Children)>,
    mut tops: Query<&mut Visibility>,
) {
    let car = shown.snapshot.odometer_m;
    if !car.is_finite() {
        return;
    }
    let start = road_start(car, POST_M);
    for (Post(k), mut t, children) in &mut posts {
        #[allow(clippy::cast_precision_loss)]
        let at = start + *k as f64 * POST_M;
        #[allow(clippy::cast_possible_truncation)]
        let x = (at - car) as f32;
        let h = rel_height(&info.profile, at, car);
        *t = Transform::from_xyz(x, h + 0.6, ROAD_W * 0.5 + 0.8);
        let km = (at / 1000.0).round() * 1000.0;
        let every_km = (at - km).abs() < 1.0;
        for c in children.iter() {
            if let Ok(mut v) = tops.get_mut(c) {
                *v = if every_km {
                    Visibility::Inherited
                } else {
                    Visibility::Hidden
                };
            }
        }
    }
}

/// Frost below 0 °C: white-blue ground and a paler sky.
fn weather(
    shown: Res<Shown>,
    mut clear: ResMut<ClearColor>,
    ground: Query<&MeshMaterial3d<FlatMaterial>, With<Ground>>,
    mut materials: ResMut<Assets<FlatMaterial>>,
    mut last: Local<Option<f64>>,
) {
    let t = shown.snapshot.ambient_c;
    // Touching a material re-uploads it: only when the weather changes.
    if !t.is_finite() || *last == Some(t) {
        return;
    }
    *last = Some(t);
    #[allow(clippy::cast_possible_truncation)]
    let frost = (((-t) / 10.0).clamp(0.0, 1.0)) as f32;
    let frost = if t < 0.0 { frost.max(0.6) } else { 0.0 };
    let mix = |a: f32, b: f32| a + (b - a) * frost;
    clear.0 = Color::srgb(mix(0.55, 0.78), mix(0.72, 0.83), mix(0.92, 0.9));
    for m in &ground {
        if let Some(mut mat) = materials.get_mut(&m.0) {
            mat.color = Color::srgb(mix(0.33, 0.86), mix(0.52, 0.9), mix(0.27, 0.95)).into();
        }
    }
}
