//! Replay against the analytic circuit; HPPC synthesised from a known table with
//! sensor noise, fitted back.

use super::hppc::{FitSettings, fit};
use super::*;
use crate::cell::tests::test_cell;
use crate::cell::{CellRow, CellTable};

/// A cell with a known two-RC table: NMC-like OCV, resistances rising towards
/// empty, τ1 = 4 s and τ2 = 45 s, at one temperature.
fn known_cell() -> CellSpec {
    let ocv = [
        3.50, 3.60, 3.66, 3.71, 3.76, 3.82, 3.90, 3.98, 4.06, 4.13, 4.20,
    ];
    let rows: Vec<CellRow> = (0..=10_u8)
        .map(|k| {
            let soc = f64::from(k) / 10.0;
            let r = 1.0 + 0.6 * (1.0 - soc).powi(3);
            CellRow {
                soc,
                temp_c: 25.0,
                ocv_v: ocv[usize::from(k)],
                r0_ohm: 0.012 * r,
                r1_ohm: 0.006 * r,
                c1_f: 4.0 / (0.006 * r),
                r2_ohm: 0.009 * r,
                c2_f: 45.0 / (0.009 * r),
                anode_ocp_v: None,
            }
        })
        .collect();
    let mut cell = test_cell();
    cell.table = CellTable::from_rows(&rows).unwrap();
    cell
}

fn settings(soc: f64) -> ReplaySettings {
    ReplaySettings {
        soc,
        temp_c: 25.0,
        parallel: 1,
        step_s: 0.1,
        cooling_w_per_k: None,
    }
}

#[test]
fn replay_follows_the_analytic_two_rc_response() {
    let cell = known_cell();
    // 0.5 s samples: 20 A for 30 s, then rest.
    let t: Vec<f64> = (0..=200).map(|k| f64::from(k) * 0.5).collect();
    let i: Vec<f64> = t
        .iter()
        .map(|&x| if x > 0.0 && x <= 30.0 { 20.0 } else { 0.0 })
        .collect();
    // From 95 %: the resistances barely move with SOC there (×1.000075…1.0003).
    let rows = replay(&cell, &Series::new(t, i), &settings(0.95)).unwrap();
    let (r0, r1, r2) = (0.012, 0.006, 0.009);
    for row in &rows {
        let z = row.soc;
        let ocv = 4.13 + (4.20 - 4.13) * (z - 0.9) / 0.1;
        let branch = |r: f64, tau: f64| {
            let on = row.time_s.min(30.0);
            -20.0 * r * (1.0 - (-on / tau).exp()) * (-(row.time_s - on) / tau).exp()
        };
        let want = ocv - row.current_a * r0 + branch(r1, 4.0) + branch(r2, 45.0);
        assert!(
            (row.voltage_v - want).abs() < 2e-4,
            "t={}: {} vs {want}",
            row.time_s,
            row.voltage_v
        );
    }
    // 600 A·s out of 5 Ah.
    assert!((rows[0].soc - rows[200].soc - 600.0 / 18_000.0).abs() < 1e-12);
}

/// The HPPC protocol, sampled at 10 Hz: from 95 % after a 30-minute rest, at each
/// level a 10 s 1C discharge pulse, 40 s rest, a 10 s 0.75C charge pulse, 40 s
/// rest, then C/2 down by 10 % and 30 minutes of rest.
fn hppc_current() -> Vec<f64> {
    let mut current = vec![0.0; 18_001];
    for _ in 0..8 {
        for (amps, samples) in [
            (5.0, 100),
            (0.0, 400),
            (-3.75, 100),
            (0.0, 400),
            (2.5, 7200),
            (0.0, 18_000),
        ] {
            current.extend(std::iter::repeat_n(amps, samples));
        }
    }
    current
}

/// HPPC data from `cell` with sensor noise: voltage σ 1 mV, current σ 10 mA
/// (seeded).
fn synthetic_hppc(cell: &CellSpec) -> Series {
    let current = hppc_current();
    let t: Vec<f64> = (0..current.len()).map(|k| k as f64 * 0.1).collect();
    let rows = replay(
        cell,
        &Series::new(t.clone(), current.clone()),
        &settings(0.95),
    )
    .unwrap();
    let mut rng = Rng::new(14);
    let v: Vec<f64> = rows
        .iter()
        .map(|r| r.voltage_v + 0.001 * rng.standard_normal())
        .collect();
    let i: Vec<f64> = current
        .iter()
        .map(|x| x + 0.01 * rng.standard_normal())
        .collect();
    Series::new(t, i).with_voltage(v)
}

