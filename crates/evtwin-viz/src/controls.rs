//! Controls: keys and a button bar. Space pause, `.` step one second, 1–4
//! speed ×1/×10/×100/×1000, N next charge stop, C camera, M pack colours,
//! R relative colour scale, F fault panel, Esc quit.

use bevy::prelude::*;
use evtwin_sim::Injection;

use crate::camera::CameraMode;
use crate::feed::Command;
use crate::pack::PackColor;
use crate::shown::FeedRes;
use crate::ui;

/// What a button or key does.
#[derive(Component, Debug, Clone, Copy)]
pub enum Action {
    /// To the source.
    Feed(Command),
    /// Switch follow / orbit.
    Camera,
    /// Next pack colouring.
    Colour,
    /// Pack colours on a fixed or a relative scale.
    Relative,
    /// Show or hide the fault panel.
    FaultPanel,
    /// Inject into the hottest group (resolved when pressed).
    InjectHottest(fn(usize) -> Injection),
}

/// Runs the controls.
pub struct ControlsPlugin;

impl Plugin for ControlsPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<Acted>()
            .add_systems(Startup, setup)
            .add_systems(Update, (keys, buttons, act).chain());
    }
}

/// An action taken this frame.
#[derive(Message, Debug, Clone, Copy)]
pub struct Acted(pub Action);

const BAR: [(&str, Action); 11] = [
    ("pause", Action::Feed(Command::TogglePause)),
    ("step 1 s", Action::Feed(Command::Step)),
    ("x1", Action::Feed(Command::Speed(1.0))),
    ("x10", Action::Feed(Command::Speed(10.0))),
    ("x100", Action::Feed(Command::Speed(100.0))),
    ("x1000", Action::Feed(Command::Speed(1000.0))),
    ("next stop", Action::Feed(Command::NextStop)),
    ("camera", Action::Camera),
    ("colours", Action::Colour),
    ("relative", Action::Relative),
    ("faults", Action::FaultPanel),
];

/// A clickable button with `label`.
#[must_use]
pub fn button(label: &str, action: Action) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(px(8), px(4)),
            border: UiRect::all(px(1)),
            border_radius: BorderRadius::all(px(4)),
            ..default()
        },
        BackgroundColor(Color::srgb(0.16, 0.18, 0.24)),
        BorderColor::all(Color::srgb(0.35, 0.38, 0.45)),
        children![ui::text(label, 13.0, ui::TEXT)],
    )
}

fn setup(mut commands: Commands) {
    commands
        .spawn(ui::panel_in(
            Node {
                right: px(10),
                bottom: px(10),
                column_gap: px(4),
                ..default()
            },
            FlexDirection::Row,
        ))
        .with_children(|bar| {
            for (label, action) in BAR {
                bar.spawn(button(label, action));
            }
        });
}

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut out: MessageWriter<Acted>,
    mut exit: MessageWriter<AppExit>,
) {
    let map = [
        (KeyCode::Space, Action::Feed(Command::TogglePause)),
        (KeyCode::Period, Action::Feed(Command::Step)),
        (KeyCode::Digit1, Action::Feed(Command::Speed(1.0))),
        (KeyCode::Digit2, Action::Feed(Command::Speed(10.0))),
        (KeyCode::Digit3, Action::Feed(Command::Speed(100.0))),
        (KeyCode::Digit4, Action::Feed(Command::Speed(1000.0))),
        (KeyCode::KeyN, Action::Feed(Command::NextStop)),
        (KeyCode::KeyC, Action::Camera),
        (KeyCode::KeyM, Action::Colour),
        (KeyCode::KeyR, Action::Relative),
        (KeyCode::KeyF, Action::FaultPanel),
    ];
    for (k, a) in map {
        if keys.just_pressed(k) {
            out.write(Acted(a));
        }
    }
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
}

#[allow(clippy::type_complexity)]
fn buttons(
    mut q: Query<
        (&Interaction, &Action, &mut BackgroundColor),
        (Changed<Interaction>, With<Button>),
    >,
    mut out: MessageWriter<Acted>,
) {
    for (i, a, mut bg) in &mut q {
        bg.0 = match i {
            Interaction::Pressed => {
                out.write(Acted(*a));
                Color::srgb(0.3, 0.55, 0.35)
            }
            Interaction::Hovered => Color::srgb(0.24, 0.27, 0.35),
            Interaction::None => Color::srgb(0.16, 0.18, 0.24),
        };
    }
}

fn act(
    mut acted: MessageReader<Acted>,
    feed: Res<FeedRes>,
    shown: Res<crate::shown::Shown>,
    mut cam: ResMut<CameraMode>,
    mut colour: ResMut<PackColor>,
    mut panel: ResMut<crate::faults::FaultPanelOpen>,
) {
    for Acted(a) in acted.read() {
        match *a {
            Action::Feed(c) => feed.0.send(c),
            Action::Camera => cam.orbit = !cam.orbit,
            Action::Colour => colour.mode = colour.mode.next(),
            Action::Relative => colour.relative = !colour.relative,
            Action::FaultPanel => panel.0 = !panel.0,
            Action::InjectHottest(make) => {
                let g = shown.snapshot.hottest_group().unwrap_or(0);
                feed.0.send(Command::Inject(make(g)));
            }
        }
    }
}
