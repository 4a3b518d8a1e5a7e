//! DBC loading and a runtime signal codec.
//!
//! [`Dbc::parse`] runs the text through a normaliser (wrapped `VAL_` lines,
//! CRLF, trailing blanks, statements the parser does not know), parses it with
//! `can-dbc`, and builds our model: [`Message`]s of [`SignalDef`]s with their
//! bit layout precomputed. [`Message::encode`] and [`Message::decode`] convert
//! between physical values and payload bytes without allocating;
//! [`Dbc::check`] lists semantic problems with their line and column.
//!
//! ```
//! use evtwin_can::dbc::Dbc;
//! let dbc = Dbc::parse(
//!     "BO_ 256 Pack: 2 BMS\n SG_ Voltage : 0|16@1+ (0.1,0) [0|6553.5] \"V\" Vector__XXX\n",
//!     "pack.dbc",
//! )?;
//! let (_, pack) = dbc.message_by_name("Pack").expect("defined above");
//! let mut data = [0u8; 2];
//! pack.encode(&[400.0], &mut data);
//! assert_eq!(data, [0xA0, 0x0F]);
//! let mut volts = [0.0];
//! pack.decode(&data, &mut volts)?;
//! assert_eq!(volts[0], 400.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod check;
mod codec;
mod error;
mod index;
mod layout;
mod model;
mod normalize;
mod overlap;

use std::path::Path;

pub use check::Problem;
pub use codec::{EncodeReport, RawValue};
pub use error::{DbcError, DecodeError};
pub use layout::ByteOrder;
pub use model::{Message, MuxCondition, MuxRole, SignalDef, ValueKind};

use crate::frame::CanId;
use normalize::{Normalized, position};

/// A loaded CAN database.
#[derive(Debug, Clone)]
pub struct Dbc {
    origin: String,
    nodes: Vec<String>,
    messages: Vec<Message>,
    /// `(id, index)` sorted by id.
    by_id: Vec<(CanId, usize)>,
    /// Message indices sorted by name.
    by_name: Vec<usize>,
    build_problems: Vec<Problem>,
}

impl Dbc {
    /// Parses DBC text. `origin` names it in errors (a file name).
    pub fn parse(text: &str, origin: &str) -> Result<Self, DbcError> {
        let norm = Normalized::new(text);
        let syntax = |at: usize, message: String| {
            let pos = position(text, norm.original_offset(at));
            DbcError::Syntax {
                origin: origin.to_owned(),
                line: pos.line,
                col: pos.col,
                message,
            }
        };
        let ast = can_dbc::Dbc::try_from(norm.text.as_str()).map_err(|e| match e {
            can_dbc::DbcError::Pest(p) => {
                let at = match p.location {
                    pest::error::InputLocation::Pos(at)
                    | pest::error::InputLocation::Span((at, _)) => at,
                };
                syntax(at, pest_message(&p))
            }
            other => {
                let (at, message) = locate(&norm.text, &other);
                syntax(at, message)
            }
        })?;
        let built = build::build(&ast, &norm).map_err(|e| DbcError::Syntax {
            origin: origin.to_owned(),
            line: e.at.line,
            col: e.at.col,
            message: e.message,
        })?;
        Ok(Self::new(
            origin,
            built.nodes,
            built.messages,
            built.problems,
        ))
    }

    /// Reads and parses a DBC file (UTF-8, or Windows-1252 as older tools
    /// write it): a regular file of at most
    /// [`crate::file::MAX_TEXT_BYTES`].
    pub fn load(path: &Path) -> Result<Self, DbcError> {
        let bytes = crate::file::read_bytes(path, crate::file::MAX_TEXT_BYTES, "a DBC")?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let bytes = e.into_bytes();
                can_dbc::decode_cp1252(&bytes).map_or_else(
                    || bytes.iter().map(|&b| char::from(b)).collect(),
                    std::borrow::Cow::into_owned,
                )
            }
        };
        Self::parse(&text, &path.display().to_string())
    }

    fn new(
        origin: &str,
        nodes: Vec<String>,
        messages: Vec<Message>,
        build_problems: Vec<Problem>,
    ) -> Self {
        let mut by_id: Vec<(CanId, usize)> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i))
            .collect();
        by_id.sort_by_key(|&(id, i)| (id, i));
        let mut by_name: Vec<usize> = (0..messages.len()).collect();
        by_name.sort_by(|&a, &b| messages[a].name.cmp(&messages[b].name).then(a.cmp(&b)));
        Self {
            origin: origin.to_owned(),
            nodes,
            messages,
            by_id,
            by_name,
            build_problems,
        }
    }

    /// The origin given to [`Dbc::parse`] (the file name for [`Dbc::load`]).
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Nodes declared in `BU_` (`Vector__XXX` left out).
    #[must_use]
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// All messages in DBC order.
    #[must_use]
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The message with identifier `id` (the first, if the DBC repeats it) and
    /// its index in [`Dbc::messages`]. Binary search, no allocation.
    #[must_use]
    pub fn message_by_id(&self, id: CanId) -> Option<(usize, &Message)> {
        let k = self.by_id.partition_point(|&(i, _)| i < id);
        let &(found, index) = self.by_id.get(k)?;
        (found == id).then(|| self.messages.get(index).map(|m| (index, m)))?
    }

    /// The message called `name` and its index.
    #[must_use]
    pub fn message_by_name(&self, name: &str) -> Option<(usize, &Message)> {
        let k = self
            .by_name
            .partition_point(|&i| self.messages.get(i).is_some_and(|m| m.name.as_str() < name));
        let &index = self.by_name.get(k)?;
        let m = self.messages.get(index)?;
        (m.name == name).then_some((index, m))
    }
}

/// A pest error's message without its rendered source excerpt.
fn pest_message<R: pest::RuleType>(e: &pest::error::Error<R>) -> String {
    match &e.variant {
        pest::error::ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let list = |rules: &[R]| {
                rules
                    .iter()
                    .map(|r| format!("{r:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match (positives.is_empty(), negatives.is_empty()) {
                (false, _) => format!("syntax error: expected {}", list(positives)),
                (true, false) => format!("syntax error: unexpected {}", list(negatives)),
                (true, true) => "syntax error".to_owned(),
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    }
}

/// A position for an error `can-dbc` reports without one: the first place
/// the offending token appears as a whole word, else the start.
fn locate(text: &str, e: &can_dbc::DbcError) -> (usize, String) {
    let token = match e {
        can_dbc::DbcError::InvalidFloat(t)
        | can_dbc::DbcError::InvalidInt(t)
        | can_dbc::DbcError::InvalidUint(t)
        | can_dbc::DbcError::InvalidNumericValue(t)
        | can_dbc::DbcError::UnknownMultiplexIndicator(t) => Some(t.clone()),
        can_dbc::DbcError::MessageIdOutOfRange(v) => Some(v.to_string()),
        _ => None,
    };
    let at = token
        .and_then(|t| {
            text.match_indices(t.as_str()).map(|(i, _)| i).find(|&i| {
                let before = text[..i].chars().next_back();
                let after = text[i + t.len()..].chars().next();
                let word = |c: Option<char>| {
                    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                };
                !word(before) && !word(after)
            })
        })
        .unwrap_or(0);
    (at, e.to_string())
}
