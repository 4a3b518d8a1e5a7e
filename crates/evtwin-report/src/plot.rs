//! The report's SVG plots (plotters): quantities against time with the faults
//! (orange) and the expectation windows (blue, red when failed) marked on the
//! time axis, and charge power against SOC.

use plotters::prelude::*;

use crate::model::ScenarioReport;
use crate::record::Sample;

const SIZE: (u32, u32) = (600, 260);
/// Colour of a fault's span.
pub(crate) const FAULT: RGBColor = RGBColor(230, 140, 0);
/// Colour of a passed expectation's window.
pub(crate) const PASS: RGBColor = RGBColor(40, 100, 220);
/// Colour of a failed expectation's window.
pub(crate) const FAIL: RGBColor = RGBColor(210, 20, 20);
const LINES: [RGBColor; 2] = [RGBColor(20, 60, 160), RGBColor(200, 80, 20)];

/// A series: its label and its value in a sample.
type Series = (&'static str, fn(&Sample) -> f64);

/// A time plot: a title, the y unit, the series.
struct TimePlot {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    series: &'static [Series],
}

const TIME_PLOTS: [TimePlot; 5] = [
    TimePlot {
        id: "speed",
        title: "Speed",
        unit: "km/h",
        series: &[("speed", |s| s.speed_kph)],
    },
    TimePlot {
        id: "soc",
        title: "SOC: true and as the BMS estimates it",
        unit: "%",
        series: &[("true", |s| s.soc_pct), ("estimated", |s| s.soc_est_pct)],
    },
    TimePlot {
        id: "power",
        title: "Pack power (positive discharging)",
        unit: "kW",
        series: &[("pack", |s| s.pack_power_kw)],
    },
    TimePlot {
        id: "cell-voltage",
        title: "Cell voltage: lowest and highest group",
        unit: "V",
        series: &[("min", |s| s.cell_v_min_v), ("max", |s| s.cell_v_max_v)],
    },
    TimePlot {
        id: "temperature",
        title: "Cell temperature: coldest and hottest group",
        unit: "°C",
        series: &[("min", |s| s.temp_min_c), ("max", |s| s.temp_max_c)],
    },
];

/// A span on the time axis and its colour.
struct Span {
    from_s: f64,
    to_s: f64,
    color: RGBColor,
}

fn spans(r: &ScenarioReport, end_s: f64) -> Vec<Span> {
    let mut v = Vec::new();
    let thin = (end_s / 300.0).max(1e-3);
    for f in &r.faults {
        if let Some(a) = f.start_s {
            let b = f.end_s.unwrap_or(end_s);
            v.push(Span {
                from_s: a,
                to_s: b.max(a + thin),
                color: FAULT,
            });
        }
    }
    for c in &r.testcases {
        let color = if c.is_bad() { FAIL } else { PASS };
        if let Some((a, b)) = c.window_s {
            v.push(Span {
                from_s: a,
                to_s: b.max(a + thin),
                color,
            });
        }
        if let Some(t) = c.decided_at_s {
            v.push(Span {
                from_s: t,
                to_s: t + thin,
                color,
            });
        }
    }
    v
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(0.5);
    (lo - pad, hi + pad)
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn time_plot(
    p: &TimePlot,
    samples: &[Sample],
    spans: &[Span],
    end_s: f64,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (y0, y1) = range(
            samples
                .iter()
                .flat_map(|s| p.series.iter().map(move |(_, f)| f(s))),
        );
        let x1 = end_s.max(1.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(p.title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc(p.unit)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(spans.iter().map(|s| {
                Rectangle::new([(s.from_s, y0), (s.to_s, y1)], s.color.mix(0.25).filled())
            }))
            .map_err(err)?;
        for (i, (label, f)) in p.series.iter().enumerate() {
            let color = LINES[i % LINES.len()];
            chart
                .draw_series(LineSeries::new(
                    samples.iter().map(|s| (s.time_s, f(s))),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        if p.series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

fn charge_plot(samples: &[Sample]) -> Result<String, String> {
    let charging: Vec<&Sample> = samples.iter().filter(|s| s.charge_power_kw > 0.0).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (y0, y1) = range(charging.iter().map(|s| s.charge_power_kw).chain([0.0]));
        let mut chart = ChartBuilder::on(&root)
            .caption("Charge power against SOC", ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..100.0, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("SOC (%)")
            .y_desc("kW")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                charging
                    .iter()
                    .map(|s| Circle::new((s.soc_pct, s.charge_power_kw), 2, LINES[0].filled())),
            )
            .map_err(err)?;
        if charging.is_empty() {
            root.draw(&Text::new(
                "no charging in this run",
                (
                    i32::try_from(SIZE.0 / 2).unwrap_or(0) - 80,
                    i32::try_from(SIZE.1 / 2).unwrap_or(0),
                ),
                ("sans-serif", 14),
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The plots of a scenario as (id, SVG) pairs; none without a recording.
pub(crate) fn plots(r: &ScenarioReport) -> Result<Vec<(&'static str, String)>, String> {
    let Some(rec) = r.recording.as_ref().filter(|rec| !rec.samples.is_empty()) else {
        return Ok(Vec::new());
    };
    let end_s = rec
        .samples
        .last()
        .map_or(0.0, |s| s.time_s)
        .max(r.duration_s);
    let spans = spans(r, end_s);
    let mut out = Vec::new();
    for p in &TIME_PLOTS {
        out.push((p.id, time_plot(p, &rec.samples, &spans, end_s)?));
    }
    out.push(("charge-power-soc", charge_plot(&rec.samples)?));
    Ok(out)
}
