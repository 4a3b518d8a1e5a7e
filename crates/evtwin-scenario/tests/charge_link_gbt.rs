//! Charge stops driven by GB/T 27930 (both sides in-process): the phases in
//! order, BCL/CCS exchanged, the summary's protocol block, the same trace
//! twice, and a muted charger seen by the vehicle's BEM.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use evtwin_can::gbt::{PGN_BCL, PGN_BEM, PGN_CCS, PGN_CST};
use evtwin_can::j1939::J1939Id;
use evtwin_scenario::charge_link::{
    ChargeLinkHook, LinkFault, LinkFaultKind, LinkOptions, LinkRecord, LinkSide, Protocol,
};
use evtwin_scenario::{RunOptions, Runner, Scenario, Summary};
use evtwin_sim::Status;

/// The reference sedan, 30 → `until` % at a 750 V / 250 A GB/T station.
fn gbt(until_pct: f64) -> Scenario {
    gbt_for(until_pct, 20)
}

/// The same, with the stop's time limit.
fn gbt_for(until_pct: f64, max_min: u32) -> Scenario {
    common::scenario(&gbt_text(until_pct, max_min))
}

/// The text of [`gbt_for`]'s scenario.
fn gbt_text(until_pct: f64, max_min: u32) -> String {
    format!(
        r#"
[scenario]
name = "gbt test"
[vehicle]
preset = "model3-rwd-2022"
[pack]
initial_soc_pct = 30
initial_temp_c = 25
[environment]
ambient_c = 25
[[route]]
charge = {{ station = "g", until_soc_pct = {until_pct}, max_duration_min = {max_min}, protocol = "gbt27930" }}
[stations.g]
max_power_kw = 120
max_voltage_v = 750
min_voltage_v = 200
max_current_a = 250
plug_in_s = 5
unplug_s = 5
"#
    )
}

/// Runs with an explicit hook (faults, a record) instead of the scenario's own.
fn run_with(s: &Scenario, faults: Vec<LinkFault>) -> (Summary, LinkRecord, Vec<u8>) {
    let mut bare = s.clone();
    bare.charge_protocols = vec![Protocol::None; s.charge_protocols.len()];
    let record = Arc::new(Mutex::new(LinkRecord::default()));
    let mut trace = Vec::new();
    let mut r = Runner::new(&bare, &RunOptions::default(), Some(&mut trace)).unwrap();
    r.add_hook(Box::new(ChargeLinkHook::new(
        s.charge_protocols.clone(),
        LinkOptions {
            faults,
            record: Some(record.clone()),
        },
    )));
    while r.step().unwrap() == Status::Running {}
    let summary = r.finish(false).unwrap().summary;
    let rec = record.lock().unwrap().clone();
    (summary, rec, trace)
}

fn pgn(f: &evtwin_can::Frame) -> u32 {
    J1939Id::from_can(f.id()).map_or(0, |id| id.pgn)
}

/// Frames of `pgn_` sent by `side` (delivered or not).
fn count(rec: &LinkRecord, side: LinkSide, pgn_: u32) -> usize {
    rec.frames
        .iter()
        .filter(|(_, s, f, _)| *s == side && pgn(f) == pgn_)
        .count()
}

/// The phases a side entered, in order.
fn phases(rec: &LinkRecord, side: LinkSide) -> Vec<String> {
    rec.events
        .iter()
        .filter(|(_, s, e)| *s == side && e.starts_with("Phase("))
        .map(|(_, _, e)| e.clone())
        .collect()
}

