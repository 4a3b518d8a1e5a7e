//! Errors of DBC loading and of the codec.

use std::path::PathBuf;

/// Why a DBC file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DbcError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Not a regular file, or too large.
    #[error("{0}")]
    File(#[from] crate::file::FileError),
    /// The text is not a DBC file the loader understands, or names something
    /// the model cannot represent (an identifier out of range, say).
    #[error("{origin}:{line}:{col}: {message}")]
    Syntax {
        /// The file name (or whatever the caller passed as the origin).
        origin: String,
        /// 1-based line in the original text.
        line: usize,
        /// 1-based column, in characters.
        col: usize,
        /// What is wrong.
        message: String,
    },
}

impl DbcError {
    /// The `(line, column)` the error points at, if it has one.
    #[must_use]
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            Self::Io { .. } | Self::File(_) => None,
            Self::Syntax { line, col, .. } => Some((*line, *col)),
        }
    }
}

/// Why a payload could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The payload is shorter than the message.
    #[error("{got} data bytes, the message has {need}")]
    TooShort {
        /// Bytes given.
        got: usize,
        /// The message length.
        need: usize,
    },
    /// The output slice has fewer slots than the message has signals.
    #[error("room for {got} values, the message has {need} signals")]
    OutputTooShort {
        /// Slots given.
        got: usize,
        /// Signals in the message.
        need: usize,
    },
}
