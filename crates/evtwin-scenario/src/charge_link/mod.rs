//! Charge stops that run their real conversation on CAN: a charge leg names
//! its protocol (`protocol = "chademo" | "gbt27930" | "none"`), and a
//! [`ChargeLinkHook`] plays the protocol's sides the twin plays, moving the
//! conversation's decisions into the twin's charge session
//! ([`evtwin_sim::charger::ChargeLink`]: how far its setup phases may go, the
//! current bound, the stop) and the plant's values into the protocol's state
//! machines (`evtwin_can::chademo`).
//!
//! Roles ([`LinkRole`]), from the network's real nodes: none real, both sides
//! play in-process (virtual time, deterministic; their frames go on the bus
//! too when there is one, so they can be logged); `CHARGER` real, the twin is
//! the car (its EV side on the bus); `EV` real, the twin is the station (its
//! charger side on the bus, the plant still simulating the pack a real car
//! would charge).
//!
//! The protocol itself is a [`Conversation`]: one per protocol (`chademo.rs`,
//! `gbt.rs`), each the same shape, so another protocol plugs in beside it.

mod chademo;
mod chademo_map;
mod gbt;
mod gbt_map;
mod hook;
mod load;
mod plant;

pub(crate) use hook::from_scenario;
pub use hook::{ChargeLinkHook, LinkFault, LinkFaultInbox, LinkFaultKind, LinkOptions, LinkRecord};
pub(crate) use load::protocols;

use evtwin_can::Frame;
use evtwin_can::j1939::{J1939Id, PGN_TP_CM};
use evtwin_sim::charger::ChargeLink;

use plant::PlantView;

/// A charge leg's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Timed phases (the station's durations), no conversation.
    #[default]
    None,
    /// CHAdeMO (IEEE 2030.1.1, 1.x).
    Chademo,
    /// GB/T 27930-2015.
    Gbt27930,
}

impl Protocol {
    /// The names a scenario may write.
    pub const CHOICES: &'static str = "\"chademo\", \"gbt27930\" or \"none\"";

    /// From its name in a scenario.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "chademo" => Some(Self::Chademo),
            "gbt27930" => Some(Self::Gbt27930),
            _ => None,
        }
    }

    /// Its name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Chademo => "chademo",
            Self::Gbt27930 => "gbt27930",
        }
    }
}

/// The pseudo-node a real car's charge controller is named by (`--real EV`):
/// it sends nothing of the network's DBC, only the protocol's frames.
pub const EV_NODE: &str = "EV";
/// The network node a real charger is named by (`--real CHARGER`).
pub const CHARGER_NODE: &str = "CHARGER";

/// Which sides of the conversation the twin plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRole {
    /// Both, in-process.
    Both,
    /// The car (a real charger is on the bus).
    Ev,
    /// The station (a real car is on the bus).
    Charger,
}

impl LinkRole {
    /// From the network's real nodes: `CHARGER` real → the twin is the car;
    /// `EV` real → the station; neither (or no network) → both.
    #[must_use]
    pub fn from_real<'a>(real: impl IntoIterator<Item = &'a str>) -> Self {
        let mut role = Self::Both;
        for n in real {
            if n == CHARGER_NODE {
                role = Self::Ev;
            } else if n == EV_NODE {
                role = Self::Charger;
            }
        }
        role
    }

    /// `both`, `ev` or `charger` (what the report says).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Both => "both",
            Self::Ev => "ev",
            Self::Charger => "charger",
        }
    }

    /// Whether the twin plays the car's side.
    #[must_use]
    pub const fn plays_ev(self) -> bool {
        matches!(self, Self::Both | Self::Ev)
    }

    /// Whether the twin plays the station's side.
    #[must_use]
    pub const fn plays_charger(self) -> bool {
        matches!(self, Self::Both | Self::Charger)
    }

    /// Whether the twin plays `side`.
    #[must_use]
    pub const fn plays(self, side: LinkSide) -> bool {
        match side {
            LinkSide::Ev => self.plays_ev(),
            LinkSide::Charger => self.plays_charger(),
        }
    }
}

/// A side of the conversation, whatever the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkSide {
    /// The car (CHAdeMO EV, GB/T BMS).
    Ev,
    /// The station.
    Charger,
}

impl LinkSide {
    /// `ev` or `charger`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ev => "ev",
            Self::Charger => "charger",
        }
    }
}

/// The faults in force in a conversation.
///
/// Each kind is noted twice: once when it comes into force, once more when
/// it goes out of force ([`Faults::note`] toggles). The [`ChargeLinkHook`]
/// counts the faults of each kind it was given and notes a kind only when
/// the first of them starts and when the last of them ends, so the
/// conversations' `inject` (which notes what it is given) needs no end of its
/// own. (CHAdeMO's `inject` also raises the station's malfunction flag in its
/// state machine, which a second note does not lower: that fault lasts the
/// stop.)
#[derive(Debug, Clone, Default)]
#[allow(clippy::struct_excessive_bools)] // one flag per fault
pub(crate) struct Faults {
    pub mute_ev: bool,
    pub mute_charger: bool,
    /// CAN identifiers whose frames are lost.
    pub drop: Vec<u32>,
    /// J1939 PGNs whose frames are lost (GB/T).
    pub drop_pgn: Vec<u32>,
    /// J1939 PGNs whose transport connections are aborted (GB/T).
    pub tp_abort: Vec<u32>,
    pub ev_battery: bool,
    pub insulation: bool,
    pub malfunction: bool,
}

