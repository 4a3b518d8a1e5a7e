//! The evtwin plant: a pure, deterministic simulation of an electric car.
//!
//! No I/O, no wall clock, no global state: a [`Twin`] is built from a
//! [`TwinConfig`], advanced with [`Twin::step`] (fixed step), read through named
//! [`signals`] and driven from outside through named [`signals::Input`]s.
//! The same configuration and seed give the same results, bit for bit.
//!
//! Sign convention (everywhere): battery current and power are positive when the
//! pack discharges.

pub mod aux;
pub mod bms;
pub mod cell;
mod cell_csv;
pub mod charger;
pub mod chemistry;
pub mod csv;
pub mod cycle;
pub mod driver;
pub mod interp;
pub mod lab;
pub mod pack;
pub mod rng;
pub mod route;
pub mod signals;
pub mod stats;
pub mod thermal;
pub mod twin;
pub mod vcu;
pub mod vehicle;

pub use signals::{Catalogue, Input, InputKind, Node, Quantity, RealNodes, Scalar, Signal};
pub use stats::RunStats;
pub use twin::{
    Event, Fault, FaultCode, Injection, InjectionError, SensorKind, Status, StepFlags, Twin,
    TwinConfig, TwinError, VehicleSpec,
};
