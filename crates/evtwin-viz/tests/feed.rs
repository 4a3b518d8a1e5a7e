//! The simulated source without a window: the controls' commands (run to a
//! time, step, speed, seek to the next charge stop, inject a fault) and what
//! it publishes.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use evtwin_sim::Injection;
use evtwin_viz::feed::{Command, Feed, Published};
use evtwin_viz::sim_feed;

fn scenario(name: &str) -> evtwin_scenario::Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    evtwin_scenario::load(&root.join("scenarios").join(name)).expect("scenario loads")
}

/// Waits (at most 60 s) for a frame that satisfies `ok`.
fn wait_for(feed: &Feed, what: &str, ok: impl Fn(&Published) -> bool) -> Arc<Published> {
    let start = Instant::now();
    loop {
        if let Some(p) = feed.latest()
            && ok(&p)
        {
            return p;
        }
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn run_to_pauses_there_and_step_adds_one_second() {
    let s = scenario("shanghai-beijing-ssb.toml");
    let feed = sim_feed::spawn(&s, None, 1.0).unwrap();
    feed.send(Command::RunTo(30.0));
    let p = wait_for(&feed, "t = 30 s, paused", |p| p.status.paused);
    assert!(
        (p.snapshot.time_s - 30.0).abs() < 1e-6,
        "{}",
        p.snapshot.time_s
    );
    assert_eq!(p.snapshot.groups.len(), 192);
    assert!(
        p.snapshot.speed_mps > 5.0,
        "driving off: {}",
        p.snapshot.speed_mps
    );
    assert!(p.snapshot.groups.iter().all(|g| g.temp_c.is_finite()));
    assert!(!p.history.power.is_empty());
    // Paused: time stands still.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(feed.latest().unwrap().snapshot.time_s, p.snapshot.time_s);
    feed.send(Command::Step);
    let p = wait_for(&feed, "one step", |p| {
        p.status.paused && p.snapshot.time_s > 30.5
    });
    assert!(
        (p.snapshot.time_s - 31.0).abs() < 1e-6,
        "{}",
        p.snapshot.time_s
    );
    // Playing at ×100 advances.
    feed.send(Command::Speed(100.0));
    feed.send(Command::TogglePause);
    let p = wait_for(&feed, "playing at x100", |p| p.snapshot.time_s > 40.0);
    assert!(!p.status.paused);
    assert_eq!(p.status.speed, 100.0);
}

#[test]
fn next_stop_seeks_to_the_charger_and_plugs_in() {
    let s = scenario("shanghai-beijing-ssb.toml");
    let feed = sim_feed::spawn(&s, None, 1.0).unwrap();
    feed.send(Command::NextStop);
    let p = wait_for(&feed, "the charge stop", |p| p.snapshot.charging());
    // Leg 1 is the stop after 620 km... of the shipped trip (leg 0 the drive).
    assert!(
        p.snapshot.odometer_m > 600_000.0,
        "{}",
        p.snapshot.odometer_m
    );
    assert_eq!(p.snapshot.speed_mps, 0.0);
    assert!(!p.status.seeking, "plays on after the seek");
}

#[test]
fn an_injected_hot_spot_shows_in_its_group_and_in_the_events() {
    let s = scenario("shanghai-beijing-ssb.toml");
    let feed = sim_feed::spawn(&s, None, 1.0).unwrap();
    feed.send(Command::RunTo(10.0));
    let before = wait_for(&feed, "t = 10 s", |p| p.status.paused);
    feed.send(Command::Inject(Injection::CellHeat {
        group: 7,
        delta_c: 40.0,
    }));
    feed.send(Command::Step);
    let after = wait_for(&feed, "after the injection", |p| {
        p.status.paused && p.snapshot.time_s > 10.5
    });
    let rise = after.snapshot.groups[7].temp_c - before.snapshot.groups[7].temp_c;
    assert!((35.0..=41.0).contains(&rise), "group 7 rose {rise} K");
    assert_eq!(after.snapshot.hottest_group(), Some(7));
    assert!(
        after.events.iter().any(|e| e.contains("injected CellHeat")),
        "{:?}",
        after.events
    );
    // A group that does not exist is refused, and said so.
    feed.send(Command::Inject(Injection::CellHeat {
        group: 999,
        delta_c: 1.0,
    }));
    let p = wait_for(&feed, "the refusal", |p| {
        p.events.iter().any(|e| e.contains("refused"))
    });
    assert!(p.events.last().unwrap().contains("999"), "{:?}", p.events);
}

#[test]
fn the_texts_at_a_charge_stop_say_what_happens() {
    use evtwin_viz::charger::display_lines;
    use evtwin_viz::hud::{hud_lines, range_km};
    use evtwin_viz::pack::status_lines;
    use evtwin_viz::shown::Info;

    let s = scenario("shanghai-beijing-ssb.toml");
    let info = Info::of_scenario(&s);
    let feed = sim_feed::spawn(&s, None, 1.0).unwrap();
    feed.send(Command::NextStop);
    let at_stop = wait_for(&feed, "plugged in", |p| p.snapshot.charging());
    feed.send(Command::RunTo(at_stop.snapshot.time_s + 300.0));
    let p = wait_for(&feed, "five minutes of charging", |p| p.status.paused);
    let snap = &p.snapshot;
    assert!(snap.charger_power_w > 100_000.0, "{}", snap.charger_power_w);

    let hud = hud_lines(&info, snap, &p.status);
    assert!(hud.contains("PAUSED"), "{hud}");
    assert!(hud.contains("charging: "), "{hud}");
    assert!(hud.contains("0 km/h"), "{hud}");
    // The range counts what was driven, not what the charger put back: about
    // SOC × 134 kWh / 143 Wh/km (the trip's figure), within 25 %.
    let range = range_km(&info, snap);
    let expected = snap.soc_est_pct / 100.0 * info.nominal_energy_wh / 143.0;
    assert!(
        (range / expected - 1.0).abs() < 0.25,
        "range {range} km vs {expected} km"
    );

    let display = display_lines(&info, 0, snap);
    assert!(display.starts_with("hpc-480"), "{display}");
    assert!(display.contains(" kW\n"), "{display}");
    assert!(display.contains("-> 80 %"), "{display}");
    assert!(
        display.contains("+ handshake"),
        "the handshake is over: {display}"
    );
    assert!(display.contains("min left"), "{display}");
    assert!(display_lines(&info, 9, snap).is_empty());

    let status = status_lines(snap);
    let hot = snap.hottest_group().unwrap();
    assert!(status.contains(&format!("hottest #{hot}:")), "{status}");
    assert!(status.contains("BMS fault: none"), "{status}");
}

/// A stop that runs CHAdeMO: the station's display names the protocol, its
/// phase and who plays which side, from the twin's charge link.
#[test]
fn the_station_display_shows_the_protocol_conversation() {
    use evtwin_viz::charger::display_lines;
    use evtwin_viz::shown::Info;

    let s = scenario("charge-protocol/chademo.toml");
    let info = Info::of_scenario(&s);
    let feed = sim_feed::spawn(&s, None, 1.0).unwrap();
    feed.send(Command::RunTo(120.0));
    let p = wait_for(&feed, "two minutes into the stop", |p| p.status.paused);
    let snap = &p.snapshot;
    let view = snap.protocol.as_ref().expect("a protocol runs the stop");
    assert_eq!(view.protocol, "chademo");
    assert_eq!(view.role, "both");
    let display = display_lines(&info, 0, snap);
    assert!(
        display.contains(&format!("CHAdeMO: {} (both sides simulated)", view.phase)),
        "{display}"
    );
    assert!(snap.charger_power_w > 10_000.0, "{}", snap.charger_power_w);
}
