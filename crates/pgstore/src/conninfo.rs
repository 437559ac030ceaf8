//! Connection strings: `postgresql://user@host:port/database?schema=NAME&sslmode=…` as libpq
//! reads them (TLS by `sslmode` and `sslrootcert`, [`crate::tls`]), with the password from the string, else `$PGPASSWORD`, else the password file
//! (`$PGPASSFILE` or `~/.pgpass`), and the user from the string, else `$PGUSER`, else the
//! login name. `schema` is ours (the PostgreSQL schema that holds the city, default
//! [`DEFAULT_SCHEMA`]); every other parameter goes to the driver.

use std::path::PathBuf;
use std::str::FromStr;

use tokio_postgres::config::Host;

use crate::PgError;
use crate::tls::TlsMode;

/// The schema a connection string without `schema=` names.
pub const DEFAULT_SCHEMA: &str = "spielraum";

/// Whether `text` is a PostgreSQL connection string rather than a file name.
pub fn is_database_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

/// A parsed connection string: the driver's configuration, the schema and the string as shown
/// in messages (without its password).
#[derive(Clone)]
pub struct ConnInfo {
    /// What the driver connects with (the password filled in as libpq would).
    pub config: tokio_postgres::Config,
    /// TLS: `sslmode` and `sslrootcert` ([`crate::tls`]).
    pub tls: TlsMode,
    /// The PostgreSQL schema that holds the city.
    pub schema: String,
    /// The connection string without its password, for messages.
    pub shown: String,
}

impl std::fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl ConnInfo {
    /// Parses `url`; see the module documentation.
    pub fn parse(url: &str) -> Result<ConnInfo, PgError> {
        let bad = |why: String| PgError::Url {
            url: hide_password(url),
            why,
        };
        if !is_database_url(url) {
            return Err(bad("does not start with postgresql://".into()));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut schema = DEFAULT_SCHEMA.to_string();
        let (mut sslmode, mut root_cert) = (None, None);
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", value)) => schema = value.to_string(),
                Some(("sslmode", value)) => sslmode = Some(value),
                Some(("sslrootcert", value)) => root_cert = Some(value),
                _ => kept.push(pair),
            }
        }
        let tls = TlsMode::parse(sslmode, root_cert).map_err(bad)?;
        if !is_plain_name(&schema) {
            return Err(bad(format!(
                "schema '{schema}' is not a plain name (lower-case letters, digits, _)"
            )));
        }
        let driver_url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = tokio_postgres::Config::from_str(&driver_url)
            .map_err(|e| bad(e.to_string().trim_end_matches('.').to_string()))?;
        config.ssl_mode(tls.mode);
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "postgres".into());
            config.user(&user);
        }
        if config.get_hosts().is_empty() {
            config.host("localhost");
        }
        if config.get_dbname().is_none() {
            let user = config.get_user().unwrap_or_default().to_string();
            config.dbname(&user);
        }
        if config.get_password().is_none()
            && let Some(password) = password_from_environment(&config)
        {
            config.password(password);
        }
        Ok(ConnInfo {
            config,
            tls,
            schema,
            shown: hide_password(url),
        })
    }
}

/// Lower-case letters, digits and `_`, not starting with a digit: a schema name that needs no
/// quoting.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `url` with the password between `:` and `@` replaced by `***`.
pub fn hide_password(url: &str) -> String {
    let Some(rest_at) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let authority_end = url[rest_at..]
        .find(['/', '?'])
        .map_or(url.len(), |i| rest_at + i);
    let authority = &url[rest_at..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..rest_at],
            &authority[..colon],
            &url[rest_at + at..]
        ),
        _ => url.to_string(),
    }
}

/// `$PGPASSWORD`, else the first matching line of the password file.
fn password_from_environment(config: &tokio_postgres::Config) -> Option<String> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        // libpq matches a Unix socket against "localhost".
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or_default();
    let user = config.get_user().unwrap_or_default();
    pgpass_lookup(&text, [&host, &port, db, user])
}

/// The password of the first line of a password file (`host:port:database:user:password`,
/// `*` matching anything, `\:` and `\\` escaped) that matches `wanted`.
pub fn pgpass_lookup(text: &str, wanted: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() != 5 {
            continue;
        }
        if fields[..4]
            .iter()
            .zip(wanted)
            .all(|(f, w)| f == "*" || f == w)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

/// The fields of one password-file line, unescaped.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().expect("one field").push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parameter_is_ours_and_the_rest_goes_to_the_driver() {
        let c = ConnInfo::parse(
            "postgresql://planer:geheim@db.example:6543/stadt?schema=heidelberg&sslmode=disable",
        )
        .unwrap();
        assert_eq!(c.schema, "heidelberg");
        assert_eq!(c.config.get_user(), Some("planer"));
        assert_eq!(c.config.get_password(), Some(&b"geheim"[..]));
        assert_eq!(c.config.get_dbname(), Some("stadt"));
        assert_eq!(c.config.get_ports(), &[6543]);
        assert_eq!(
            c.shown,
            "postgresql://planer:***@db.example:6543/stadt?schema=heidelberg&sslmode=disable"
        );
        let d = ConnInfo::parse("postgres://u@h/db").unwrap();
        assert_eq!(d.schema, DEFAULT_SCHEMA);
    }

    #[test]
    fn bad_strings_are_named_without_their_password() {
        let e = ConnInfo::parse("postgresql://u:pw@h/db?schema=Drop;Table")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a plain name"), "{e}");
        assert!(!e.contains("pw"), "{e}");
        let e = ConnInfo::parse("postgresql://u:pw@h/db?frobnicate=1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("postgresql://u:***@h/db"), "{e}");
    }

    #[test]
    fn password_file_lines_match_as_libpq_documents() {
        // From the libpq manual's description: first match wins, * is a wildcard, \: escapes.
        let file = "# comment\n\
                    other:5432:*:*:wrong\n\
                    localhost:5432:stadt:planer:pa\\:ss\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(file, ["localhost", "5432", "stadt", "planer"]).as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_lookup(file, ["localhost", "5433", "stadt", "planer"]).as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("h:1:d:u\n", ["h", "1", "d", "u"]), None);
    }
}
