//! The fault panel: buttons that inject faults into the plant or its sensors
//! (the same `Injection`s a scenario's fault list uses), and the latest events.

use bevy::prelude::*;
use evtwin_sim::Injection;

use crate::controls::{Action, button};
use crate::feed::Command;
use crate::shown::{Info, Shown};
use crate::ui;

/// Runs the fault panel.
pub struct FaultsPlugin;

impl Plugin for FaultsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FaultPanelOpen>()
            .add_systems(Startup, setup)
            .add_systems(Update, (show, events));
    }
}

/// The panel is open.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FaultPanelOpen(pub bool);

#[derive(Component)]
struct Panel;

#[derive(Component)]
struct EventsText;

fn hot_cell(group: usize) -> Injection {
    Injection::CellHeat {
        group,
        delta_c: 40.0,
    }
}

fn open_sensor(group: usize) -> Injection {
    Injection::CellTempSensorOpen { group }
}

fn volt_offset(group: usize) -> Injection {
    Injection::CellVoltageSensorOffset {
        group,
        offset_v: 0.6,
    }
}

fn setup(mut commands: Commands, info: Res<Info>) {
    let mut panel = commands.spawn((
        Panel,
        ui::panel(Node {
            right: px(10),
            top: px(330),
            width: px(300),
            ..default()
        }),
        Visibility::Hidden,
    ));
    panel.with_children(|p| {
        p.spawn(ui::text("Inject a fault", 15.0, ui::TEXT));
        if info.attached {
            p.spawn(ui::text(
                "(attach mode: nothing to inject into)",
                12.0,
                ui::DIM,
            ));
            p.spawn((EventsText, ui::text("", 12.0, ui::DIM)));
            return;
        }
        let list: [(&str, Action); 7] = [
            ("hottest cell +40 C", Action::InjectHottest(hot_cell)),
            ("its temp. sensor open", Action::InjectHottest(open_sensor)),
            (
                "its voltage sensor +0.6 V",
                Action::InjectHottest(volt_offset),
            ),
            (
                "current sensor +80 A",
                Action::Feed(Command::Inject(Injection::CurrentSensorOffset {
                    offset_a: 80.0,
                })),
            ),
            (
                "isolation 50 kohm",
                Action::Feed(Command::Inject(Injection::IsolationResistance {
                    ohm: 50e3,
                })),
            ),
            (
                "contactors weld",
                Action::Feed(Command::Inject(Injection::WeldedContactors)),
            ),
            ("clear injections", Action::Feed(Command::ClearInjections)),
        ];
        for (label, action) in list {
            p.spawn(button(label, action));
        }
        p.spawn((EventsText, ui::text("", 12.0, ui::DIM)));
    });
}

fn show(open: Res<FaultPanelOpen>, mut q: Query<&mut Visibility, With<Panel>>) {
    if !open.is_changed() {
        return;
    }
    for mut v in &mut q {
        *v = if open.0 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

fn events(shown: Res<Shown>, mut q: Query<&mut Text, With<EventsText>>) {
    let Some(latest) = &shown.latest else {
        return;
    };
    let lines = latest.events.join("\n");
    for mut t in &mut q {
        ui::set_text(&mut t, &lines);
    }
}
