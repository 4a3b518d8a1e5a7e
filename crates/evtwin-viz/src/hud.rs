//! The HUD: speed, SOC (true and estimated), power, range estimate, cell
//! voltages and temperatures, BMS state and faults, the run's status.

use std::fmt::Write as _;

use bevy::prelude::*;

use crate::feed::SourceStatus;
use crate::model::{Snapshot, charge_phase_name, contactor_name, fault_name};
use crate::shown::{Info, Shown};
use crate::ui;

/// Consumption assumed before 2 km are driven, Wh/km.
const DEFAULT_WH_PER_KM: f64 = 170.0;

/// Draws the HUD.
pub struct HudPlugin;

impl Plugin for HudPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup).add_systems(Update, update);
    }
}

#[derive(Component)]
struct HudText;

#[derive(Component)]
struct Banner;

fn setup(mut commands: Commands) {
    commands
        .spawn(ui::panel(Node {
            left: px(10),
            top: px(10),
            width: px(330),
            ..default()
        }))
        .with_child((HudText, ui::text("waiting for data...", 15.0, ui::TEXT)));
    commands.spawn((
        Banner,
        ui::text("", 20.0, ui::ALARM),
        Node {
            position_type: PositionType::Absolute,
            top: px(10),
            left: percent(38),
            ..default()
        },
    ));
}

/// Range left at the trip's consumption so far, km. The energy spent is the
/// pack's net output plus what the chargers put back (net output alone drops at
/// every charge stop).
#[must_use]
pub fn range_km(info: &Info, s: &Snapshot) -> f64 {
    let km = s.odometer_m / 1000.0;
    let spent_wh = s.terminal_wh + s.charger_dc_wh.max(0.0);
    let wh_per_km = if km > 2.0 && spent_wh > 0.0 {
        spent_wh / km
    } else {
        DEFAULT_WH_PER_KM
    };
    s.soc_est_pct / 100.0 * info.nominal_energy_wh / wh_per_km
}

/// The HUD's text.
#[must_use]
pub fn hud_lines(info: &Info, s: &Snapshot, st: &SourceStatus) -> String {
    let clock = if s.time_s.is_finite() {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let t = s.time_s.max(0.0) as u64;
        format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
    } else {
        "-".to_owned()
    };
    let run = if st.paused {
        "PAUSED".to_owned()
    } else if st.seeking {
        "seeking...".to_owned()
    } else if info.attached {
        format!("live | {} frames, {} rejected", st.frames, st.rejected)
    } else {
        format!("x{}{}", st.speed, if st.behind { " (behind)" } else { "" })
    };
    let mut out = format!(
        "{clock}  {run}\n{} km/h  {} km  grade {} %\nSOC {} % (BMS {} %)\nrange ~{} km\n\
         pack {} kW  {} V  {} A\ncells {}-{} V\ncells {}-{} C  ambient {} C{}\ncontactors {}",
        ui::num(s.speed_mps * 3.6, 0),
        ui::num(s.odometer_m / 1000.0, 1),
        ui::num(s.grade_pct, 1),
        ui::num(s.soc_pct, 1),
        ui::num(s.soc_est_pct, 1),
        ui::num(range_km(info, s), 0),
        ui::num(s.pack_power_w / 1000.0, 1),
        ui::num(s.pack_voltage_v, 0),
        ui::num(s.pack_current_a, 0),
        ui::num(s.cell_v_min_v, 3),
        ui::num(s.cell_v_max_v, 3),
        ui::num(s.temp_min_c, 1),
        ui::num(s.temp_max_c, 1),
        ui::num(s.ambient_c, 0),
        if s.ambient_c < 0.0 { " (frost)" } else { "" },
        contactor_name(s.contactor_state),
    );
    if s.charging() {
        let _ = write!(out, "\ncharging: {}", charge_phase_name(s.charger_phase));
    }
    let _ = write!(out, "\nBMS fault: {}", fault_name(s.fault_code));
    out
}

fn update(
    shown: Res<Shown>,
    info: Res<Info>,
    mut hud: Query<&mut Text, (With<HudText>, Without<Banner>)>,
    mut banner: Query<&mut Text, (With<Banner>, Without<HudText>)>,
) {
    let Some(latest) = &shown.latest else {
        return;
    };
    let lines = hud_lines(&info, &shown.snapshot, &latest.status);
    for mut t in &mut hud {
        ui::set_text(&mut t, &lines);
    }
    let s = &shown.snapshot;
    let banner_text = match &latest.status.finished {
        Some(why) => why.clone(),
        None if s.fault_code > 0.5 => format!("! BMS fault: {}", fault_name(s.fault_code)),
        None => String::new(),
    };
    for mut t in &mut banner {
        ui::set_text(&mut t, &banner_text);
    }
}
