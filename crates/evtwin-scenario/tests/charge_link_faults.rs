//! Faults in a charge stop's conversation written as scenario `[[fault]]`s
//! (no library hook): a dropped GB/T BCL, a muted side during the handshake,
//! a station fault (GB/T CST, CHAdeMO flag), a car's battery fault, a GB/T
//! transport connection aborted, a short mute the protocol rides out; the
//! report and the marks show them.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_scenario::charge_link::{
    ChargeLinkHook, LinkFaultKind, LinkOptions, LinkSide, Protocol,
};
use evtwin_scenario::hook::MarkKind;
use evtwin_scenario::{RunOptions, RunOutput, Runner};
use evtwin_sim::Status;

/// The reference sedan, 30 → `until` % at a 750 V / 250 A GB/T station (or a
/// 500 V / 125 A CHAdeMO one), with `faults` (TOML) and the protocol phase in
/// the trace every 10 ms.
fn scenario(protocol: &str, until_pct: f64, faults: &str) -> String {
    let (v, a) = if protocol == "chademo" {
        (500, 125)
    } else {
        (750, 250)
    };
    format!(
        r#"
[scenario]
name = "conversation faults"
[vehicle]
preset = "model3-rwd-2022"
[pack]
initial_soc_pct = 30
initial_temp_c = 25
[environment]
ambient_c = 25
[trace]
every_s = 0.01
signals = ["charge.protocol_phase"]
[[route]]
charge = {{ station = "s", until_soc_pct = {until_pct}, max_duration_min = 20, protocol = "{protocol}" }}
[stations.s]
max_power_kw = 120
max_voltage_v = {v}
min_voltage_v = 150
max_current_a = {a}
plug_in_s = 5
unplug_s = 5
{faults}
"#
    )
}

/// Runs scenario text: the run's output and its trace's (time s, phase code).
fn run(text: &str) -> (RunOutput, Vec<(f64, f64)>) {
    let s = common::scenario(text);
    let mut out = Vec::new();
    let mut r = Runner::new(&s, &RunOptions::default(), Some(&mut out)).unwrap();
    while r.step().unwrap() == Status::Running {}
    let o = r.finish(false).unwrap();
    let text = String::from_utf8(out).unwrap();
    let rows = text
        .lines()
        .skip(1)
        .map(|l| {
            let mut c = l.split(',');
            let t: f64 = c.next().unwrap().parse().unwrap();
            let p: f64 = c.next().unwrap().parse().unwrap();
            (t, p)
        })
        .collect();
    (o, rows)
}

/// One `[[fault]]` named `x`: `keys` are its lines (TOML).
fn fault(keys: &str) -> String {
    format!("[[fault]]\nname = \"x\"\n{keys}\n")
}

/// The protocol block of the run's first stop: (end, stop reason, stopped
/// by).
fn stop(o: &RunOutput) -> (String, String, String) {
    let c = &o.summary.charge_stops[0];
    let p = c.protocol.as_ref().expect("a protocol report");
    (
        c.end.clone(),
        p.stop_reason.clone().unwrap_or_default(),
        p.stopped_by.clone().unwrap_or_default(),
    )
}

/// When the trace's protocol phase code first is `code`, s.
fn first_phase(rows: &[(f64, f64)], code: f64) -> Option<f64> {
    rows.iter().find(|(_, p)| *p == code).map(|(t, _)| *t)
}

/// GB/T's phase codes in `charge.protocol_phase` (the charger's view: its
/// phase in the order of `evtwin_can::gbt::Phase`, plus 1).
const GBT_RECOGNITION: f64 = 3.0;
const GBT_PARAMETERS: f64 = 4.0;
const GBT_CHARGING: f64 = 5.0;
const GBT_STOPPING: f64 = 6.0;
const GBT_ERROR: f64 = 9.0;

