//! The run summary: what a person reads after a run (text) and what a machine
//! reads (JSON, unit-suffixed keys).

use std::fmt::Write as _;

use serde::Serialize;

/// The pack, as built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackSummary {
    /// Cell chemistry preset.
    pub chemistry: String,
    /// Series groups.
    pub series: usize,
    /// Cells per group.
    pub parallel: usize,
    /// Rated capacity, Ah.
    pub capacity_ah: f64,
    /// Nominal energy at 25 °C, kWh.
    pub nominal_energy_kwh: f64,
    /// Nominal voltage, V.
    pub nominal_voltage_v: f64,
    /// Pack mass (cells over the cell-to-pack ratio), kg.
    pub mass_kg: f64,
    /// Cell energy per mass, Wh/kg.
    pub cell_wh_per_kg: f64,
    /// Cell energy per volume, Wh/L.
    pub cell_wh_per_l: f64,
    /// Pack energy per mass, Wh/kg.
    pub pack_wh_per_kg: f64,
    /// Pack energy per volume, Wh/L.
    pub pack_wh_per_l: f64,
}

/// One charge stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChargeStopSummary {
    /// 0-based leg index.
    pub leg: usize,
    /// Station name.
    pub station: String,
    /// Plug-in time, s.
    pub start_s: f64,
    /// Time at the station, plug-in to unplug, s.
    pub duration_s: f64,
    /// Plug-in to first current (handshake, insulation test, precharge), s.
    pub setup_s: f64,
    /// SOC at plug-in, %.
    pub soc_start_pct: f64,
    /// SOC at unplug, %.
    pub soc_end_pct: f64,
    /// From the grid, kWh.
    pub energy_grid_kwh: f64,
    /// DC from the station, kWh.
    pub energy_dc_kwh: f64,
    /// Into the pack terminals, kWh.
    pub energy_pack_kwh: f64,
    /// The car's auxiliaries while plugged in, kWh.
    pub aux_kwh: f64,
    /// Station losses: grid energy neither stored in the pack nor used by the
    /// auxiliaries, kWh.
    pub losses_kwh: f64,
    /// Highest DC power, kW.
    pub peak_power_kw: f64,
    /// Mean DC power, kW.
    pub mean_power_kw: f64,
    /// 10 → 80 % time, s, if both were crossed during the stop.
    pub time_10_to_80_s: Option<f64>,
    /// Why it ended.
    pub end: String,
    /// The charging protocol's account, when one drove the stop (absent
    /// from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<ProtocolSummary>,
}

/// What a charging protocol reported about one charge stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolSummary {
    /// `chademo` or `gbt27930`.
    pub protocol: String,
    /// Which sides the twin played: `both`, `ev` (a real charger), `charger`
    /// (a real car).
    pub role: String,
    /// Start of the conversation to the parameters agreed, charging enabled
    /// and the connector locked, s.
    pub handshake_s: Option<f64>,
    /// Protocol frames the twin's sides sent.
    pub frames_sent: u64,
    /// Protocol frames the twin's sides received and took.
    pub frames_received: u64,
    /// Why the conversation stopped, in the protocol's words.
    pub stop_reason: Option<String>,
    /// Who stopped it: `ev` or `charger`.
    pub stopped_by: Option<String>,
    /// Reconnect attempts after communication errors (GB/T: up to three).
    pub reconnects: u32,
    /// The protocol's phase at the end of the stop.
    pub last_phase: String,
}

/// A fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultSummary {
    /// Stable code.
    pub code: String,
    /// Virtual time, s.
    pub time_s: f64,
    /// Odometer, km.
    pub odometer_km: f64,
    /// Description.
    pub message: String,
}

/// Where the energy went over the run, kWh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyBreakdown {
    /// Chemical energy out of the cells.
    pub chemical_kwh: f64,
    /// R0 and RC-branch losses.
    pub battery_loss_kwh: f64,
    /// Aerodynamic drag.
    pub drag_kwh: f64,
    /// Rolling resistance.
    pub rolling_kwh: f64,
    /// Net climbing.
    pub grade_kwh: f64,
    /// Net change of kinetic energy.
    pub kinetic_kwh: f64,
    /// Friction brakes.
    pub friction_brake_kwh: f64,
    /// Motor and inverter losses.
    pub motor_loss_kwh: f64,
    /// Gear losses.
    pub transmission_loss_kwh: f64,
    /// Auxiliaries and HVAC (the pack's thermal system included).
    pub aux_kwh: f64,
    /// Of which the pack's thermal system (heater, chiller, pump).
    pub thermal_kwh: f64,
    /// Bled by cell balancing.
    pub balancing_kwh: f64,
    /// Regenerated into the bus.
    pub regen_kwh: f64,
    /// DC energy from chargers.
    pub charger_dc_kwh: f64,
}

