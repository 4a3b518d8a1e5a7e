//! The charging-conversation kinds of `[[fault]]` (`charge_*`): they need a
//! charge leg that names a protocol; a dropped message is checked against the
//! protocols the route's legs name (GB/T by short name, CHAdeMO by
//! identifier).

use evtwin_can::gbt;

use super::parse::At;
use super::parse_plant::need;
use crate::charge_link::{LinkFaultKind, LinkSide, Protocol};
use crate::raw_fault::{RawFault, RawMessage};
use crate::source::FileError;

/// The conversation's kinds.
pub(super) const LINK_KINDS: [&str; 6] = [
    "charge_mute",
    "charge_drop",
    "charge_tp_abort",
    "charge_ev_fault",
    "charge_charger_fault",
    "charge_insulation_fault",
];

/// The GB/T 27930 messages a `charge_drop` may name, with their PGNs.
const GBT_MESSAGES: [u32; 21] = [
    gbt::PGN_CHM,
    gbt::PGN_BHM,
    gbt::PGN_CRM,
    gbt::PGN_BRM,
    gbt::PGN_BCP,
    gbt::PGN_CTS,
    gbt::PGN_CML,
    gbt::PGN_BRO,
    gbt::PGN_CRO,
    gbt::PGN_BCL,
    gbt::PGN_BCS,
    gbt::PGN_CCS,
    gbt::PGN_BSM,
    gbt::PGN_BMV,
    gbt::PGN_BMT,
    gbt::PGN_BST,
    gbt::PGN_CST,
    gbt::PGN_BSD,
    gbt::PGN_CSD,
    gbt::PGN_BEM,
    gbt::PGN_CEM,
];

/// The GB/T 27930 messages sent over the J1939 transport (more than 8
/// bytes), which a `charge_tp_abort` may name.
const GBT_TP_MESSAGES: [u32; 5] = [
    gbt::PGN_BRM,
    gbt::PGN_BCP,
    gbt::PGN_BCS,
    gbt::PGN_BMV,
    gbt::PGN_BMT,
];

/// The CHAdeMO identifiers a `charge_drop` may name (the car's, then the
/// station's).
const CHADEMO_IDS: [u32; 5] = [0x100, 0x101, 0x102, 0x108, 0x109];

/// A conversation fault of `kind` (one of [`LINK_KINDS`]) from entry `f`,
/// for a route whose legs name `protocols`.
pub(super) fn link(
    at: &At<'_>,
    kind: &str,
    f: &RawFault,
    protocols: &[Protocol],
) -> Result<(LinkFaultKind, String), FileError> {
    let has = |p: Protocol| protocols.contains(&p);
    if !has(Protocol::Gbt27930) && !has(Protocol::Chademo) {
        return Err(at.err(
            "kind",
            format!(
                "a {kind} fault acts on a charge stop's conversation, and no charge leg of the \
                 route names a protocol (`protocol = \"gbt27930\"` or `\"chademo\"`)"
            ),
        ));
    }
    Ok(match kind {
        "charge_mute" => {
            let side = need(at, "side", kind, f.side.as_deref())?;
            let (side, who) = match side {
                "ev" => (LinkSide::Ev, "the car"),
                "charger" => (LinkSide::Charger, "the station"),
                other => {
                    return Err(at.err("side", format!("side `{other}`: \"ev\" or \"charger\"")));
                }
            };
            (
                LinkFaultKind::Mute(side),
                format!("{who}'s protocol frames are lost (it stops answering)"),
            )
        }
        "charge_drop" => {
            let m = need(at, "message", kind, f.message.as_ref())?;
            dropped(at, m, has(Protocol::Gbt27930), has(Protocol::Chademo))?
        }
        "charge_tp_abort" => {
            let m = need(at, "message", kind, f.message.as_ref())?;
            tp_aborted(at, m, has(Protocol::Gbt27930))?
        }
        "charge_ev_fault" => (
            LinkFaultKind::EvBatteryFault,
            "the car's BMS raises a battery fault (GB/T: its BST; CHAdeMO: the 0x102 flag)"
                .to_owned(),
        ),
        "charge_charger_fault" => (
            LinkFaultKind::ChargerMalfunction,
            "the station's power stage fails (GB/T: CST with a fault; CHAdeMO: the 0x109 \
             malfunction flag)"
                .to_owned(),
        ),
        "charge_insulation_fault" => (
            LinkFaultKind::InsulationFault,
            "the station's insulation monitor finds a fault".to_owned(),
        ),
        other => unreachable!("not a conversation kind: {other}"),
    })
}

