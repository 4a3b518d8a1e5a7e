//! The slow-parameter refresh rule (on change of temperature or SOC) against a
//! refresh at every step, on whole drives: the bound of `pack::refresh` (each slow
//! parameter within 2ε, ε = `REFRESH_TOLERANCE`) carried to the energy figures.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::pack::REFRESH_TOLERANCE;

/// The reference sedan on `cycle` at `ambient_c`, step `step_ms`, refreshing at
/// least every `refresh_ms` (`None`: only on change, the default).
fn drive(cycle: &str, ambient_c: f64, step_ms: u32, refresh_ms: Option<u32>) -> evtwin_sim::Twin {
    let clock = refresh_ms.map_or(String::new(), |ms| format!("parameter_refresh_ms = {ms}\n"));
    let s = common::scenario(&format!(
        "[scenario]\nname = \"refresh\"\nstep_ms = {step_ms}\n{clock}\
         [vehicle]\npreset = \"model3-rwd-2022\"\n[environment]\nambient_c = {ambient_c}\n\
         [[route]]\ncycle = {{ file = \"{cycle}\", repeat = 2 }}\n"
    ));
    common::run(&s, |_| {})
}

#[test]
fn refreshing_on_change_stays_within_the_bound_of_refreshing_every_step() {
    for (cycle, ambient_c, step_ms) in [
        ("udds.csv", 20.0, 1000),
        ("us06.csv", 20.0, 1000),
        ("udds.csv", -10.0, 100),
    ] {
        let every = drive(cycle, ambient_c, step_ms, Some(step_ms));
        let lazy = drive(cycle, ambient_c, step_ms, None);
        let (a, b) = (every.ledger(), lazy.ledger());
        // Losses scale with resistance: within 2ε of each other. The energy out of
        // the terminals moves by that, and by what limits within 2ε (the BMS's
        // charge limit from the plating margin) change of the regenerated energy.
        let what = format!("{cycle} at {ambient_c} °C, {step_ms} ms");
        let loss_bound_j = 2.0 * REFRESH_TOLERANCE * a.battery_loss_j;
        assert!(
            (a.battery_loss_j - b.battery_loss_j).abs() <= loss_bound_j,
            "{what}: losses {} vs {} J",
            a.battery_loss_j,
            b.battery_loss_j
        );
        let bound_j = loss_bound_j + 2.0 * REFRESH_TOLERANCE * a.regen_j;
        assert!(
            (a.terminal_j - b.terminal_j).abs() <= bound_j,
            "{what}: terminal {} vs {} J (bound {bound_j})",
            a.terminal_j,
            b.terminal_j
        );
        assert_eq!(every.odometer_m(), lazy.odometer_m(), "{what}");
        // At most one group in ten refreshed per step, against every group at every step.
        let (n_every, n_lazy) = (
            every.pack().group_refreshes(),
            lazy.pack().group_refreshes(),
        );
        eprintln!(
            "{what}: {n_lazy} group refreshes against {n_every}; loss {} vs {} J, terminal {} vs {} J",
            a.battery_loss_j, b.battery_loss_j, a.terminal_j, b.terminal_j
        );
        assert!(n_lazy * 10 < n_every, "{what}: {n_lazy} vs {n_every}");
    }
}