#[test]
fn hppc_fit_recovers_a_known_table_within_its_tolerances() {
    let cell = known_cell();
    let data = synthetic_hppc(&cell);
    let s = FitSettings {
        capacity_ah: Some(5.0),
        initial_soc: 0.95,
        soc_round: 0.001,
        ..FitSettings::default()
    };
    let got = fit(&data, &s).unwrap();
    assert_eq!(got.pulses.len(), 16);
    assert_eq!(got.rows.len(), 8);
    for p in &got.pulses {
        let want = cell.table.params(p.soc, 25.0);
        let rel = |a: f64, b: f64| (a / b - 1.0).abs();
        let what = format!("pulse at {} s, SOC {:.3}: {p:?}", p.start_s, p.soc);
        // The stated tolerances for 1 mV / 10 mA noise on 10 s pulses at 10 Hz
        // (the README's; the fit without noise is within 2 % / 10 % for τ2).
        assert!(rel(p.r0_ohm, want.r0_ohm) < 0.03, "R0 {what}");
        assert!(rel(p.r1_ohm, want.r1_ohm) < 0.08, "R1 {what}");
        assert!(rel(p.tau1_s, 4.0) < 0.15, "τ1 {what}");
        assert!(rel(p.r2_ohm, want.r2_ohm) < 0.20, "R2 {what}");
        assert!(rel(p.tau2_s, 45.0) < 0.30, "τ2 {what}");
        assert!((p.ocv_v - want.ocv_v).abs() < 0.001, "OCV {what}");
        // The residual is the noise.
        assert!(p.rms_v < 0.0012 && p.rms_v > 0.0008, "rms {what}");
    }
    let table = got.table().unwrap();
    for row in &got.rows {
        let want = cell.table.params(row.soc, 25.0);
        assert!((row.ocv_v - want.ocv_v).abs() < 0.001, "{row:?}");
        assert!((table.params(row.soc, 25.0).r0_ohm / want.r0_ohm - 1.0).abs() < 0.03);
    }
}

#[test]
fn a_one_rc_fit_leaves_the_second_branch_out() {
    let data = synthetic_hppc(&known_cell());
    let s = FitSettings {
        rc_branches: 1,
        capacity_ah: Some(5.0),
        initial_soc: 0.95,
        ..FitSettings::default()
    };
    let got = fit(&data, &s).unwrap();
    assert_eq!(got.table().unwrap().rc_branches(), 1);
    // One branch cannot follow two: larger residuals than the noise.
    assert!(got.pulses.iter().any(|p| p.rms_v > 0.0015));
}

/// `known_cell` measured at 0 °C as well, every resistance doubled there.
fn two_temperature_cell() -> CellSpec {
    let mut cell = known_cell();
    let mut rows = Vec::new();
    for temp_c in [0.0, 25.0] {
        let k = if temp_c < 1.0 { 2.0 } else { 1.0 };
        for z in 0..=10_u8 {
            let soc = f64::from(z) / 10.0;
            let p = cell.table.params(soc, 25.0);
            rows.push(CellRow {
                soc,
                temp_c,
                ocv_v: p.ocv_v,
                r0_ohm: p.r0_ohm * k,
                r1_ohm: p.r1_ohm * k,
                c1_f: p.c1_f / k,
                r2_ohm: p.r2_ohm * k,
                c2_f: p.c2_f / k,
                anode_ocp_v: None,
            });
        }
    }
    cell.table = CellTable::from_rows(&rows).unwrap();
    cell
}

#[test]
fn hppc_at_two_temperatures_gives_a_table_over_both() {
    let cell = two_temperature_cell();
    let current = hppc_current();
    let n = current.len();
    let (mut t, mut i, mut v, mut temp, mut soc) = (vec![], vec![], vec![], vec![], vec![]);
    for (k, temp_c) in [25.0, 0.0].into_iter().enumerate() {
        let times: Vec<f64> = (0..n).map(|j| j as f64 * 0.1).collect();
        let s = ReplaySettings {
            temp_c,
            ..settings(0.95)
        };
        let rows = replay(&cell, &Series::new(times, current.clone()), &s).unwrap();
        for r in rows {
            // The second test follows the first after a gap.
            t.push(r.time_s + k as f64 * 30_000.0);
            i.push(r.current_a);
            v.push(r.voltage_v);
            temp.push(temp_c);
            soc.push(r.soc);
        }
    }
    let data = Series::new(t, i)
        .with_voltage(v)
        .with_temp_and_soc(temp, soc);
    let s = FitSettings {
        soc_round: 0.001,
        ..FitSettings::default()
    };
    let got = fit(&data, &s).unwrap();
    assert_eq!(got.rows.len(), 16);
    let table = got.table().unwrap();
    assert_eq!(table.axes().b(), [0.0, 25.0]);
    for row in &got.rows {
        let want = cell.table.params(row.soc, row.temp_c);
        assert!((row.r0_ohm / want.r0_ohm - 1.0).abs() < 0.02, "{row:?}");
        assert!((row.r1_ohm / want.r1_ohm - 1.0).abs() < 0.05, "{row:?}");
    }
}
