//! The whole car: route, driver, vehicle, pack and charger advanced together with
//! one fixed step, publishing named signals and accepting named inputs.

mod charge;
mod control;
mod drive;
mod inject;
mod ledger;
mod link;
mod read;

use thiserror::Error;

use crate::aux::AuxSpec;
use crate::bms::{Bms, BmsFault, BmsSpec, Severity, soc_from_ocv};
use crate::charger::{ChargeEnd, ChargeStopReport, Session};
use crate::driver::{Driver, DriverSpec};
use crate::pack::{Pack, PackError, PackInit, PackSpec};
use crate::rng::Rng;
use crate::route::{LegKind, Route};
use crate::signals::{Catalogue, Input, RealNodes};
use crate::thermal::{ThermalCommand, ThermalControlSpec, ThermalController};
use crate::vehicle::{BodySpec, PowertrainSpec};
pub use inject::{Injection, InjectionError, SensorKind};
pub use ledger::{Ledger, StepFlags};

/// The car apart from its pack.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleSpec {
    /// Display name.
    pub name: String,
    /// Body and wheels.
    pub body: BodySpec,
    /// Motor and gearing.
    pub powertrain: PowertrainSpec,
    /// Auxiliaries and HVAC.
    pub aux: AuxSpec,
    /// Lowest usable pack SOC (the car stops driving below it), 0…1.
    pub soc_min: f64,
    /// Highest SOC charging goes to, 0…1.
    pub soc_max: f64,
}

/// Everything a twin is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinConfig {
    /// Fixed step, s.
    pub step_s: f64,
    /// The longest the cells' slow parameters (R, C, limits) go without being
    /// re-evaluated, s; infinite: only when temperature or SOC moved (see `pack`).
    pub parameter_refresh_s: f64,
    /// Seed for everything random (cell spread).
    pub seed: u64,
    /// Ambient temperature where a leg does not set its own, °C.
    pub ambient_c: f64,
    /// The car.
    pub vehicle: VehicleSpec,
    /// The pack.
    pub pack: PackSpec,
    /// The pack's initial state.
    pub pack_init: PackInit,
    /// The driver.
    pub driver: DriverSpec,
    /// The route.
    pub route: Route,
    /// The battery management system.
    pub bms: BmsSpec,
    /// The pack's thermal management.
    pub thermal: ThermalControlSpec,
}

/// Why a twin could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TwinError {
    /// The pack design or its initial state.
    #[error("pack: {0}")]
    Pack(#[from] PackError),
    /// A setting out of range.
    #[error("{what} = {value} is out of range ({why})")]
    OutOfRange {
        what: &'static str,
        value: f64,
        why: &'static str,
    },
}

/// Kinds of fault the twin can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// The pack reached the bottom of its usable window, or cannot power the car.
    BatteryDepleted,
    /// A station's voltage range does not cover the pack.
    StationIncompatible,
    /// A value became NaN or infinite.
    Numerical,
    /// The car stood still on a cruise leg for a minute: it cannot climb the grade,
    /// or something outside holds it.
    Stalled,
    /// The pack could not power the car although it is not empty (its BMS allows no
    /// current: too cold, too hot, or faulted). Raised once per episode; the run
    /// goes on (the BMS may recover; a car that cannot move stalls).
    NoPower,
    /// A fault the BMS detected.
    Bms(BmsFault),
}

impl FaultCode {
    /// Whether the car carries on after this fault (the run is not stopped by it).
    #[must_use]
    pub fn drives_on(self) -> bool {
        match self {
            Self::StationIncompatible | Self::NoPower => true,
            Self::Bms(f) => f.severity() == Severity::Warning,
            _ => false,
        }
    }

    /// Stable lower-case code for reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BatteryDepleted => "battery_depleted",
            Self::StationIncompatible => "station_incompatible",
            Self::Numerical => "numerical",
            Self::Stalled => "stalled",
            Self::NoPower => "no_power",
            Self::Bms(f) => f.as_str(),
        }
    }
}

/// A fault with where and when it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What.
    pub code: FaultCode,
    /// Virtual time, s.
    pub time_s: f64,
    /// Odometer, km.
    pub odometer_km: f64,
    /// A sentence for people.
    pub message: String,
}

/// Something that happened during a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Leg `index` began.
    LegStarted {
        /// 0-based leg index.
        index: usize,
        /// Virtual time, s.
        time_s: f64,
    },
    /// Leg `index` ended.
    LegFinished {
        /// 0-based leg index.
        index: usize,
        /// Virtual time, s.
        time_s: f64,
    },
    /// A charge stop ended.
    ChargeStop(ChargeStopReport),
    /// A fault.
    Fault(Fault),
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// More to drive.
    Running,
    /// The route is complete.
    Finished,
    /// A fault ended the run early.
    Stopped(FaultCode),
}