#[test]
fn a_dropped_bcl_makes_the_charger_send_its_cem_one_second_later() {
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_drop\"\nmessage = \"BCL\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "cem(bcl)".into(), "charger".into())
    );
    assert!(o.summary.charge_stops[0].soc_end_pct < 35.0);
    // The fault is marked where it took effect, and reported.
    let m = &o.marks[0];
    assert_eq!((m.time_us, m.kind), (30_000_000, MarkKind::Start));
    assert_eq!(m.text, "x: GB/T BCL frames are lost (PGN 0x1000)");
    let f = &o.verdicts.faults[0];
    assert_eq!((f.kind.as_str(), f.start_s), ("charge_drop", Some(30.0)));
    // Charging from 17 s (the 5 s plug-in, then the station's 10 s
    // insulation test and 2 s precharge before its CRO 0xAA); BCL comes
    // every 50 ms, so the last one delivered left in [29.95, 30) s; the
    // charger's BCL watch is 1 s: its CEM (its error phase) comes 1 s after.
    let charging = first_phase(&rows, GBT_CHARGING).unwrap();
    assert!(
        (16.99..=17.05).contains(&charging),
        "charging at {charging} s"
    );
    let cem = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((30.95..=31.01).contains(&cem), "CEM at {cem} s");
    assert!(rows.iter().all(|(t, p)| *t >= cem || *p <= GBT_CHARGING));
    // The BCL stays lost: three reconnects meet the same silence.
    let p = o.summary.charge_stops[0].protocol.as_ref().unwrap();
    assert_eq!((p.reconnects, p.last_phase.as_str()), (3, "gave_up"));
}

#[test]
fn a_dropped_bcs_over_the_transport_makes_the_charger_send_its_cem_five_seconds_later() {
    // BCS goes over the J1939 transport (RTS/CTS): its TP.CM frames carry
    // its PGN and are lost, so the message is. BCS every 250 ms, a 5 s watch.
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_drop\"\nmessage = \"BCS\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "cem(bcs)".into(), "charger".into())
    );
    let cem = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((34.75..=35.01).contains(&cem), "CEM at {cem} s");
}

#[test]
fn a_station_that_never_answers_stalls_the_handshake_until_its_brm_timeout() {
    // The station's CHM never reaches the car, which waits; the station
    // hears no BHM (after 5 s it asks for the BRM anyway, CRM 0x00, as the
    // 2015 edition does for older cars) and no BRM: its CEM says BRM.
    let (o, rows) = run(&scenario(
        "gbt27930",
        40.0,
        &fault("on = \"charge_start\"\nkind = \"charge_mute\"\nside = \"charger\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "cem(brm)".into(), "charger".into())
    );
    assert_eq!(o.marks[0].time_us, 10_000, "the step after the plug-in");
    let c = &o.summary.charge_stops[0];
    assert_eq!(c.energy_dc_kwh, 0.0);
    assert!(first_phase(&rows, GBT_PARAMETERS).is_none());
    // Plug-in 5 s, the 5 s BHM wait, the 5 s BRM wait, then three
    // reconnects, each the 1 s restart delay and another 5 s BRM wait.
    assert!((c.duration_s - 33.0).abs() < 0.1, "{}", c.duration_s);
    assert_eq!(c.protocol.as_ref().unwrap().reconnects, 3);
}

#[test]
fn a_car_that_never_answers_times_out_at_the_recognition() {
    // The car hears CHM but its BHM and BRM are lost. Its own 5 s wait for
    // CRM 0x00 (from the CHM) ends at the instant the station, 5 s without
    // a BHM, sends its CRM 0x00: the car's BEM comes first.
    let (o, rows) = run(&scenario(
        "gbt27930",
        40.0,
        &fault("on = \"charge_start\"\nkind = \"charge_mute\"\nside = \"ev\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "bem(crm00)".into(), "ev".into())
    );
    assert_eq!(o.summary.charge_stops[0].energy_dc_kwh, 0.0);
    assert!(first_phase(&rows, GBT_PARAMETERS).is_none());
}

#[test]
fn a_car_that_falls_silent_while_charging_gets_the_chargers_cem_bcl() {
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_mute\"\nside = \"ev\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "cem(bcl)".into(), "charger".into())
    );
    let cem = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((30.95..=31.01).contains(&cem), "CEM at {cem} s");
}

#[test]
fn a_gbt_station_fault_ends_the_stop_with_its_cst() {
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_charger_fault\""),
    ));
    assert_eq!(
        stop(&o),
        (
            "aborted".into(),
            "cst(fault(other))".into(),
            "charger".into()
        )
    );
    // The CST, the car's BST and the statistics follow each other at one
    // instant: the stopping phase (or the next) from the fault's step.
    let t = rows
        .iter()
        .find(|(_, p)| (GBT_STOPPING..GBT_ERROR).contains(p))
        .map(|(t, _)| *t)
        .unwrap();
    assert!((30.0..=30.05).contains(&t), "CST at {t} s");
    assert!(first_phase(&rows, GBT_ERROR).is_none(), "no timeout");
}

#[test]
fn a_gbt_battery_fault_ends_the_stop_with_the_cars_bst() {
    let (o, _) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_ev_fault\""),
    ));
    assert_eq!(
        stop(&o),
        (
            "aborted".into(),
            "bst(fault(pack_over_temp))".into(),
            "ev".into()
        )
    );
}

