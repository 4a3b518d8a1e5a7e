//! GB/T 27930's phases and stops in the session's and the report's terms.

use evtwin_can::gbt::{ChargerStop, GbtEvent, GbtTimeout, Phase as GbtPhase, VehicleStop};
use evtwin_sim::charger::{ChargeEnd, Phase};

use super::LinkSide;
use super::chademo_map::snake;

/// How far the session may go in this charger phase.
pub(crate) fn setup(p: GbtPhase) -> Phase {
    use GbtPhase as G;
    match p {
        // A side in its error state waits to reconnect: the session holds
        // where it is, with no current.
        G::Idle | G::Handshake | G::Recognition | G::Error => Phase::Handshake,
        G::Parameters => Phase::Precharge,
        G::Charging => Phase::Ramp,
        // Done only once both sides are over (`ended`).
        G::Stopping | G::Statistics | G::Done | G::GaveUp => Phase::Unplug,
    }
}

/// Why a session stopped, and who stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GbtStop {
    /// The vehicle's BST.
    Vehicle(VehicleStop),
    /// The charger's CST.
    Charger(ChargerStop),
    /// A timeout: BEM (sent by the vehicle) or CEM (by the charger); as a
    /// stop, the first error of a session whose reconnects were given up.
    Timeout(LinkSide, Vec<GbtTimeout>),
    /// The twin plays the car and the scenario's end for the stop came
    /// while the station had not brought the session to charging (no CHM
    /// at all: `Idle`), or the sides ended without a stop being named.
    Unfinished(ChargeEnd, GbtPhase),
}

impl GbtStop {
    /// The stop an event starts, seen by `side`: a side's own stop or the
    /// other's first (answers to a stop are not one).
    pub fn from_event(e: &GbtEvent, side: LinkSide) -> Option<Self> {
        match e {
            GbtEvent::StoppedByVehicle(r) if *r != VehicleStop::ChargerStopped => {
                Some(Self::Vehicle(*r))
            }
            GbtEvent::StoppedByCharger(r) if *r != ChargerStop::BmsStopped => {
                Some(Self::Charger(*r))
            }
            GbtEvent::ErrorSent(codes) => Some(Self::Timeout(side, codes.clone())),
            _ => None,
        }
    }

    /// Who stopped.
    pub fn by(&self) -> LinkSide {
        match self {
            Self::Vehicle(_) | Self::Unfinished(..) => LinkSide::Ev,
            Self::Charger(_) => LinkSide::Charger,
            Self::Timeout(s, _) => *s,
        }
    }

    /// In the report's words: `bst(soc_reached)`, `cst(fault(other))`,
    /// `bem(ccs)`, `cem(bcl)`.
    pub fn name(&self) -> String {
        let fault = |f: String| snake(&f).replace("(_", "(");
        match self {
            Self::Vehicle(r) => format!("bst({})", fault(format!("{r:?}"))),
            Self::Charger(r) => format!("cst({})", fault(format!("{r:?}"))),
            Self::Timeout(s, codes) => {
                let codes: Vec<String> = codes.iter().map(|c| snake(&format!("{c:?}"))).collect();
                let msg = if *s == LinkSide::Ev { "bem" } else { "cem" };
                format!("{msg}({})", codes.join(","))
            }
            Self::Unfinished(_, GbtPhase::Idle) => "no_station".to_owned(),
            Self::Unfinished(_, ph) => format!("unfinished({})", snake(&format!("{ph:?}"))),
        }
    }

    /// What the session reports as its end.
    pub fn end(&self, wanted: Option<ChargeEnd>) -> ChargeEnd {
        match self {
            Self::Vehicle(
                VehicleStop::SocReached
                | VehicleStop::TotalVoltageReached
                | VehicleStop::CellVoltageReached,
            ) => wanted.unwrap_or(ChargeEnd::TargetSoc),
            Self::Charger(ChargerStop::ConditionsReached) => wanted.unwrap_or(ChargeEnd::Duration),
            Self::Unfinished(end, _) => *end,
            _ => ChargeEnd::Aborted,
        }
    }
}
