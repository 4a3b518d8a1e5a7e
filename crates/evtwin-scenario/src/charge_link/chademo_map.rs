//! CHAdeMO's phases and stop reasons in the session's and the report's terms.

use evtwin_can::chademo::{ChargerPhase, EvPhase, Incompatibility, StopReason};
use evtwin_sim::charger::{ChargeEnd, Phase};

use super::LinkSide;

/// How far the session may go in this charger phase.
pub(crate) fn charger_setup(p: ChargerPhase) -> Phase {
    use ChargerPhase as C;
    match p {
        C::Idle | C::WaitEv | C::WaitEnable => Phase::Handshake,
        C::InsulationTest | C::Discharge => Phase::InsulationTest,
        C::WaitContactors | C::WaitRequest => Phase::Precharge,
        C::Charging => Phase::Ramp,
        // Done only once every side has sent its last frame (`ended`).
        C::StopCurrent | C::WaitEvOpen | C::D2Off | C::WaitLowVoltage | C::Ended => Phase::Unplug,
    }
}

/// How far the session may go in this car phase.
pub(crate) fn ev_setup(p: EvPhase) -> Phase {
    match p {
        EvPhase::Idle | EvPhase::Exchange => Phase::Handshake,
        EvPhase::Enabled => Phase::InsulationTest,
        EvPhase::Charging => Phase::Ramp,
        EvPhase::Stopping | EvPhase::WeldingCheck | EvPhase::Finished | EvPhase::Ended => {
            Phase::Unplug
        }
    }
}

/// What the session reports as its end.
pub(crate) fn end_for(reason: StopReason, wanted: Option<ChargeEnd>) -> ChargeEnd {
    match reason {
        StopReason::Incompatible(_) => ChargeEnd::Incompatible,
        StopReason::EvNormal => wanted.unwrap_or(ChargeEnd::TargetSoc),
        StopReason::MaxTimeReached => ChargeEnd::Duration,
        StopReason::ChargerStop => wanted.unwrap_or(ChargeEnd::Aborted),
        _ => ChargeEnd::Aborted,
    }
}

/// Who stopped: the side whose flag or decision it was; a timeout, a lost
/// line or a pulled connector is the decision of the side that saw it.
pub(crate) fn initiator(reason: StopReason, seen_by: LinkSide) -> LinkSide {
    use StopReason as R;
    match reason {
        R::ChargerStop
        | R::ChargerMalfunction
        | R::ChargerSystemMalfunction
        | R::InsulationFailed
        | R::OutputOvervoltage
        | R::MaxTimeReached
        | R::Incompatible(
            Incompatibility::MaxVoltageAboveAvailable | Incompatibility::ChargerFlag,
        ) => LinkSide::Charger,
        // The car's own checks (its target or current against the offer).
        R::EvNormal
        | R::EvFault(_)
        | R::EvSystemFault
        | R::ShiftNotPark
        | R::EvPermissionWithdrawn
        | R::Incompatible(_) => LinkSide::Ev,
        R::CanTimeout | R::SequenceTimeout | R::LineDropped | R::Unplugged => seen_by,
    }
}

/// The stop reason in the report's words: `ev_fault(high_temp)`, `can_timeout`.
pub(crate) fn reason_name(reason: StopReason) -> String {
    match reason {
        StopReason::EvFault(f) => {
            let names = [
                (f.overvoltage, "overvoltage"),
                (f.undervoltage, "undervoltage"),
                (f.current_deviation, "current_deviation"),
                (f.high_temp, "high_temp"),
                (f.voltage_deviation, "voltage_deviation"),
            ];
            let on: Vec<&str> = names.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect();
            format!("ev_fault({})", on.join(","))
        }
        StopReason::Incompatible(i) => format!("incompatible({})", snake(&format!("{i:?}"))),
        other => snake(&format!("{other:?}")),
    }
}

/// `CanTimeout` → `can_timeout`.
pub(crate) fn snake(name: &str) -> String {
    let mut o = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                o.push('_');
            }
            o.push(c.to_ascii_lowercase());
        } else {
            o.push(c);
        }
    }
    o
}