#[test]
fn a_gbt_insulation_fault_stops_before_any_current() {
    let (o, _) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 0\nkind = \"charge_insulation_fault\""),
    ));
    assert_eq!(
        stop(&o),
        (
            "aborted".into(),
            "cst(fault(other))".into(),
            "charger".into()
        )
    );
    assert_eq!(o.summary.charge_stops[0].energy_dc_kwh, 0.0);
}

#[test]
fn a_mute_shorter_than_the_timeout_is_ridden_out() {
    // The CCS watch is 1 s: half a second of silence, then frames again.
    let (o, rows) = run(&scenario(
        "gbt27930",
        35.0,
        &fault("at_s = 30\nkind = \"charge_mute\"\nside = \"charger\"\nduration_s = 0.5"),
    ));
    assert_eq!(
        stop(&o),
        ("target_soc".into(), "bst(soc_reached)".into(), "ev".into())
    );
    assert!(first_phase(&rows, GBT_ERROR).is_none());
    let t: Vec<(u64, MarkKind)> = o.marks.iter().map(|m| (m.time_us, m.kind)).collect();
    assert_eq!(
        t,
        [(30_000_000, MarkKind::Start), (30_500_000, MarkKind::End)]
    );
    assert_eq!(o.verdicts.faults[0].end_s, Some(30.5));
}

#[test]
fn a_cleared_drop_delivers_again() {
    let faults = format!(
        "{}[[fault]]\nat_s = 30.6\nclear = \"x\"\n",
        fault("at_s = 30\nkind = \"charge_drop\"\nmessage = \"BCL\"")
    );
    let (o, rows) = run(&scenario("gbt27930", 35.0, &faults));
    assert_eq!(
        stop(&o),
        ("target_soc".into(), "bst(soc_reached)".into(), "ev".into())
    );
    assert!(first_phase(&rows, GBT_ERROR).is_none());
}

#[test]
fn overlapping_mutes_of_one_side_last_until_the_last_ends() {
    // 30.0–30.6 and 30.5–31.1: 1.1 s of silence together, past the car's
    // 1 s CCS watch (the first one's end must not unmute the second): its
    // BEM(ccs), then one reconnect that succeeds (the station speaks
    // again), and the stop reaches its target.
    let faults = "[[fault]]\nat_s = 30\nkind = \"charge_mute\"\nside = \"charger\"\nduration_s = 0.6\n\
                  [[fault]]\nat_s = 30.5\nkind = \"charge_mute\"\nside = \"charger\"\nduration_s = 0.6\n";
    let (o, rows) = run(&scenario("gbt27930", 35.0, faults));
    let error = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((30.95..=31.01).contains(&error), "BEM at {error} s");
    assert_eq!(stop(&o).0, "target_soc");
    let reconnects = |o: &RunOutput| {
        o.summary.charge_stops[0]
            .protocol
            .as_ref()
            .unwrap()
            .reconnects
    };
    assert_eq!(reconnects(&o), 1);
    // Each alone is ridden out without a reconnect.
    let (o, rows) = run(&scenario(
        "gbt27930",
        35.0,
        "[[fault]]\nat_s = 30\nkind = \"charge_mute\"\nside = \"charger\"\nduration_s = 0.6\n",
    ));
    assert_eq!(stop(&o).0, "target_soc");
    assert_eq!(reconnects(&o), 0);
    assert!(first_phase(&rows, GBT_ERROR).is_none());
}

#[test]
fn a_station_that_aborts_the_bcp_transfer_times_out_waiting_for_it() {
    // The station answers every RTS of BCP with TP.Conn_Abort (reason 2)
    // instead of a CTS: BCP never arrives, so no CML either. Both 5 s waits
    // run out at the same instant (the car's for CML, the station's for
    // BCP, both from the CRM 0xAA); the car's BEM(cml) is the first error.
    // Each of the three reconnects meets the same abort.
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("on = \"charge_start\"\nkind = \"charge_tp_abort\"\nmessage = \"BCP\""),
    ));
    assert_eq!(stop(&o), ("aborted".into(), "bem(cml)".into(), "ev".into()));
    let c = &o.summary.charge_stops[0];
    let p = c.protocol.as_ref().unwrap();
    assert_eq!((p.reconnects, p.last_phase.as_str()), (3, "gave_up"));
    assert_eq!(c.energy_dc_kwh, 0.0);
    assert!(first_phase(&rows, GBT_CHARGING).is_none());
    // The station never gets past its recognition (the parameters phase
    // begins with BCP): it begins at the plug-in's end, its error 5 s
    // later, then three reconnects (1 s restart, 5 s wait) end the stop.
    let rec = first_phase(&rows, GBT_RECOGNITION).unwrap();
    let error = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((5.0..=5.02).contains(&rec), "recognition at {rec} s");
    assert!((4.99..=5.02).contains(&(error - rec)), "{rec} -> {error}");
    assert!(first_phase(&rows, GBT_PARAMETERS).is_none());
    assert!((c.duration_s - 28.0).abs() < 0.1, "{}", c.duration_s);
    assert_eq!(
        o.marks[0].text,
        "x: GB/T BCP's transport connections are aborted (reason 2, resources needed)"
    );
}

