//! `[[fault]]`: faults injected into the plant or the bus at a time, at an
//! odometer reading or on an event, for a duration, until an event, or until
//! the end (or a later `clear`). Parsed and checked at load ([`parse`]);
//! played by a [`crate::Hook`] ([`hook`]) that marks every injection. Faults
//! of a charge stop's conversation (`charge_*`) are decided here and played
//! by the charge link hook, which they reach through a [`LinkFaultInbox`].

mod hook;
mod parse;
mod parse_bus;
mod parse_link;
mod parse_plant;

use evtwin_sim::Injection;

use crate::charge_link::{LinkFaultInbox, LinkFaultKind};
use crate::event_match::EventSpec;
use crate::net::BusFault;

pub(crate) use parse::faults as parse_faults;

/// When a fault starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// At this virtual time, µs (the first step starting at or after it).
    AtUs(u64),
    /// When the odometer reaches this, km.
    AtKm(f64),
    /// On an event.
    On(EventSpec),
}

/// When a fault ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// At the end of the run, or when a later `clear` names it.
    Never,
    /// This long after it started, µs.
    AfterUs(u64),
    /// On an event after it started.
    Until(EventSpec),
    /// Done once (a hot spot's heat, welded contactors).
    Once,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An injection into the plant or its sensors.
    Plant(Injection),
    /// A fault on the bus (the network core).
    Bus(BusFault),
    /// A fault in a charge stop's conversation (the charge link hook).
    Link(LinkFaultKind),
    /// Ends the fault of this name.
    Clear(String),
}

/// One checked `[[fault]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Its name (given, or `<kind>-<n>` with `n` its 1-based place).
    pub name: String,
    /// Its kind as written (`clear` for a clearing entry).
    pub kind: String,
    /// When it starts.
    pub trigger: Trigger,
    /// When it ends.
    pub ending: Ending,
    /// What it does.
    pub action: Action,
    /// What it does, for people (`internal short of group 3 through 5 Ω`).
    pub what: String,
    /// A bus fault's message and signal by name: resolved again against the
    /// network actually played (a bridge option may give another DBC).
    pub bus_names: Option<(String, Option<String>)>,
}

/// The hook that plays `scenario`'s faults (none without `[[fault]]`); the
/// conversation's go to `inbox`.
pub(crate) fn hooks(
    scenario: &crate::Scenario,
    inbox: &LinkFaultInbox,
) -> Option<Box<dyn crate::Hook>> {
    if scenario.faults.is_empty() {
        return None;
    }
    Some(Box::new(hook::FaultHook::new(scenario, inbox.clone())))
}