/// Wall-clock figures (the only part of the summary that is not deterministic).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Performance {
    /// Wall time of the run, s.
    pub wall_time_s: f64,
    /// Virtual seconds per wall second.
    pub realtime_factor: f64,
    /// Steps taken.
    pub steps: u64,
}

/// The summary of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file.
    pub source: String,
    /// Seed used.
    pub seed: u64,
    /// Step, ms.
    pub step_ms: f64,
    /// Vehicle name.
    pub vehicle: String,
    /// The pack.
    pub pack: PackSummary,
    /// `finished`, `stopped` (a fault ended it) or `interrupted`.
    pub status: String,
    /// Distance driven, km.
    pub distance_km: f64,
    /// Virtual time, s.
    pub duration_s: f64,
    /// Time on driving legs, s.
    pub driving_time_s: f64,
    /// Net energy out of the pack terminals while not charging, kWh.
    pub energy_kwh: f64,
    /// Of which per km, Wh/km (null before the car has moved).
    pub energy_wh_per_km: Option<f64>,
    /// Range from a full pack at this drive's consumption and the pack's end
    /// temperature: usable energy (the SOC window above the cold-capacity floor)
    /// over chemical energy per km, as SAE J1634's shortened test extrapolates, km.
    pub estimated_range_km: Option<f64>,
    /// Below 10 °C: the range lost against the same route at 25 °C, by cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_breakdown: Option<crate::winter::RangeBreakdown>,
    /// Ambient temperature of the scenario, °C.
    pub ambient_c: f64,
    /// SOC at the start, %.
    pub soc_start_pct: f64,
    /// SOC at the end, %.
    pub soc_end_pct: f64,
    /// SOC the BMS shows at the end, %.
    pub soc_shown_end_pct: f64,
    /// Lowest SOC, %.
    pub soc_min_pct: f64,
    /// Highest discharge power at the terminals, kW.
    pub peak_power_kw: f64,
    /// Mean terminal power on driving legs, kW.
    pub mean_power_kw: f64,
    /// Highest regenerative power into the terminals, kW.
    pub peak_regen_kw: f64,
    /// Hottest cell group temperature, °C.
    pub peak_cell_temp_c: f64,
    /// Which group.
    pub peak_cell_temp_group: usize,
    /// Time the car could not follow its target, s.
    pub trace_miss_s: f64,
    /// Separate spells of trace miss.
    pub trace_miss_spells: u32,
    /// Time motor or battery limits cut the acceleration, s.
    pub powertrain_limited_s: f64,
    /// Highest charge current over the plating / dendrite limit (above 1: harm).
    pub plating_ratio_max: f64,
    /// Time charged above the plating / dendrite limit, s.
    pub plating_over_s: f64,
    /// Charge stops in order.
    pub charge_stops: Vec<ChargeStopSummary>,
    /// Faults in order.
    pub faults: Vec<FaultSummary>,
    /// Where the energy went.
    pub energy_breakdown: EnergyBreakdown,
    /// Wall-clock figures.
    pub performance: Performance,
}

