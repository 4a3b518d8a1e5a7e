//! Shipped presets, compiled into the binary so `evtwin` works from any directory,
//! and resolution of preset references: a bare name is a shipped preset; anything
//! with a `/` or a file extension is a path relative to the referencing file.

use std::path::{Path, PathBuf};

use crate::source::Source;

/// A shipped asset.
struct Builtin {
    name: &'static str,
    file: &'static str,
    text: &'static str,
}

macro_rules! builtin {
    ($name:literal, $dir:literal, $file:literal) => {
        Builtin {
            name: $name,
            file: concat!("assets/", $dir, "/", $file),
            text: include_str!(concat!("../../../assets/", $dir, "/", $file)),
        }
    };
}

const VEHICLES: &[Builtin] = &[
    builtin!("model3-rwd-2022", "vehicles", "model3-rwd-2022.toml"),
    builtin!(
        "model3-rwd-2022-epa",
        "vehicles",
        "model3-rwd-2022-epa.toml"
    ),
    builtin!("ssb-sedan-800v", "vehicles", "ssb-sedan-800v.toml"),
];

const CELLS: &[Builtin] = &[
    builtin!("nmc-graphite", "cells", "nmc-graphite.toml"),
    builtin!("nmc-graphite-21700", "cells", "nmc-graphite-21700.toml"),
    builtin!("sulfide", "cells", "sulfide.toml"),
    builtin!("oxide", "cells", "oxide.toml"),
    builtin!("polymer", "cells", "polymer.toml"),
];

const CELL_TABLES: &[Builtin] = &[
    builtin!("nmc-graphite.csv", "cells", "nmc-graphite.csv"),
    builtin!("nmc-graphite-21700.csv", "cells", "nmc-graphite-21700.csv"),
    builtin!("sulfide.csv", "cells", "sulfide.csv"),
    builtin!("oxide.csv", "cells", "oxide.csv"),
    builtin!("polymer.csv", "cells", "polymer.csv"),
];

/// What kind of asset is referenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `assets/vehicles/*.toml`.
    Vehicle,
    /// `assets/cells/*.toml`.
    Cell,
    /// A cell's parameter table.
    CellTable,
}

impl Kind {
    fn builtins(self) -> &'static [Builtin] {
        match self {
            Self::Vehicle => VEHICLES,
            Self::Cell => CELLS,
            Self::CellTable => CELL_TABLES,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Vehicle => "vehicle preset",
            Self::Cell => "cell chemistry",
            Self::CellTable => "cell table",
        }
    }
}

/// Where an asset came from: shipped, or a directory its relative references
/// resolve against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled in.
    Builtin,
    /// A file in this directory.
    Dir(PathBuf),
}

/// Names of the shipped assets of a kind.
#[must_use]
pub fn builtin_names(kind: Kind) -> Vec<&'static str> {
    kind.builtins().iter().map(|b| b.name).collect()
}

/// Whether `reference` names a file rather than a shipped asset (inside a file,
/// every reference with a `/` or an extension is a path).
#[must_use]
pub fn is_path(reference: &str) -> bool {
    reference.contains('/')
        || reference.contains('\\')
        || Path::new(reference).extension().is_some()
}

/// Loads the asset `reference` of `kind`, resolving paths against `origin`.
/// Errors are sentences for the user (the caller adds the location).
pub fn load(kind: Kind, reference: &str, origin: &Origin) -> Result<(Source, Origin), String> {
    let as_file = match origin {
        Origin::Dir(dir) => is_path(reference).then(|| dir.join(reference)),
        Origin::Builtin => None,
    };
    if let Some(path) = as_file {
        let limit = match kind {
            Kind::CellTable => evtwin_can::file::MAX_TABLE_BYTES,
            Kind::Vehicle | Kind::Cell => evtwin_can::file::MAX_TEXT_BYTES,
        };
        let text = evtwin_can::file::read_text(&path, limit, kind.noun())
            .map_err(|e| format!("cannot read {}: {e}", kind.noun()))?;
        let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        return Ok((
            Source {
                name: path.display().to_string(),
                text,
            },
            Origin::Dir(dir),
        ));
    }
    match kind.builtins().iter().find(|b| b.name == reference) {
        Some(b) => Ok((
            Source {
                name: format!("builtin:{}", b.file),
                text: b.text.to_owned(),
            },
            Origin::Builtin,
        )),
        None => Err(unknown(kind, reference, origin)),
    }
}

/// Why `reference` names no shipped asset of `kind`, true to what is on disk.
fn unknown(kind: Kind, reference: &str, origin: &Origin) -> String {
    let on_disk = match origin {
        Origin::Dir(dir) => std::fs::metadata(dir.join(reference)).ok(),
        Origin::Builtin => None,
    };
    let what = match &on_disk {
        Some(m) if m.is_dir() => {
            format!("`{reference}` is a directory, not a {}; ", kind.noun())
        }
        Some(_) => format!(
            "`{reference}` is not a shipped {} (to use the file, write `./{reference}`); ",
            kind.noun()
        ),
        None => format!("unknown {} `{reference}` (", kind.noun()),
    };
    let close = if on_disk.is_some() { "" } else { ")" };
    format!(
        "{what}shipped: {}; or give a path to a .toml file{close}",
        builtin_names(kind).join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_assets_resolve_by_name() {
        let here = Origin::Dir(PathBuf::from("."));
        for kind in [Kind::Vehicle, Kind::Cell] {
            for name in builtin_names(kind) {
                let (src, origin) = load(kind, name, &here).unwrap();
                assert!(src.name.starts_with("builtin:assets/"));
                assert_eq!(origin, Origin::Builtin);
            }
        }
        for table in builtin_names(Kind::CellTable) {
            let (src, _) = load(Kind::CellTable, table, &Origin::Builtin).unwrap();
            evtwin_sim::cell::CellTable::parse_csv(&src.text).unwrap();
        }
    }

    #[test]
    fn unknown_names_list_the_shipped_ones() {
        let e = load(Kind::Vehicle, "delorean", &Origin::Builtin).unwrap_err();
        assert!(
            e.contains("model3-rwd-2022") && e.contains("ssb-sedan-800v"),
            "{e}"
        );
        let e = load(
            Kind::Cell,
            "./nope.toml",
            &Origin::Dir(PathBuf::from("/nonexistent")),
        )
        .unwrap_err();
        assert!(e.starts_with("cannot read cell chemistry"), "{e}");
    }
}
