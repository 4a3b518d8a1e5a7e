//! The winter range breakdown: against the same route at 25 °C, its parts add up
//! to the range lost, and its reference is the shipped 25 °C study's range.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_scenario::{Quiet, RunOptions, Summary, load, run, winter};

fn summary_of(name: &str) -> (evtwin_scenario::Scenario, Summary) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/winter-range")
        .join(name);
    let s = load(&path).map_err(|e| e.render()).unwrap();
    let out = run(
        &s,
        &RunOptions::default(),
        None::<std::io::Sink>,
        &mut Quiet,
    )
    .unwrap();
    (s, out.summary)
}

#[test]
fn the_breakdown_adds_up_against_the_same_route_at_25c() {
    let (cold_s, mut cold) = summary_of("sulfide-minus20c.toml");
    let (_, warm) = summary_of("sulfide-plus25c.toml");
    winter::add_range_breakdown(&cold_s, &mut cold, &mut Quiet).unwrap();
    let b = cold.range_breakdown.unwrap();
    // The reference is the shipped 25 °C study (same route, seed and pack).
    assert_eq!(b.reference_range_km, warm.estimated_range_km.unwrap());
    let lost = b.reference_range_km - cold.estimated_range_km.unwrap();
    assert!((b.total_km() - lost).abs() < 1e-9 * lost, "{b:?} vs {lost}");
    // City driving at −20 °C: heat dominates, cabin first.
    assert!(b.cabin_heating_km > b.pack_heating_km && b.pack_heating_km > 0.0);
    assert!(b.cabin_heating_km + b.pack_heating_km > 0.9 * lost);
    assert!(b.air_density_km > 0.0 && b.cell_losses_km > 0.0);
    // The thermal system has the pack warm by the end of the drive, where range
    // takes its temperature: no capacity out of reach (to the rounding of usable
    // energy recovered as range × consumption).
    assert!(b.capacity_km.abs() < 1e-9, "{}", b.capacity_km);
    let text = cold.render_text();
    assert!(text.contains("km at 25 °C:"), "{text}");
    // At 25 °C there is nothing to break down.
    let (warm_s, mut warm) = summary_of("sulfide-plus25c.toml");
    winter::add_range_breakdown(&warm_s, &mut warm, &mut Quiet).unwrap();
    assert!(warm.range_breakdown.is_none());
}
