//! Loading a network: the DBC, the mapping and the node roles, checked together.

use std::path::Path;

use evtwin_can::dbc::{Dbc, DbcError};
use evtwin_sim::Catalogue;

use super::mapping;
use super::network::Network;
use super::plan::Plan;
use crate::Scenario;
use crate::source::{FileError, Source};

/// Why a network could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum NetLoadError {
    /// The DBC file.
    #[error("{0}")]
    Dbc(#[from] DbcError),
    /// The mapping file.
    #[error("{0}")]
    Mapping(#[from] FileError),
    /// A node named as real is not on the network.
    #[error("`{node}` is not a node of this network (nodes: {known})")]
    UnknownNode {
        /// The name given.
        node: String,
        /// The nodes there are.
        known: String,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl NetLoadError {
    /// The error as a user should see it (with the offending line for mappings).
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            Self::Mapping(e) => e.render(),
            other => other.to_string(),
        }
    }
}

/// The shipped network: `assets/dbc/evtwin.dbc`.
pub const BUILTIN_DBC: &str = include_str!("../../../../assets/dbc/evtwin.dbc");
/// The shipped mapping: `assets/dbc/evtwin.map.toml`.
pub const BUILTIN_MAPPING: &str = include_str!("../../../../assets/dbc/evtwin.map.toml");

/// A DBC or mapping: a file, or the shipped one.
#[derive(Debug, Clone, Copy)]
pub enum NetFile<'a> {
    /// A file on disk.
    Path(&'a Path),
    /// The shipped evtwin network.
    Builtin,
}

fn read(
    file: NetFile<'_>,
    builtin: &'static str,
    name: &str,
    what: &'static str,
) -> Result<Source, NetLoadError> {
    match file {
        NetFile::Builtin => Ok(Source {
            name: format!("builtin:{name}"),
            text: builtin.to_owned(),
        }),
        NetFile::Path(p) => Ok(Source {
            name: p.display().to_string(),
            text: evtwin_can::file::read_text(p, evtwin_can::file::MAX_TEXT_BYTES, what).map_err(
                |e| NetLoadError::Io {
                    path: p.display().to_string(),
                    source: std::io::Error::other(e.reason()),
                },
            )?,
        }),
    }
}

/// Reads and parses a DBC and a mapping (not yet checked against each other):
/// the DBC, the mapping's source text and the mapping as written.
pub(crate) fn read_network(
    dbc: NetFile<'_>,
    mapping: NetFile<'_>,
) -> Result<(Dbc, Source, mapping::RawMapping), NetLoadError> {
    let dbc_src = read(dbc, BUILTIN_DBC, "evtwin.dbc", "a DBC")?;
    let db = Dbc::parse(&dbc_src.text, &dbc_src.name)?;
    let src = read(mapping, BUILTIN_MAPPING, "evtwin.map.toml", "a mapping")?;
    let raw = mapping::parse(&src)?;
    Ok((db, src, raw))
}

/// Loads a DBC and a mapping for `scenario`'s pack, with `real` nodes played by
/// real ECUs; the network starts at virtual time 0.
pub fn load_network(
    scenario: &Scenario,
    dbc: NetFile<'_>,
    mapping: NetFile<'_>,
    real: &[String],
) -> Result<Network, NetLoadError> {
    let (db, src, raw) = read_network(dbc, mapping)?;
    let mut nodes: Vec<&str> = db.nodes().iter().map(String::as_str).collect();
    nodes.extend(raw.messages.values().filter_map(|m| m.sender.as_deref()));
    // A real car's charge controller speaks only its charging protocol.
    nodes.push(crate::charge_link::EV_NODE);
    nodes.sort_unstable();
    nodes.dedup();
    if let Some(node) = real.iter().find(|n| !nodes.contains(&n.as_str())) {
        return Err(NetLoadError::UnknownNode {
            node: node.clone(),
            known: nodes.join(", "),
        });
    }
    let catalogue = Catalogue::new(scenario.config.pack.series);
    let plan = Plan::new(&db, &src, &raw, &catalogue, real)?;
    Ok(Network::new(db, plan, 0))
}
