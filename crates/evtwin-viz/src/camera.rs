//! The camera: a chase view that follows the car, or an orbit around it (drag
//! with the left mouse button, zoom with the wheel). `C` switches.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;

/// Runs the camera.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CameraMode>()
            .add_systems(Startup, setup)
            .add_systems(Update, ((orbit_input, place).chain(), antialiasing));
    }
}

/// How the camera moves.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct CameraMode {
    /// Orbit (true) or follow.
    pub orbit: bool,
    /// Orbit angle around the car, rad.
    pub yaw: f32,
    /// Orbit elevation, rad.
    pub pitch: f32,
    /// Orbit distance, m.
    pub distance_m: f32,
}

impl Default for CameraMode {
    fn default() -> Self {
        Self {
            orbit: false,
            yaw: 2.4,
            pitch: 0.35,
            distance_m: 16.0,
        }
    }
}

/// 4× MSAA on a GPU; none on a software rasteriser (lavapipe), where it
/// costs 26 → 52 ms a frame at 1280×720.
fn antialiasing(
    info: Option<Res<RenderAdapterInfo>>,
    mut cams: Query<&mut Msaa, With<Camera3d>>,
    mut done: Local<bool>,
) {
    let Some(info) = info else {
        return;
    };
    if *done {
        return;
    }
    *done = true;
    // bevy does not re-export wgpu's `DeviceType`; its name is stable.
    let software = format!("{:?}", info.device_type) == "Cpu";
    let want = if software { Msaa::Off } else { Msaa::Sample4 };
    for mut m in &mut cams {
        *m = want;
    }
}

fn setup(mut commands: Commands) {
    commands.spawn((
        Camera3d::default(),
        Transform::from_xyz(-9.0, 4.0, 11.0).looking_at(Vec3::new(0.0, 1.0, 0.0), Vec3::Y),
    ));
}

fn orbit_input(
    mut mode: ResMut<CameraMode>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
) {
    if !mode.orbit {
        return;
    }
    if buttons.pressed(MouseButton::Left) && motion.delta != Vec2::ZERO {
        mode.yaw -= motion.delta.x * 0.005;
        mode.pitch = (mode.pitch + motion.delta.y * 0.005).clamp(0.05, 1.45);
    }
    if scroll.delta.y != 0.0 {
        mode.distance_m =
            (mode.distance_m * (1.0 - 0.1 * scroll.delta.y.signum())).clamp(5.0, 200.0);
    }
}

fn place(mode: Res<CameraMode>, mut cam: Query<&mut Transform, With<Camera3d>>) {
    let target = Vec3::new(0.0, 1.0, 0.0);
    let eye = if mode.orbit {
        let (sy, cy) = mode.yaw.sin_cos();
        let (sp, cp) = mode.pitch.sin_cos();
        target + mode.distance_m * Vec3::new(cp * cy, sp, cp * sy)
    } else {
        Vec3::new(-9.0, 4.0, 11.0)
    };
    for mut t in &mut cam {
        *t = Transform::from_translation(eye).looking_at(target, Vec3::Y);
    }
}