#[test]
fn a_transport_abort_of_bcs_gives_cem_bcs_unless_it_ends_in_time() {
    let (o, rows) = run(&scenario(
        "gbt27930",
        60.0,
        &fault("at_s = 30\nkind = \"charge_tp_abort\"\nmessage = \"BCS\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "cem(bcs)".into(), "charger".into())
    );
    let cem = first_phase(&rows, GBT_ERROR).unwrap();
    assert!((34.75..=35.01).contains(&cem), "CEM at {cem} s");
    // 2 s of aborts, then the next BCS gets through: ridden out.
    let (o, rows) = run(&scenario(
        "gbt27930",
        35.0,
        &fault("at_s = 30\nkind = \"charge_tp_abort\"\nmessage = \"BCS\"\nduration_s = 2"),
    ));
    assert_eq!(
        stop(&o),
        ("target_soc".into(), "bst(soc_reached)".into(), "ev".into())
    );
    assert!(first_phase(&rows, GBT_ERROR).is_none());
}

#[test]
fn a_chademo_battery_fault_raises_the_cars_flag() {
    let (o, _) = run(&scenario(
        "chademo",
        40.0,
        &fault("at_s = 30\nkind = \"charge_ev_fault\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "ev_fault(high_temp)".into(), "ev".into())
    );
}

#[test]
fn a_chademo_station_malfunction_stops_the_car() {
    let (o, _) = run(&scenario(
        "chademo",
        40.0,
        &fault("at_s = 30\nkind = \"charge_charger_fault\""),
    ));
    assert_eq!(
        stop(&o),
        (
            "aborted".into(),
            "charger_malfunction".into(),
            "charger".into()
        )
    );
}

#[test]
fn lost_chademo_frames_by_identifier_make_the_side_that_waits_time_out() {
    // 0x102 written as a number: the station times out.
    let (o, _) = run(&scenario(
        "chademo",
        40.0,
        &fault("at_s = 30\nkind = \"charge_drop\"\nmessage = 0x102"),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "can_timeout".into(), "charger".into())
    );
    assert_eq!(o.marks[0].text, "x: CHAdeMO frames 0x102 are lost");
    // The station muted from the plug-in: the car times out.
    let (o, _) = run(&scenario(
        "chademo",
        40.0,
        &fault("on = \"charge_start\"\nkind = \"charge_mute\"\nside = \"charger\""),
    ));
    assert_eq!(
        stop(&o),
        ("aborted".into(), "can_timeout".into(), "ev".into())
    );
    assert_eq!(o.summary.charge_stops[0].energy_dc_kwh, 0.0);
    // Half a second of it is ridden out.
    let (o, _) = run(&scenario(
        "chademo",
        35.0,
        &fault("at_s = 30\nkind = \"charge_mute\"\nside = \"charger\"\nduration_s = 0.5"),
    ));
    assert_eq!(
        stop(&o),
        ("target_soc".into(), "ev_normal".into(), "ev".into())
    );
}

/// A GB/T scenario run with a library hook whose charger is muted through
/// its inbox from 30 s, and unmuted `after_us` later (never: `None`).
fn library_mute(after_us: Option<u64>) -> (String, String, String) {
    let s = common::scenario(&scenario("gbt27930", 35.0, ""));
    let mut bare = s.clone();
    bare.charge_protocols = vec![Protocol::None; s.charge_protocols.len()];
    let hook = ChargeLinkHook::new(s.charge_protocols.clone(), LinkOptions::default());
    let inbox = hook.inbox();
    let mut r = Runner::new(&bare, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    r.add_hook(Box::new(hook));
    let mute = LinkFaultKind::Mute(LinkSide::Charger);
    let (start_us, end_us) = (30_000_000, after_us.map(|a| 30_000_000 + a));
    while r.step().unwrap() == Status::Running {
        let now = r.now_us();
        if now == start_us {
            inbox.start(mute);
        }
        if Some(now) == end_us {
            inbox.end(mute);
        }
    }
    stop(&r.finish(false).unwrap())
}

#[test]
fn the_library_starts_and_ends_faults_through_the_hooks_inbox() {
    assert_eq!(
        library_mute(None),
        ("aborted".into(), "bem(ccs)".into(), "ev".into())
    );
    assert_eq!(
        library_mute(Some(500_000)),
        ("target_soc".into(), "bst(soc_reached)".into(), "ev".into())
    );
}

/// The load error of scenario text: `line:col: message`.
fn load_error(text: &str) -> String {
    let src = evtwin_scenario::Source {
        name: "t.toml".into(),
        text: text.into(),
    };
    match evtwin_scenario::from_source(&src, &common::shared("cycles")) {
        Ok(_) => panic!("loaded"),
        Err(e) => format!("{}:{}: {}", e.line, e.column, e.message),
    }
}

#[test]
fn conversation_faults_are_checked_at_load() {
    let line = |text: &str| {
        let k = text.lines().position(|l| l == "[[fault]]").unwrap();
        k + 3 // the line after `name`
    };
    // No protocol on the route: an error at `kind`.
    let text = scenario("none", 40.0, &fault("at_s = 1\nkind = \"charge_ev_fault\""))
        .replace("min_voltage_v = 150\n", "");
    let e = load_error(&text);
    assert_eq!(
        e,
        format!(
            "{}:8: a charge_ev_fault fault acts on a charge stop's conversation, and no charge \
             leg of the route names a protocol (`protocol = \"gbt27930\"` or `\"chademo\"`)",
            line(&text) + 1
        )
    );
    // A misspelt message: the choices of the route's protocol.
    let text = scenario(
        "gbt27930",
        40.0,
        &fault("at_s = 1\nkind = \"charge_drop\"\nmessage = \"BLC\""),
    );
    let e = load_error(&text);
    assert!(
        e.starts_with(&format!(
            "{}:11: `BLC` is not a message of the route's charging protocols (GB/T 27930: CHM, \
             BHM, CRM, BRM, BCP,",
            line(&text) + 2
        )),
        "{e}"
    );
    assert!(!e.contains("CHAdeMO"), "{e}");
    // A CHAdeMO identifier on a GB/T route.
    let text = scenario(
        "gbt27930",
        40.0,
        &fault("at_s = 1\nkind = \"charge_drop\"\nmessage = 0x102"),
    );
    assert!(load_error(&text).contains("`0x102` is not a message"));
    let text = scenario(
        "chademo",
        40.0,
        &fault("at_s = 1\nkind = \"charge_drop\"\nmessage = \"0x103\""),
    );
    assert!(
        load_error(&text).ends_with("(CHAdeMO: 0x100, 0x101, 0x102, 0x108, 0x109)"),
        "{}",
        load_error(&text)
    );
    // A side that is neither; a key the kind does not take.
    let text = scenario(
        "chademo",
        40.0,
        &fault("at_s = 1\nkind = \"charge_mute\"\nside = \"station\""),
    );
    assert_eq!(
        load_error(&text),
        format!(
            "{}:8: side `station`: \"ev\" or \"charger\"",
            line(&text) + 2
        )
    );
    let text = scenario(
        "chademo",
        40.0,
        &fault("at_s = 1\nkind = \"charge_ev_fault\"\nside = \"ev\""),
    );
    assert_eq!(
        load_error(&text),
        format!(
            "{}:8: a charge_ev_fault fault has no `side` (it takes no other keys)",
            line(&text) + 2
        )
    );
    let text = scenario("chademo", 40.0, &fault("at_s = 1\nkind = \"charge_mute\""));
    assert!(load_error(&text).ends_with("a charge_mute fault needs `side`"));
    // A transport abort: GB/T only, of a message sent over the transport.
    let text = scenario(
        "gbt27930",
        40.0,
        &fault("at_s = 1\nkind = \"charge_tp_abort\"\nmessage = \"BCL\""),
    );
    assert_eq!(
        load_error(&text),
        format!(
            "{}:11: `BCL` is not a GB/T 27930 message sent over the transport (BRM, BCP, BCS, \
             BMV, BMT)",
            line(&text) + 2
        )
    );
    let text = scenario(
        "chademo",
        40.0,
        &fault("at_s = 1\nkind = \"charge_tp_abort\"\nmessage = \"BCP\""),
    );
    assert!(
        load_error(&text).contains("8: a charge_tp_abort fault acts on GB/T 27930's transport"),
        "{}",
        load_error(&text)
    );
}
