//! The viewer's data, free of bevy: what one frame shows ([`Snapshot`]), the
//! road's shape ([`RouteProfile`]), the plots' history ([`History`]), the pack's
//! layout on screen ([`PackLayout`]) and the colour scales ([`ColorScale`]).
//! Everything here is plain Rust and unit-tested without a window.

mod colors;
mod history;
mod layout;
mod profile;
mod snapshot;

pub use colors::{ColorMode, ColorScale, Rgb};
pub use history::{History, PlotPoint, Sample};
pub use layout::PackLayout;
pub use profile::{ChargeStop, RouteProfile};
pub use snapshot::{
    GroupView, ProtocolView, Snapshot, charge_phase_name, contactor_name, fault_name,
};