#[test]
fn a_gbt_stop_charges_to_its_target_with_the_conversation_driving_it() {
    let s = gbt(35.0);
    let (sum, rec, _) = run_with(&s, Vec::new());
    assert_eq!(sum.status, "finished");
    let c = &sum.charge_stops[0];
    assert_eq!(c.end, "target_soc");
    assert!(
        c.soc_end_pct >= 35.0 && c.soc_end_pct < 35.5,
        "{}",
        c.soc_end_pct
    );
    let p = c.protocol.as_ref().expect("a protocol report");
    assert_eq!(p.protocol, "gbt27930");
    assert_eq!(p.role, "both");
    assert_eq!(p.stop_reason.as_deref(), Some("bst(soc_reached)"));
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert_eq!(p.last_phase, "done");
    let order: Vec<String> = [
        "Handshake",
        "Recognition",
        "Parameters",
        "Charging",
        "Stopping",
        "Statistics",
        "Done",
    ]
    .iter()
    .map(|n| format!("Phase({n})"))
    .collect();
    assert_eq!(phases(&rec, LinkSide::Ev), order);
    assert_eq!(phases(&rec, LinkSide::Charger), order);
    // BCL and CCS every 50 ms while charging, one for the other.
    let bcl = count(&rec, LinkSide::Ev, PGN_BCL);
    let ccs = count(&rec, LinkSide::Charger, PGN_CCS);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let expect = (c.duration_s / 0.05) as usize;
    assert!(bcl > expect / 2 && bcl <= expect, "{bcl} BCL vs {expect}");
    assert!(ccs.abs_diff(bcl) <= 2, "{ccs} CCS vs {bcl} BCL");
    assert!(count(&rec, LinkSide::Charger, PGN_CST) >= 1);
    assert_eq!(count(&rec, LinkSide::Ev, PGN_BEM), 0);
    assert!(p.frames_sent > 1000, "{}", p.frames_sent);
    assert_eq!(p.frames_sent, p.frames_received);
    // The station's setpoint bounded the current: never above 250 A.
    assert!(
        c.peak_power_kw > 50.0 && c.peak_power_kw <= 120.0,
        "{}",
        c.peak_power_kw
    );
    let text = sum.render_text();
    assert!(
        text.contains("stopped by the ev: bst(soc_reached)"),
        "{text}"
    );
}

#[test]
fn a_gbt_stop_is_deterministic() {
    let s = gbt(32.0);
    let (a, ra, ta) = run_with(&s, Vec::new());
    let (b, rb, tb) = run_with(&s, Vec::new());
    assert!(!ta.is_empty());
    assert_eq!(ta, tb);
    assert_eq!(ra, rb);
    assert_eq!(
        format!("{:?}", a.charge_stops),
        format!("{:?}", b.charge_stops)
    );
    assert!(rb.frames.len() > 1000);
}

#[test]
fn a_muted_charger_ends_the_stop_with_the_vehicles_bem_after_three_reconnects() {
    let s = gbt(60.0);
    let (sum, rec, _) = run_with(
        &s,
        vec![LinkFault {
            at_s: 30.0,
            kind: LinkFaultKind::Mute(LinkSide::Charger),
        }],
    );
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(c.end, "aborted");
    assert_eq!(p.stop_reason.as_deref(), Some("bem(ccs)"));
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert!(count(&rec, LinkSide::Ev, PGN_BEM) >= 1);
    // The BCL watch is 1 s: the BEM comes 1 s after the last CCS delivered.
    let last_ccs = rec
        .frames
        .iter()
        .filter(|(_, s, f, d)| *s == LinkSide::Charger && *d && pgn(f) == PGN_CCS)
        .map(|(t, ..)| *t)
        .max()
        .unwrap();
    let bem = rec
        .frames
        .iter()
        .find(|(_, s, f, _)| *s == LinkSide::Ev && pgn(f) == PGN_BEM)
        .map(|(t, ..)| *t)
        .unwrap();
    assert!(
        bem > last_ccs && bem - last_ccs <= 1_050_000,
        "{last_ccs} {bem}"
    );
    assert!(c.soc_end_pct < 59.0);
    // Three reconnects, each a BEM (waiting 5 s for the station's CRM 0x00
    // that never comes), then the sides give up: the stop ends.
    assert_eq!(p.reconnects, 3, "{p:?}");
    let bems: Vec<u64> = rec
        .frames
        .iter()
        .filter(|(_, s, f, _)| *s == LinkSide::Ev && pgn(f) == PGN_BEM)
        .map(|(t, ..)| *t)
        .collect();
    let gave_up = rec
        .events
        .iter()
        .find(|(_, s, e)| *s == LinkSide::Ev && e == "Phase(GaveUp)")
        .map(|(t, ..)| *t)
        .expect("the car gives up");
    assert!(
        gave_up >= bem + 14_000_000 && gave_up <= bem + 16_500_000,
        "{bem} {gave_up}"
    );
    assert!(bems.len() > 3, "{}", bems.len());
    assert_eq!(p.last_phase, "gave_up");
}

