//! A cheap material for the large surfaces: a flat colour lit by a fixed sun.
//! bevy's PBR shader costs ~0.15 µs a pixel on lavapipe (the ground alone took
//! 150 ms a frame at 1280×720); this one is a few instructions.

use bevy::asset::{load_internal_asset, uuid_handle};
use bevy::prelude::*;
use bevy::render::render_resource::AsBindGroup;
use bevy::shader::ShaderRef;

const SHADER: Handle<Shader> = uuid_handle!("6f0d1c5e-3a7b-4c2e-9d51-8b7e2f4a0c13");

/// Flat colour, lit by a fixed sun and ambient light.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct FlatMaterial {
    /// Colour (linear).
    #[uniform(0)]
    pub color: LinearRgba,
}

impl FlatMaterial {
    /// From an sRGB colour.
    #[must_use]
    pub fn srgb(r: f32, g: f32, b: f32) -> Self {
        Self {
            color: Color::srgb(r, g, b).into(),
        }
    }
}

impl Material for FlatMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }
}

/// Registers the material and its shader.
pub struct FlatPlugin;

impl Plugin for FlatPlugin {
    fn build(&self, app: &mut App) {
        load_internal_asset!(app, SHADER, "flat.wgsl", Shader::from_wgsl);
        app.add_plugins(MaterialPlugin::<FlatMaterial>::default());
    }
}
