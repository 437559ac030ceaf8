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

/// Whether output goes to a person: no `--out` and standard output is a terminal (tables for
/// people, JSON for programs).
pub fn for_a_person(out: Option<&Path>) -> bool {
    use std::io::IsTerminal;
    out.is_none() && std::io::stdout().is_terminal()
}

/// Writes to `out` atomically ([`write_atomically`]) or, without `out`, to standard output.
///
/// A reader that stops early (`| head`) surfaces as a broken pipe, which `main` answers with
/// success.
pub fn write_output(
    out: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match out {
        Some(path) => write_atomically(path, write),
        None => {
            let mut stdout = BufWriter::new(std::io::stdout().lock());
            write(&mut stdout)?;
            Ok(stdout.flush()?)
        }
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".spielraum-").suffix(".tmp");
    // Like any new file (0666 less the umask), not the temporary file's private 0600: reports
    // and tables are meant to be shared.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The output gets the mode any new file gets here (0666 less the umask), which
    /// `File::create` shows independently, not the temporary file's private 0600.
    #[cfg(unix)]
    #[test]
    fn output_has_the_mode_of_a_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::File::create(&plain).unwrap();
        let ours = dir.path().join("ours.txt");
        write_atomically(&ours, |w| Ok(w.write_all(b"x")?)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
        assert_eq!(std::fs::read(&ours).unwrap(), b"x");
    }
}
