//! Output files that appear complete or not at all.
//!
//! Everything is written to a temporary file in the target's folder and renamed into place.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `path` atomically: `write` fills a temporary file in the same folder,
/// which replaces `path` only when `write` succeeded. On error an existing file is untouched.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp =
        tempfile_in(dir).with_context(|| format!("cannot write to folder {}", dir.display()))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        write(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".spielraum-")
        .suffix(".tmp")
        .tempfile_in(dir)
}
