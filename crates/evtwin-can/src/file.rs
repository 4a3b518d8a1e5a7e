//! Reading user files, bounded: only regular files (a FIFO would block, a
//! device such as `/dev/zero` never ends) and at most a stated size, checked
//! before anything is read. Errors name the file and the limit.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The size limit for text inputs that are read whole (scenarios, presets,
/// cell definitions, mappings, DBCs): 64 MiB.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// The size limit for tables read whole (cell tables, drive cycles): 256 MiB.
pub const MAX_TABLE_BYTES: u64 = 256 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The OS refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Not a regular file.
    #[error("{}: is {kind}, not a regular file (only regular files are read)", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead ("a directory", "a FIFO", ...).
        kind: &'static str,
    },
    /// Larger than the limit.
    #[error("{}: {size} bytes, over the {} MiB limit for {what}", path.display(), limit >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or how much was read before giving up).
        size: u64,
        /// The limit, bytes.
        limit: u64,
        /// What the file was for ("a scenario", "a DBC", ...).
        what: &'static str,
    },
}

impl FileError {
    /// The error without the path in front (for callers that print it).
    #[must_use]
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let path = match self {
            Self::Io { path, .. } | Self::NotAFile { path, .. } | Self::TooLarge { path, .. } => {
                path.display().to_string()
            }
        };
        full.strip_prefix(&format!("{path}: "))
            .map_or_else(|| full.clone(), str::to_owned)
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Opens `path` for reading if it is a regular file (checked before opening,
/// so a FIFO never blocks, and again on the open file).
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    let io = |source| FileError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotAFile {
            path: path.to_owned(),
            kind: kind_of(&meta),
        });
    }
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotAFile {
            path: path.to_owned(),
            kind: kind_of(&meta),
        });
    }
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes; `what` names its use in the
/// error ("a scenario").
pub fn read_bytes(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let file = open_regular(path)?;
    let too_large = |size| FileError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
        what,
    };
    let size = file.metadata().map_or(0, |m| m.len());
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // The file may grow while it is read: read one byte past the limit at most.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FileError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_bytes`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, FileError> {
    let bytes = read_bytes(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| FileError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path(), 10, "a test").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("is a directory, not a regular file (only regular files are read)"),
            "{e}"
        );
        let e = read_text(Path::new("/dev/zero"), 10, "a test").unwrap_err();
        assert!(
            matches!(
                e,
                FileError::NotAFile {
                    kind: "a character device",
                    ..
                }
            ),
            "{e}"
        );
        let f = dir.path().join("big.txt");
        std::fs::write(&f, vec![b'a'; (1 << 20) + 1]).unwrap();
        let e = read_text(&f, 1 << 20, "a test").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: 1048577 bytes, over the 1 MiB limit for a test",
                f.display()
            )
        );
        assert_eq!(
            read_text(&f, 2 << 20, "a test").unwrap().len(),
            (1 << 20) + 1
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = read_text(&fifo, 10, "a test").unwrap_err();
        assert!(
            matches!(e, FileError::NotAFile { kind: "a FIFO", .. }),
            "{e}"
        );
    }
}