/// Values set from outside; NaN means unset.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Inputs {
    values: [f64; Input::ALL.len()],
}

impl Inputs {
    fn get(&self, input: Input) -> f64 {
        self.values[input as usize]
    }
}

/// Route progress.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Progress {
    leg: usize,
    leg_steps: u64,
    leg_start_m: f64,
}

/// The twin.
#[derive(Debug, Clone)]
pub struct Twin {
    cfg: TwinConfig,
    pack: Pack,
    driver: Driver,
    catalogue: Catalogue,
    steps: u64,
    speed_mps: f64,
    position_m: f64,
    elevation_m: f64,
    progress: Progress,
    session: Option<Session>,
    link: Option<crate::charger::ChargeLink>,
    link_wanted: Option<ChargeEnd>,
    inputs: Inputs,
    flows: drive::Flows,
    ledger: Ledger,
    last_step: StepFlags,
    events: Vec<Event>,
    status: Status,
    bms: Bms,
    thermal: ThermalController,
    thermal_cmd: ThermalCommand,
    injected: inject::Injected,
    /// A node the BMS listens to timed out on the bus.
    comm_lost: bool,
    /// The controllers played by real ECUs.
    real: RealNodes,
    /// Steps per controller tick.
    tick_steps: u64,
    /// The pack is currently unable to power the car (a `no_power` episode).
    no_power: bool,
    /// Reused buffers for the sensor readings (voltages, temperatures).
    sensor_buf: (Vec<f64>, Vec<f64>),
    /// The pack current the BMS read at its last tick (with sensor faults), A.
    sensed_current_a: f64,
    /// The step in whole microseconds: the clock counts exactly.
    step_us: u64,
    /// Consecutive steps standing still on a cruise leg.
    stall_steps: u64,
    /// Faults raised during the current step, stamped when it ends.
    pending: Vec<(FaultCode, String)>,
}

/// Standing still this long on a cruise leg is a stall.
const STALL_S: f64 = 60.0;

