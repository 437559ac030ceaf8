//! Who may edit scenarios: one bearer token (`--edit-token-file` or `SPIELRAUM_EDIT_TOKEN`),
//! compared in constant time; without a token configured the server is read-only.

use axum::http::{HeaderMap, StatusCode, header};
use subtle::ConstantTimeEq;

use crate::error::ErrorCode;

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

    /// Checks the request's `Authorization: Bearer …` header (scheme in any case): `Ok` when it carries the token;
    /// else the status, code and message to answer (403 `editing_disabled`, 401
    /// `token_missing`, 403 `token_wrong`).
    pub fn check(&self, headers: &HeaderMap) -> Result<(), (StatusCode, ErrorCode, &'static str)> {
        let Some(expected) = &self.0 else {
            return Err((
                StatusCode::FORBIDDEN,
                ErrorCode::EditingDisabled,
                "Editing is switched off on this server: it was started without an edit token \
                 (--edit-token-file FILE or SPIELRAUM_EDIT_TOKEN).",
            ));
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                // The scheme is case-insensitive (RFC 9110 §11.1).
                let (scheme, token) = v.trim_start().split_once([' ', '\t'])?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token)
            })
            .map(str::trim);
        let Some(given) = given.filter(|g| !g.is_empty()) else {
            return Err((
                StatusCode::UNAUTHORIZED,
                ErrorCode::TokenMissing,
                "Changing scenarios needs the edit token, and none was given.",
            ));
        };
        // `ct_eq` on slices compares every byte without an early exit (lengths that differ
        // answer false at once, which reveals only the length).
        if bool::from(given.as_bytes().ct_eq(expected)) {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                ErrorCode::TokenWrong,
                "The edit token given is not this server's edit token.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn token_cases() {
        let t = EditToken::new("  secret-token\n", "test").unwrap();
        assert!(t.check(&headers(Some("Bearer secret-token"))).is_ok());
        assert!(t.check(&headers(Some("BEARER secret-token"))).is_ok());
        assert!(t.check(&headers(Some("bEaReR  secret-token"))).is_ok());
        let status = |h| t.check(&h).unwrap_err().0;
        assert_eq!(status(headers(None)), StatusCode::UNAUTHORIZED);
        assert_eq!(status(headers(Some("Basic abc"))), StatusCode::UNAUTHORIZED);
        assert_eq!(status(headers(Some("Bearer "))), StatusCode::UNAUTHORIZED);
        assert_eq!(
            status(headers(Some("Bearer secret-tokeN"))),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(headers(Some("Bearer secret-token-longer"))),
            StatusCode::FORBIDDEN
        );
        let ro = EditToken::read_only();
        assert_eq!(
            ro.check(&headers(Some("Bearer secret-token")))
                .unwrap_err()
                .0,
            StatusCode::FORBIDDEN
        );
        assert!(matches!(
            EditToken::new("short", "x"),
            Err(TokenError::TooShort { len: 5, .. })
        ));
    }
}