fn hms(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn ms(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

impl Summary {
    /// Whether the run ended cleanly (exit code 0).
    #[must_use]
    pub fn ok(&self) -> bool {
        self.faults.is_empty() && self.status == "finished"
    }

    /// The summary as a person reads it.
    #[must_use]
    pub fn render_text(&self) -> String {
        let mut o = String::new();
        self.render_trip(&mut o);
        self.render_pack(&mut o);
        self.render_stops(&mut o);
        self.render_outcome(&mut o);
        o
    }

    fn render_trip(&self, o: &mut String) {
        let p = &self.pack;
        let _ = writeln!(o, "{} — {}", self.scenario, self.status);
        let _ = writeln!(
            o,
            "  vehicle      {} — {}s{}p {}, {:.1} kWh, {:.0} V nominal",
            self.vehicle,
            p.series,
            p.parallel,
            p.chemistry,
            p.nominal_energy_kwh,
            p.nominal_voltage_v
        );
        let _ = writeln!(
            o,
            "  distance     {:.1} km in {} (driving {}), seed {}, step {} ms",
            self.distance_km,
            hms(self.duration_s),
            hms(self.driving_time_s),
            self.seed,
            self.step_ms
        );
        let per_km = self
            .energy_wh_per_km
            .map_or_else(|| "—".to_owned(), |e| format!("{e:.0} Wh/km"));
        let _ = writeln!(
            o,
            "  energy       {per_km} at the battery terminals ({:.1} kWh net)",
            self.energy_kwh
        );
        let _ = writeln!(
            o,
            "  SOC          {:.1} % → {:.1} % (min {:.1} %)",
            self.soc_start_pct, self.soc_end_pct, self.soc_min_pct
        );
        let _ = writeln!(
            o,
            "  power        peak {:.1} kW, mean {:.1} kW driving, regen peak {:.1} kW",
            self.peak_power_kw, self.mean_power_kw, self.peak_regen_kw
        );
    }

    fn render_pack(&self, o: &mut String) {
        let p = &self.pack;
        let _ = writeln!(
            o,
            "  pack         {:.0} kg; cells {:.0} Wh/kg, {:.0} Wh/L; pack {:.0} Wh/kg, {:.0} Wh/L",
            p.mass_kg, p.cell_wh_per_kg, p.cell_wh_per_l, p.pack_wh_per_kg, p.pack_wh_per_l
        );
        let _ = writeln!(
            o,
            "  cells        peak {:.1} °C (group {}); pack thermal system {:.2} kWh",
            self.peak_cell_temp_c, self.peak_cell_temp_group, self.energy_breakdown.thermal_kwh
        );
        if let Some(r) = self.estimated_range_km {
            let _ = writeln!(
                o,
                "  range        {r:.0} km estimated at this consumption and temperature"
            );
        }
        if let Some(b) = &self.range_breakdown {
            // Lost range with a minus sign, gained with a plus.
            let km = |x: f64| {
                if x > -0.5 {
                    format!("−{:.0}", x.max(0.0))
                } else {
                    format!("+{:.0}", -x)
                }
            };
            let _ = writeln!(
                o,
                "               {:.0} km at 25 °C: {} km capacity out of reach in the cold, \
                 {} km pack heating, {} km cabin heating, {} km cell losses, \
                 {} km denser air, {} km the rest",
                b.reference_range_km,
                km(b.capacity_km),
                km(b.pack_heating_km),
                km(b.cabin_heating_km),
                km(b.cell_losses_km),
                km(b.air_density_km),
                km(b.other_km)
            );
        }
        let risk = if self.plating_over_s > 0.0 {
            format!(
                "above 1 for {:.0} s: lithium plating / dendrite risk",
                self.plating_over_s
            )
        } else {
            "within the limit".to_owned()
        };
        let _ = writeln!(
            o,
            "  plating      peak ratio {:.2}, {risk}",
            self.plating_ratio_max
        );
    }

    fn render_stops(&self, o: &mut String) {
        if self.charge_stops.is_empty() {
            let _ = writeln!(o, "  charging     no stops");
        }
        for (k, c) in self.charge_stops.iter().enumerate() {
            let t1080 = c
                .time_10_to_80_s
                .map_or_else(String::new, |t| format!(", 10→80 % {}", ms(t)));
            let t1080 = format!("{t1080}, setup {}", ms(c.setup_s));
            let _ = writeln!(
                o,
                "  charge {:<5} {} {:.1} % → {:.1} % in {}{t1080}; {:.1} kWh into the pack, {:.1} kWh from the grid; peak {:.0} kW, mean {:.0} kW ({})",
                k + 1,
                c.station,
                c.soc_start_pct,
                c.soc_end_pct,
                ms(c.duration_s),
                c.energy_pack_kwh,
                c.energy_grid_kwh,
                c.peak_power_kw,
                c.mean_power_kw,
                c.end
            );
            if let Some(p) = &c.protocol {
                let handshake = p.handshake_s.map_or_else(
                    || "no handshake".to_owned(),
                    |h| format!("handshake {h:.1} s"),
                );
                let stop = match (&p.stop_reason, &p.stopped_by) {
                    (Some(r), Some(by)) => format!("stopped by the {by}: {r}"),
                    _ => "no stop".to_owned(),
                };
                let stop = if p.reconnects > 0 {
                    format!("{stop} after {} reconnect(s)", p.reconnects)
                } else {
                    stop
                };
                let _ = writeln!(
                    o,
                    "               {} (twin plays {}): {handshake}, {} frames sent, {} received; {stop}; last phase {}",
                    p.protocol, p.role, p.frames_sent, p.frames_received, p.last_phase
                );
            }
        }
    }

    fn render_outcome(&self, o: &mut String) {
        if self.trace_miss_s > 0.0 {
            let _ = writeln!(
                o,
                "  driver       could not follow the target for {:.1} s ({} spells)",
                self.trace_miss_s, self.trace_miss_spells
            );
        }
        if self.faults.is_empty() {
            let _ = writeln!(o, "  faults       none");
        }
        for f in &self.faults {
            let _ = writeln!(
                o,
                "  fault        {} at {} ({:.1} km): {}",
                f.code,
                hms(f.time_s),
                f.odometer_km,
                f.message
            );
        }
        let perf = &self.performance;
        let _ = writeln!(
            o,
            "  simulated    {} steps in {:.2} s wall ({:.0}× real time)",
            perf.steps, perf.wall_time_s, perf.realtime_factor
        );
    }
}