impl Twin {
    /// Builds a twin at the start of its route.
    pub fn new(cfg: TwinConfig) -> Result<Self, TwinError> {
        let Timing {
            step_us,
            refresh_steps,
            tick_steps,
        } = check(&cfg)?;
        let mut rng = Rng::new(cfg.seed);
        let pack = Pack::new(
            cfg.pack.clone(),
            cfg.pack_init,
            &mut rng,
            cfg.step_s,
            refresh_steps,
        )?;
        // The BMS wakes up reading the rested pack's OCV; HV is on unless the route
        // starts parked.
        let cell = &cfg.pack.cell;
        let mean_v = pack.ocv_v() / pack.groups() as f64;
        let soc0 = soc_from_ocv(&cell.table, mean_v, cfg.pack_init.temp_c);
        let parked = matches!(cfg.route.legs()[0].kind, LegKind::Park { .. });
        let bms = Bms::new(
            cfg.bms.clone(),
            cell.clone(),
            cfg.pack.parallel,
            pack.groups(),
            soc0,
            !parked,
        );
        let thermal = ThermalController::new(cfg.thermal.clone(), cell.temperature);
        let mut twin = Self {
            catalogue: Catalogue::new(pack.groups()),
            driver: Driver::new(cfg.driver.clone()),
            pack,
            steps: 0,
            speed_mps: 0.0,
            position_m: 0.0,
            elevation_m: 0.0,
            progress: Progress {
                leg: 0,
                leg_steps: 0,
                leg_start_m: 0.0,
            },
            session: None,
            link: None,
            link_wanted: None,
            inputs: Inputs {
                values: [f64::NAN; Input::ALL.len()],
            },
            flows: drive::Flows::default(),
            ledger: Ledger::default(),
            last_step: StepFlags::default(),
            events: vec![Event::LegStarted {
                index: 0,
                time_s: 0.0,
            }],
            status: Status::Running,
            step_us,
            stall_steps: 0,
            pending: Vec::new(),
            bms,
            thermal,
            thermal_cmd: ThermalCommand::default(),
            injected: inject::Injected::default(),
            sensed_current_a: 0.0,
            comm_lost: false,
            real: RealNodes::default(),
            tick_steps,
            sensor_buf: (Vec::new(), Vec::new()),
            no_power: false,
            cfg,
        };
        twin.flows.ambient_c = twin.ambient_c();
        let ambient = twin.ambient_c();
        twin.control_tick(ambient);
        Ok(twin)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &TwinConfig {
        &self.cfg
    }

    /// The pack.
    #[must_use]
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The signal catalogue.
    #[must_use]
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Virtual time, s (counted in whole microseconds, so 59.98 s prints as such).
    #[must_use]
    pub fn time_s(&self) -> f64 {
        (self.steps * self.step_us) as f64 / 1e6
    }

    /// Steps taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Run status.
    #[must_use]
    pub fn status(&self) -> Status {
        self.status
    }

    /// Cumulative energy flows.
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// What kind of step the last one was.
    #[must_use]
    pub fn last_step(&self) -> StepFlags {
        self.last_step
    }

    /// Distance driven, m.
    #[must_use]
    pub fn odometer_m(&self) -> f64 {
        self.position_m
    }

    /// Takes the events raised since the last call.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// Sets an input (NaN clears it). It takes effect while its node is real
    /// ([`Twin::set_real_nodes`]). A value the input does not take (a discrete
    /// input's unknown state, an infinite quantity) is refused: the input keeps
    /// its value and this returns false.
    pub fn set_input(&mut self, input: Input, value: f64) -> bool {
        if !input.accepts(value) {
            return false;
        }
        self.inputs.values[input as usize] = value;
        true
    }

    /// Declares which controllers are real ECUs: their inputs replace the twin's
    /// own models of them (until a real node's first value arrives, the model
    /// stands in).
    pub fn set_real_nodes(&mut self, real: RealNodes) {
        self.real = real;
    }

    /// The controllers played by real ECUs.
    #[must_use]
    pub fn real_nodes(&self) -> RealNodes {
        self.real
    }

    /// An input as the plant uses it: its value when its node is real, else NaN
    /// (the twin's model decides).
    pub(super) fn real_input(&self, input: Input) -> f64 {
        if self.real.contains(input.node()) {
            self.inputs.get(input)
        } else {
            f64::NAN
        }
    }

    /// The BMS.
    #[must_use]
    pub fn bms(&self) -> &Bms {
        &self.bms
    }

    /// The thermal system's latest command.
    #[must_use]
    pub fn thermal_command(&self) -> &ThermalCommand {
        &self.thermal_cmd
    }

    /// Current value of an input (NaN when unset).
    #[must_use]
    pub fn input(&self, input: Input) -> f64 {
        self.inputs.get(input)
    }

    /// Fraction of the route done, 0…1 (legs done plus progress in the current one).
    #[must_use]
    pub fn progress(&self) -> f64 {
        let legs = self.cfg.route.legs();
        if self.status == Status::Finished {
            return 1.0;
        }
        let p = &self.progress;
        let t = p.leg_steps as f64 * self.cfg.step_s;
        let within = match &legs[p.leg].kind {
            LegKind::Cruise { distance_m, .. } => (self.position_m - p.leg_start_m) / distance_m,
            LegKind::Cycle { cycle, repeat } => t / (cycle.duration_s() * f64::from(*repeat)),
            LegKind::Idle { duration_s } | LegKind::Park { duration_s } => t / duration_s,
            LegKind::Charge(c) => {
                let until = c.until_soc.unwrap_or(1.0).min(self.cfg.vehicle.soc_max);
                let by_soc = self.session.as_ref().map_or(0.0, |s| {
                    let start = s.report.soc_start;
                    (self.pack.soc() - start) / (until - start).max(1e-9)
                });
                let by_time = c.max_duration_s.map_or(0.0, |d| t / d);
                by_soc.max(by_time)
            }
        };
        (p.leg as f64 + within.clamp(0.0, 1.0)) / legs.len() as f64
    }

    fn ambient_c(&self) -> f64 {
        self.cfg.route.legs()[self.progress.leg]
            .ambient_c
            .unwrap_or(self.cfg.ambient_c)
    }

    /// Advances one step. Does nothing once the run has finished or stopped.
    pub fn step(&mut self) -> Status {
        if self.status != Status::Running {
            return self.status;
        }
        let leg_index = self.progress.leg;
        let ambient_c = self.ambient_c();
        if self.steps > 0 && self.steps.is_multiple_of(self.tick_steps) {
            self.control_tick(ambient_c);
        }
        let leg = &self.cfg.route.legs()[leg_index];
        let mut leg_done = match &leg.kind {
            LegKind::Cruise { .. } | LegKind::Cycle { .. } => self.drive_leg_step(ambient_c),
            LegKind::Idle { duration_s } => self.hold_step(*duration_s, true, ambient_c),
            LegKind::Park { duration_s } => self.hold_step(*duration_s, false, ambient_c),
            LegKind::Charge(_) => self.charge_step(ambient_c),
        };
        self.steps += 1;
        self.progress.leg_steps += 1;
        if self.steps.is_multiple_of(self.tick_steps) {
            self.thermal_tick(ambient_c);
        }
        self.end_of_step();
        self.stop_after_bms_fault();
        if !self.pack.last().current_a.is_finite() || !self.speed_mps.is_finite() {
            self.fault(
                FaultCode::Numerical,
                "a state became NaN or infinite".into(),
            );
            leg_done = false;
        }
        self.raise_pending();
        if leg_done && self.status == Status::Running {
            self.next_leg();
        }
        self.status
    }

    /// Raises a fault at the end of the current step.
    fn fault(&mut self, code: FaultCode, message: String) {
        self.pending.push((code, message));
    }

    fn raise_pending(&mut self) {
        for (code, message) in std::mem::take(&mut self.pending) {
            self.events.push(Event::Fault(Fault {
                code,
                time_s: self.time_s(),
                odometer_km: self.position_m / 1000.0,
                message,
            }));
            // A critical BMS fault stops the run once the car stands with HV off
            // (see `control`); other faults stop it at once.
            let later = matches!(code, FaultCode::Bms(_));
            if !code.drives_on() && !later && self.status == Status::Running {
                self.status = Status::Stopped(code);
            }
        }
    }

    fn next_leg(&mut self) {
        let time_s = self.time_s();
        self.events.push(Event::LegFinished {
            index: self.progress.leg,
            time_s,
        });
        if self.progress.leg + 1 == self.cfg.route.legs().len() {
            self.status = Status::Finished;
            return;
        }
        self.progress = Progress {
            leg: self.progress.leg + 1,
            leg_steps: 0,
            leg_start_m: self.position_m,
        };
        self.stall_steps = 0;
        self.events.push(Event::LegStarted {
            index: self.progress.leg,
            time_s,
        });
    }

    /// Ends the charge session, if any, with `end`, and reports it.
    fn end_session(&mut self, end: ChargeEnd) {
        if let Some(mut s) = self.session.take() {
            s.report.end = end;
            s.report.link = self.link.take().map(|l| Box::new(l.report));
            self.link_wanted = None;
            self.events.push(Event::ChargeStop(s.report));
        }
    }
}

/// Step, parameter refresh and controller tick, in whole units.
struct Timing {
    step_us: u64,
    refresh_steps: u32,
    tick_steps: u64,
}

/// Checks the settings a twin needs in range and consistent with each other.
fn check(cfg: &TwinConfig) -> Result<Timing, TwinError> {
    let range = |what, value: f64, lo: f64, hi: f64, why| {
        if value.is_finite() && value >= lo && value <= hi {
            Ok(())
        } else {
            Err(TwinError::OutOfRange { what, value, why })
        }
    };
    range("step", cfg.step_s, 1e-4, 1.0, "0.1 ms … 1 s")?;
    let step_us = (cfg.step_s * 1e6).round();
    if (step_us * 1e-6 - cfg.step_s).abs() > 1e-12 {
        return Err(TwinError::OutOfRange {
            what: "step",
            value: cfg.step_s,
            why: "a whole number of microseconds",
        });
    }
    // Infinite: no clock, groups refresh only when their temperature or SOC moved.
    if cfg.parameter_refresh_s != f64::INFINITY {
        range(
            "parameter refresh",
            cfg.parameter_refresh_s,
            cfg.step_s,
            60.0,
            "one step … 60 s, or infinite",
        )?;
    }
    range("ambient", cfg.ambient_c, -60.0, 60.0, "−60 … 60 °C")?;
    range(
        "initial temperature",
        cfg.pack_init.temp_c,
        -60.0,
        80.0,
        "−60 … 80 °C",
    )?;
    range(
        "SOC min",
        cfg.vehicle.soc_min,
        0.0,
        cfg.vehicle.soc_max,
        "0 … SOC max",
    )?;
    range(
        "SOC max",
        cfg.vehicle.soc_max,
        cfg.vehicle.soc_min,
        1.0,
        "SOC min … 1",
    )?;
    range(
        "BMS tick",
        cfg.bms.tick_s,
        cfg.step_s,
        10.0,
        "one step … 10 s",
    )?;
    let tick_steps = (cfg.bms.tick_s / cfg.step_s).round();
    if (tick_steps * cfg.step_s - cfg.bms.tick_s).abs() > 1e-9 {
        return Err(TwinError::OutOfRange {
            what: "BMS tick",
            value: cfg.bms.tick_s,
            why: "a whole number of steps",
        });
    }
    let refresh_steps = (cfg.parameter_refresh_s / cfg.step_s).round().max(1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let refresh_steps = refresh_steps.min(f64::from(u32::MAX)) as u32;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Timing {
        step_us: step_us as u64,
        refresh_steps,
        tick_steps: tick_steps as u64,
    })
}