/// A `charge_drop`'s message: a GB/T short name, or a CHAdeMO identifier (as
/// `"0x102"` or a number), among the protocols the route names.
fn dropped(
    at: &At<'_>,
    m: &RawMessage,
    gbt_leg: bool,
    chademo_leg: bool,
) -> Result<(LinkFaultKind, String), FileError> {
    let id = match m {
        RawMessage::Id(id) => Some(*id),
        RawMessage::Name(n) => n
            .strip_prefix("0x")
            .or_else(|| n.strip_prefix("0X"))
            .and_then(|h| i64::from_str_radix(h, 16).ok()),
    };
    if gbt_leg
        && let RawMessage::Name(n) = m
        && let Some(pgn) = GBT_MESSAGES
            .iter()
            .copied()
            .find(|p| gbt::name(*p).eq_ignore_ascii_case(n))
    {
        let what = format!("GB/T {} frames are lost (PGN 0x{pgn:04X})", gbt::name(pgn));
        return Ok((LinkFaultKind::DropPgn(pgn), what));
    }
    if chademo_leg
        && let Some(id) = id.and_then(|i| u32::try_from(i).ok())
        && CHADEMO_IDS.contains(&id)
    {
        let what = format!("CHAdeMO frames 0x{id:03X} are lost");
        return Ok((LinkFaultKind::Drop(id), what));
    }
    let mut choices = Vec::new();
    if gbt_leg {
        let names: Vec<&str> = GBT_MESSAGES.iter().map(|p| gbt::name(*p)).collect();
        choices.push(format!("GB/T 27930: {}", names.join(", ")));
    }
    if chademo_leg {
        let ids: Vec<String> = CHADEMO_IDS.iter().map(|i| format!("0x{i:03X}")).collect();
        choices.push(format!("CHAdeMO: {}", ids.join(", ")));
    }
    Err(at.err(
        "message",
        format!(
            "`{}` is not a message of the route's charging protocols ({})",
            m.shown(),
            choices.join("; ")
        ),
    ))
}

/// A `charge_tp_abort`'s message: a GB/T message sent over the transport.
fn tp_aborted(
    at: &At<'_>,
    m: &RawMessage,
    gbt_leg: bool,
) -> Result<(LinkFaultKind, String), FileError> {
    if !gbt_leg {
        return Err(at.err(
            "kind",
            "a charge_tp_abort fault acts on GB/T 27930's transport (CHAdeMO has none), and \
             no charge leg of the route names `protocol = \"gbt27930\"`",
        ));
    }
    if let RawMessage::Name(n) = m
        && let Some(pgn) = GBT_TP_MESSAGES
            .iter()
            .copied()
            .find(|p| gbt::name(*p).eq_ignore_ascii_case(n))
    {
        let what = format!(
            "GB/T {}'s transport connections are aborted (reason 2, resources needed)",
            gbt::name(pgn)
        );
        return Ok((LinkFaultKind::TpAbort(pgn), what));
    }
    let names: Vec<&str> = GBT_TP_MESSAGES.iter().map(|p| gbt::name(*p)).collect();
    Err(at.err(
        "message",
        format!(
            "`{}` is not a GB/T 27930 message sent over the transport ({})",
            m.shown(),
            names.join(", ")
        ),
    ))
}