/// Puts `x` in `v`, or takes it out if it is there.
fn toggle(v: &mut Vec<u32>, x: u32) {
    if let Some(k) = v.iter().position(|y| *y == x) {
        v.remove(k);
    } else {
        v.push(x);
    }
}

impl Faults {
    /// A fault comes into force, or (noted again) goes out of force.
    pub fn note(&mut self, fault: LinkFaultKind) {
        match fault {
            LinkFaultKind::Mute(LinkSide::Ev) => self.mute_ev = !self.mute_ev,
            LinkFaultKind::Mute(LinkSide::Charger) => self.mute_charger = !self.mute_charger,
            LinkFaultKind::Drop(id) => toggle(&mut self.drop, id),
            LinkFaultKind::DropPgn(pgn) => toggle(&mut self.drop_pgn, pgn),
            LinkFaultKind::TpAbort(pgn) => toggle(&mut self.tp_abort, pgn),
            LinkFaultKind::EvBatteryFault => self.ev_battery = !self.ev_battery,
            LinkFaultKind::ChargerMalfunction => self.malfunction = !self.malfunction,
            LinkFaultKind::InsulationFault => self.insulation = !self.insulation,
        }
    }

    /// Whether a frame `from` this side is lost.
    pub fn lost(&self, from: LinkSide, frame: &Frame) -> bool {
        let muted = match from {
            LinkSide::Ev => self.mute_ev,
            LinkSide::Charger => self.mute_charger,
        };
        muted
            || self.drop.contains(&frame.id().raw())
            || (!self.drop_pgn.is_empty()
                && j1939_pgn(frame).is_some_and(|p| self.drop_pgn.contains(&p)))
    }
}

/// The PGN a J1939 frame carries: its identifier's, or for a transport
/// connection-management frame (TP.CM: RTS, CTS, EOMA, BAM, abort) the PGN of
/// the message it transports (bytes 5..8). A TP.DT frame names none: losing
/// a message's TP.CM frames loses the message. `None` for a standard frame.
pub(crate) fn j1939_pgn(frame: &Frame) -> Option<u32> {
    let id = J1939Id::from_can(frame.id())?;
    let d = frame.data();
    if id.pgn == PGN_TP_CM && d.len() >= 8 {
        return Some(u32::from(d[5]) | u32::from(d[6]) << 8 | u32::from(d[7]) << 16);
    }
    Some(id.pgn)
}

/// One protocol's conversation: the sides the twin plays, the glue to the
/// plant. Sans-I/O like the state machines under it.
pub(crate) trait Conversation: Send {
    /// The plant's values for this step (and the step's time).
    fn set_plant(&mut self, plant: &PlantView);
    /// One instant: deadlines, then frames back and forth until the sides
    /// are quiet at `t`; frames that go on the bus are appended to `bus`.
    fn step_to(&mut self, t: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord);
    /// Runs the sides to `now_us` (deadlines, frames between the sides the
    /// twin plays); frames that go on the bus are appended to `bus`.
    fn pump(&mut self, now_us: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord) {
        // Each deadline in order; one a side keeps at the same instant after
        // handling it does not hold the loop.
        let mut last = None;
        while let Some(t) = self.poll_timeout().filter(|t| *t <= now_us) {
            if last == Some(t) {
                break;
            }
            last = Some(t);
            self.step_to(t, bus, rec);
        }
        if self.flushes() {
            self.step_to(now_us, bus, rec);
        }
    }
    /// Whether [`Self::pump`] ends with a pass at `now_us` (for sides whose
    /// frames come due without a deadline); GB/T's sides name every frame
    /// they hold as due, so its frames keep the times they were due at.
    fn flushes(&self) -> bool {
        true
    }
    /// A frame from the bus (the other side's, when it is real). Returns
    /// whether it is the protocol's (from the side the twin does not play,
    /// lost or not).
    fn handle_frame(&mut self, frame: &Frame, now_us: u64, rec: &mut LinkRecord) -> bool;
    /// When a side next wants time.
    fn poll_timeout(&self) -> Option<u64>;
    /// Writes the conversation's decisions into the twin's link.
    fn decide(&mut self, link: &mut ChargeLink, plant: &PlantView);
    /// Starts a fault, or (given the same kind again) ends it: see [`Faults`].
    fn inject(&mut self, fault: LinkFaultKind, now_us: u64);
    /// Whether it sends each cell's voltage and temperature ([`Self::set_cells`]).
    fn wants_cells(&self) -> bool {
        false
    }
    /// Each group's voltage and temperature (about once a second).
    fn set_cells(&mut self, _cells_v: &[f64], _temps_c: &[f64]) {}
}
