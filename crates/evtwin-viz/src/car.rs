//! The car: a body built from meshes in code, wheels turning at the simulated
//! speed, brake lights, a blue regeneration strip, pitched with the road.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;

use crate::flat::FlatMaterial;
use crate::scene::rel_height;
use crate::shown::{Info, Shown};

/// Wheel radius, m.
const WHEEL_R: f32 = 0.34;
/// Where the charge port is, relative to the car (left rear flank).
pub const CHARGE_PORT: Vec3 = Vec3::new(-1.7, 0.85, -0.96);
/// The body's colour (the screenshot test looks for it).
pub const BODY_RGB: [f32; 3] = [0.80, 0.07, 0.07];

/// Draws the car.
pub struct CarPlugin;

impl Plugin for CarPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(Update, (pose, spin_wheels, lights));
    }
}

#[derive(Component)]
struct Car;

#[derive(Component)]
struct Wheel;

#[derive(Component)]
struct BrakeLight;

#[derive(Component)]
struct RegenStrip;

#[derive(Resource)]
struct LightMaterials {
    brake_on: Handle<StandardMaterial>,
    brake_off: Handle<StandardMaterial>,
    regen_on: Handle<StandardMaterial>,
    regen_off: Handle<StandardMaterial>,
}

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut flats: ResMut<Assets<FlatMaterial>>,
) {
    // Flat shading for the body (a third of the frame time on lavapipe went
    // into the PBR shader for the car alone); PBR only for the small lamps.
    let [r, g, b] = BODY_RGB;
    let paint = flats.add(FlatMaterial::srgb(r, g, b));
    let glass = flats.add(FlatMaterial::srgb(0.08, 0.1, 0.14));
    let tyre = flats.add(FlatMaterial::srgb(0.05, 0.05, 0.05));
    let rim = flats.add(FlatMaterial::srgb(0.75, 0.75, 0.78));
    let lm = LightMaterials {
        brake_on: materials.add(StandardMaterial {
            base_color: Color::srgb(1.0, 0.1, 0.1),
            emissive: LinearRgba::rgb(30.0, 0.5, 0.5),
            ..default()
        }),
        brake_off: materials.add(Color::srgb(0.35, 0.04, 0.04)),
        regen_on: materials.add(StandardMaterial {
            base_color: Color::srgb(0.2, 0.5, 1.0),
            emissive: LinearRgba::rgb(0.5, 4.0, 30.0),
            ..default()
        }),
        regen_off: materials.add(Color::srgb(0.1, 0.12, 0.18)),
    };
    let wheel_mesh = meshes.add(Cylinder::new(WHEEL_R, 0.26));
    let spoke = meshes.add(Cuboid::new(0.5, 0.27, 0.08));
    let lamp = meshes.add(Cuboid::new(0.06, 0.12, 0.45));
    let strip = meshes.add(Cuboid::new(2.6, 0.05, 0.04));
    let mut car = commands.spawn((Car, Transform::default(), Visibility::default()));
    car.with_children(|c| {
        c.spawn((
            Mesh3d(meshes.add(Cuboid::new(4.7, 0.62, 1.9))),
            MeshMaterial3d(paint.clone()),
            Transform::from_xyz(0.0, 0.62, 0.0),
        ));
        c.spawn((
            Mesh3d(meshes.add(Cuboid::new(2.5, 0.5, 1.7))),
            MeshMaterial3d(glass),
            Transform::from_xyz(-0.25, 1.18, 0.0),
        ));
        c.spawn((
            Mesh3d(meshes.add(Cuboid::new(2.3, 0.06, 1.6))),
            MeshMaterial3d(paint),
            Transform::from_xyz(-0.3, 1.45, 0.0),
        ));
        for (x, z) in [(1.45, 0.9), (1.45, -0.9), (-1.45, 0.9), (-1.45, -0.9)] {
            c.spawn((Transform::from_xyz(x, WHEEL_R, z), Visibility::default()))
                .with_children(|w| {
                    w.spawn((Wheel, Transform::default(), Visibility::default()))
                        .with_children(|s| {
                            s.spawn((
                                Mesh3d(wheel_mesh.clone()),
                                MeshMaterial3d(tyre.clone()),
                                Transform::from_rotation(Quat::from_rotation_x(FRAC_PI_2)),
                            ));
                            s.spawn((
                                Mesh3d(spoke.clone()),
                                MeshMaterial3d(rim.clone()),
                                Transform::default(),
                            ));
                        });
                });
        }
        for z in [0.65, -0.65] {
            c.spawn((
                BrakeLight,
                Mesh3d(lamp.clone()),
                MeshMaterial3d(lm.brake_off.clone()),
                Transform::from_xyz(-2.36, 0.75, z),
            ));
        }
        for z in [0.96, -0.96] {
            c.spawn((
                RegenStrip,
                Mesh3d(strip.clone()),
                MeshMaterial3d(lm.regen_off.clone()),
                Transform::from_xyz(0.1, 0.42, z),
            ));
        }
    });
    commands.insert_resource(lm);
}

/// The car sits on the road at the origin, pitched with it.
fn pose(shown: Res<Shown>, info: Res<Info>, mut car: Query<&mut Transform, With<Car>>) {
    let at = shown.snapshot.odometer_m;
    if !at.is_finite() {
        return;
    }
    let ahead = rel_height(&info.profile, at + 2.0, at);
    let behind = rel_height(&info.profile, at - 2.0, at);
    let pitch = ((ahead - behind) / 4.0).atan();
    for mut t in &mut car {
        *t = Transform::from_rotation(Quat::from_rotation_z(pitch));
    }
}

/// Wheels turn by the distance driven (so they match the speed at any time
/// factor).
fn spin_wheels(shown: Res<Shown>, mut wheels: Query<&mut Transform, With<Wheel>>) {
    let d = shown.snapshot.odometer_m;
    if !d.is_finite() {
        return;
    }
    let turns = d / (std::f64::consts::TAU * f64::from(WHEEL_R));
    #[allow(clippy::cast_possible_truncation)]
    let angle = (turns.fract() * std::f64::consts::TAU) as f32;
    for mut t in &mut wheels {
        t.rotation = Quat::from_rotation_z(-angle);
    }
}

fn lights(
    shown: Res<Shown>,
    lm: Res<LightMaterials>,
    mut brakes: Query<
        &mut MeshMaterial3d<StandardMaterial>,
        (With<BrakeLight>, Without<RegenStrip>),
    >,
    mut strips: Query<
        &mut MeshMaterial3d<StandardMaterial>,
        (With<RegenStrip>, Without<BrakeLight>),
    >,
) {
    let s = &shown.snapshot;
    let brake = if s.braking() {
        &lm.brake_on
    } else {
        &lm.brake_off
    };
    for mut m in &mut brakes {
        if m.0 != *brake {
            m.0 = brake.clone();
        }
    }
    let regen = if s.regenerating() {
        &lm.regen_on
    } else {
        &lm.regen_off
    };
    for mut m in &mut strips {
        if m.0 != *regen {
            m.0 = regen.clone();
        }
    }
}
