//! Shared UI helpers: text styles and panels.

use bevy::prelude::*;

/// Panel background.
pub const PANEL_BG: Color = Color::srgba(0.04, 0.05, 0.08, 0.82);
/// Main text colour.
pub const TEXT: Color = Color::srgb(0.93, 0.95, 0.98);
/// Dim text colour.
pub const DIM: Color = Color::srgb(0.62, 0.66, 0.72);
/// Alarm colour.
pub const ALARM: Color = Color::srgb(1.0, 0.28, 0.22);

/// A text bundle of `size` px.
pub fn text(value: impl Into<String>, size: f32, color: Color) -> impl Bundle {
    (
        Text::new(value),
        TextFont {
            font_size: FontSize::Px(size),
            ..default()
        },
        TextColor(color),
    )
}

/// An absolutely placed panel, its children in a column.
pub fn panel(node: Node) -> impl Bundle {
    panel_in(node, FlexDirection::Column)
}

/// An absolutely placed panel, its children in `flex_direction`.
pub fn panel_in(node: Node, flex_direction: FlexDirection) -> impl Bundle {
    (
        Node {
            position_type: PositionType::Absolute,
            padding: UiRect::all(px(8)),
            flex_direction,
            row_gap: px(4),
            border_radius: BorderRadius::all(px(6)),
            ..node
        },
        BackgroundColor(PANEL_BG),
    )
}

/// Sets `text` to `value` only when it differs: touching a `Text` makes bevy
/// lay it out again.
pub fn set_text(text: &mut Mut<'_, Text>, value: &str) {
    if text.0 != value {
        value.clone_into(&mut text.0);
    }
}

/// `v` with `digits` decimals, or a dash when unknown.
#[must_use]
pub fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "-".to_owned()
    }
}