#[test]
fn the_stations_time_limit_ends_the_stop_with_its_cst() {
    let s = gbt_for(90.0, 1);
    let (sum, rec, _) = run_with(&s, Vec::new());
    let c = &sum.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(c.end, "duration");
    assert_eq!(p.stop_reason.as_deref(), Some("cst(conditions_reached)"));
    assert_eq!(p.stopped_by.as_deref(), Some("charger"));
    assert_eq!(p.last_phase, "done");
    assert!(count(&rec, LinkSide::Charger, PGN_CST) >= 1);
    assert!(c.soc_end_pct < 40.0, "{}", c.soc_end_pct);
}

fn two_twins(s: &Scenario) -> (Summary, Summary, usize) {
    // GB/T's frames go between 0xF4 and 0x56 (the network's own charging
    // messages have other destinations).
    common::two_twins(s, |f| {
        J1939Id::from_can(f.id())
            .is_some_and(|id| matches!((id.sa, id.da), (0xF4, 0x56) | (0x56, 0xF4)))
    })
}

#[test]
fn car_and_station_in_two_twins_complete_a_gbt_session() {
    let s = gbt(33.0);
    let (car, station, n) = two_twins(&s);
    let (c, st) = (&car.charge_stops[0], &station.charge_stops[0]);
    let (pc, ps) = (c.protocol.as_ref().unwrap(), st.protocol.as_ref().unwrap());
    assert_eq!((pc.role.as_str(), ps.role.as_str()), ("ev", "charger"));
    // The car stops at its target with BST; the station answers it.
    assert_eq!(pc.stop_reason.as_deref(), Some("bst(soc_reached)"));
    assert_eq!(ps.stop_reason.as_deref(), Some("bst(soc_reached)"));
    assert_eq!(pc.stopped_by.as_deref(), Some("ev"));
    assert_eq!(ps.stopped_by.as_deref(), Some("ev"));
    assert_eq!(
        (pc.last_phase.as_str(), ps.last_phase.as_str()),
        ("done", "done")
    );
    assert_eq!(c.end, "target_soc");
    assert!(c.soc_end_pct >= 33.0, "{}", c.soc_end_pct);
    assert_eq!((pc.reconnects, ps.reconnects), (0, 0));
    // Both plants charged the same pack the same way: the station from its
    // setpoint, the car from the current the station's CCS reported (0.1 A).
    assert!(
        (c.energy_pack_kwh - st.energy_pack_kwh).abs() < 0.05 * c.energy_pack_kwh,
        "{} {}",
        c.energy_pack_kwh,
        st.energy_pack_kwh
    );
    assert!(c.energy_pack_kwh > 1.0);
    // Every frame one side sent (TP included), the other took, but for the
    // last period's at the end.
    assert!(pc.frames_sent >= ps.frames_received && pc.frames_sent - ps.frames_received <= 4);
    assert!(ps.frames_sent >= pc.frames_received && ps.frames_sent - pc.frames_received <= 4);
    assert_eq!(usize::try_from(pc.frames_sent + ps.frames_sent).unwrap(), n);
    assert!(pc.frames_sent > 1000, "{}", pc.frames_sent);
    // The station's insulation test and precharge (the defaults: 10 s + 2 s)
    // come before CRO 0xAA, on both sides' clocks.
    let (hc, hs) = (pc.handshake_s.unwrap(), ps.handshake_s.unwrap());
    assert!((12.0..13.0).contains(&hs), "station handshake {hs}");
    assert!((hc - hs).abs() < 0.3, "car {hc}, station {hs}");
}

