// A flat colour with one fixed sun and an ambient term: the large surfaces
// (ground, road) cost a few instructions a pixel instead of the full PBR
// shader, which matters on a software rasteriser (lavapipe).
#import bevy_pbr::forward_io::VertexOutput

struct Flat {
    color: vec4<f32>,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> material: Flat;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let sun = normalize(vec3<f32>(0.35, 0.8, 0.45));
    let light = 0.6 + 0.4 * max(dot(normalize(in.world_normal), sun), 0.0);
    return vec4<f32>(material.color.rgb * light, material.color.a);
}
