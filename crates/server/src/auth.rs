//! The server's machine token: one bearer token (`--edit-token-file` or `SPIELRAUM_EDIT_TOKEN`)
//! with the `editor` role, compared in constant time (see [`crate::caller`] for how requests
//! are checked).

use subtle::ConstantTimeEq;

/// The environment variable holding the edit token when no token file is given.
pub const EDIT_TOKEN_ENV: &str = "SPIELRAUM_EDIT_TOKEN";

/// Shortest token accepted, in bytes: a short token would be guessed.
pub const MIN_TOKEN_BYTES: usize = 8;

/// Why an edit token cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token file could not be read.
    #[error("cannot read the edit token file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The token is shorter than [`MIN_TOKEN_BYTES`] (after trimming whitespace).
    #[error(
        "the edit token from {origin} has {len} characters; use at least {MIN_TOKEN_BYTES} (e.g. `openssl rand -hex 16`)"
    )]
    TooShort {
        /// Where it came from (the file or the variable).
        origin: String,
        /// Its length in bytes.
        len: usize,
    },
}

/// The editing permission of a server: `None` is read-only.
#[derive(Clone, Default)]
pub struct EditToken(Option<Vec<u8>>);

impl std::fmt::Debug for EditToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.write_str(if self.0.is_some() {
            "EditToken(set)"
        } else {
            "EditToken(none)"
        })
    }
}

impl EditToken {
    /// A read-only server: every edit answers 403.
    pub fn read_only() -> EditToken {
        EditToken(None)
    }

    /// A token given as text (surrounding whitespace, e.g. a file's final newline, is dropped);
    /// `origin` names where it came from, for the error message.
    pub fn new(token: &str, origin: &str) -> Result<EditToken, TokenError> {
        let token = token.trim();
        if token.len() < MIN_TOKEN_BYTES {
            return Err(TokenError::TooShort {
                origin: origin.to_string(),
                len: token.len(),
            });
        }
        Ok(EditToken(Some(token.as_bytes().to_vec())))
    }

    /// The token of `spielraum serve`: the file when given, else `$SPIELRAUM_EDIT_TOKEN` when
    /// set and not empty, else read-only.
    pub fn from_file_or_env(file: Option<&std::path::Path>) -> Result<EditToken, TokenError> {
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
                path: path.display().to_string(),
                source,
            })?;
            return EditToken::new(&text, &path.display().to_string());
        }
        match std::env::var(EDIT_TOKEN_ENV) {
            Ok(v) if !v.trim().is_empty() => EditToken::new(&v, EDIT_TOKEN_ENV),
            _ => Ok(EditToken::read_only()),
        }
    }

    /// Whether editing is possible at all on this server.
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `given` (a bearer token, see [`crate::caller`]) is this server's token,
    /// compared in constant time: `ct_eq` on slices compares every byte without an early exit
    /// (lengths that differ answer false at once, which reveals only the length).
    pub fn matches(&self, given: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|expected| bool::from(given.trim().as_bytes().ct_eq(expected)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_cases() {
        let t = EditToken::new("  secret-token\n", "test").unwrap();
        assert!(t.matches("secret-token"));
        assert!(!t.matches("secret-tokeN"));
        assert!(!t.matches("secret-token-longer"));
        assert!(!t.matches(""));
        assert!(!EditToken::read_only().matches("secret-token"));
        assert!(matches!(
            EditToken::new("short", "x"),
            Err(TokenError::TooShort { len: 5, .. })
        ));
    }
}