#[test]
fn two_twins_at_the_time_limit_stop_together_and_exchange_statistics() {
    // Both twins reach the scenario's 1-minute limit together: the station
    // sends CST, the car (whose limit it is too) BST, in the same 10 ms:
    // each names its own, and both end with the statistics.
    let s = gbt_for(90.0, 1);
    let (car, station, _) = two_twins(&s);
    let (pc, ps) = (
        car.charge_stops[0].protocol.clone().unwrap(),
        station.charge_stops[0].protocol.clone().unwrap(),
    );
    assert_eq!(pc.stop_reason.as_deref(), Some("bst(soc_reached)"));
    assert_eq!(ps.stop_reason.as_deref(), Some("cst(conditions_reached)"));
    assert_eq!(
        (pc.last_phase.as_str(), ps.last_phase.as_str()),
        ("done", "done")
    );
    assert!(car.charge_stops[0].soc_end_pct < 40.0);
    assert!(car.charge_stops[0].energy_pack_kwh > 0.5);
}

#[test]
fn a_frozen_station_makes_the_car_send_bem_reconnect_three_times_and_give_up() {
    let s = gbt_for(60.0, 5);
    let (car, _, _) = common::two_twins_frozen(&s, |_| false, 30_000_000);
    let c = &car.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!(p.stop_reason.as_deref(), Some("bem(ccs)"), "{p:?}");
    assert_eq!(p.stopped_by.as_deref(), Some("ev"));
    assert_eq!(p.reconnects, 3);
    assert_eq!(p.last_phase, "gave_up");
    assert_eq!(c.end, "aborted");
    // The BEM 1 s after the last CCS (before 30 s), then 3 × 5 s waiting for
    // the station's CRM 0x00: the stop ends about 46 s after its start.
    assert!(
        c.duration_s > 45.0 && c.duration_s < 50.0,
        "{}",
        c.duration_s
    );
}

#[test]
fn a_car_that_aborts_its_own_bcp_transfers_times_out_with_a_real_station() {
    // The twin plays the car alone: its transport aborts each BCP
    // connection right after the RTS (reason 2). The station (another twin,
    // no fault) never gets BCP, so sends no CML: both 5 s waits (the car's
    // for CML, the station's for BCP) run out in the same instant, and the
    // car's BEM(cml) is the first error both see; three reconnects meet the
    // same aborts, then both give up.
    let fault = "[[fault]]\nname = \"abort-bcp\"\non = \"charge_start\"\n\
                 kind = \"charge_tp_abort\"\nmessage = \"BCP\"\n";
    let car = common::scenario(&format!("{}{fault}", gbt_text(60.0, 5)));
    let (car, station, _) = common::two_twins_apart(&car, &gbt_for(60.0, 5), |_| false);
    let (c, st) = (&car.charge_stops[0], &station.charge_stops[0]);
    let (pc, ps) = (c.protocol.as_ref().unwrap(), st.protocol.as_ref().unwrap());
    assert_eq!(pc.stop_reason.as_deref(), Some("bem(cml)"), "{pc:?}");
    assert_eq!(ps.stop_reason.as_deref(), Some("bem(cml)"), "{ps:?}");
    assert_eq!(
        (pc.stopped_by.as_deref(), ps.stopped_by.as_deref()),
        (Some("ev"), Some("ev"))
    );
    assert_eq!((pc.reconnects, ps.reconnects), (3, 3));
    assert_eq!(ps.last_phase, "gave_up");
    assert_eq!((c.energy_dc_kwh, st.energy_dc_kwh), (0.0, 0.0));
}
