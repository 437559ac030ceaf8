//! Accounts of a workspace: users with a role and a department, their personal API tokens, and
//! the append-only audit log of every change, kept in tables of the city's GeoPackage.
//!
//! Owns the tables (all registered in `gpkg_contents` as `attributes`, carried over by a
//! re-import, see [`crate::carry`]):
//! - `spielraum_users (id INTEGER PRIMARY KEY, login TEXT UNIQUE, display_name, department,
//!   role, password_hash, disabled, created, updated)`: `role` is `viewer`, `editor` or
//!   `admin`; `password_hash` a PHC string of Argon2id (never the password); `login` lower case.
//! - `spielraum_api_tokens (id, user_id, name, token_hash, created, revoked)`: `token_hash` is the
//!   SHA-256 of the token (hex); the token itself is shown once and never stored.
//! - `spielraum_sessions (id_hash, user_id, csrf, created, expires, revoked)`: login sessions;
//!   only the SHA-256 of the session id is stored (the id lives in the browser's cookie).
//! - `spielraum_audit (id, at, actor, action, target, detail)`: one row per change, written in
//!   the change's own transaction; triggers refuse every `UPDATE` and `DELETE` of it.
//!
//! Every change is one transaction (WAL, as the scenario store), so the audit row exists
//! exactly when the change does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::scenario::{file_identity, now};

/// The table of users.
pub const USERS_TABLE: &str = "spielraum_users";
/// The table of personal API tokens.
pub const TOKENS_TABLE: &str = "spielraum_api_tokens";
/// The append-only audit log.
pub const AUDIT_TABLE: &str = "spielraum_audit";
/// The table of login sessions.
pub const SESSIONS_TABLE: &str = "spielraum_sessions";

/// The account tables, parents before children (what a re-import carries, see [`crate::carry`]).
pub const ACCOUNT_TABLES: [&str; 4] = [USERS_TABLE, TOKENS_TABLE, SESSIONS_TABLE, AUDIT_TABLE];

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, in bytes (Argon2 takes any length; a megabyte is an attack).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest login, display name or department, in characters.
const MAX_TEXT: usize = 200;

/// What a user may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything the workspace shows.
    Viewer,
    /// Also drafts scenarios, edits and proposes them.
    Editor,
    /// Also agrees or rejects proposals and manages users.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// `viewer`, `editor` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;

    fn from_str(s: &str) -> Result<Role, AccountError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| AccountError::UnknownRole(s.to_string()))
    }
}

/// Errors of the account store; each names what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The GeoPackage cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// SQLite failed on the file.
    #[error("{path}: {source}")]
    Sqlite {
        /// The GeoPackage.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file is read-only.
    #[error("{0}: the file is read-only, accounts cannot be changed")]
    ReadOnly(PathBuf),
    /// The file was replaced (re-imported) since it was opened.
    #[error("{0}: the GeoPackage was replaced; open it again to change accounts")]
    Replaced(PathBuf),
    /// No user has this login.
    #[error("no user '{0}' (see 'spielraum user list')")]
    UnknownUser(String),
    /// The login is taken.
    #[error("a user '{0}' exists already")]
    DuplicateLogin(String),
    /// Not a role.
    #[error("unknown role '{0}': use viewer, editor or admin")]
    UnknownRole(String),
    /// A login, name or department that cannot be used.
    #[error("invalid {field} '{value}': {why}")]
    BadText {
        /// Which field.
        field: &'static str,
        /// The value given (cut to 60 characters).
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A password that is too short or too long (the password itself is never shown).
    #[error(
        "the password must have at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    BadPassword,
    /// The Argon2 cost parameters are out of range.
    #[error("invalid Argon2 cost: {0}")]
    BadCost(String),
    /// The database holding the accounts failed (another store than the GeoPackage).
    #[error("{place}: {why}")]
    Database {
        /// The database, without its password.
        place: String,
        /// What it said.
        why: String,
    },
    /// A stored password hash that cannot be read (written by something else).
    #[error("{path}: user '{login}': the stored password hash cannot be read")]
    CorruptHash {
        /// The GeoPackage.
        path: PathBuf,
        /// The user.
        login: String,
    },
}

type Result<T, E = AccountError> = std::result::Result<T, E>;

/// A user as listed (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Stable id.
    pub id: i64,
    /// Login name, lower case.
    pub login: String,
    /// Name shown next to what the user did.
    pub display_name: String,
    /// Department (e.g. "Jugendamt"), may be empty.
    pub department: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot log in; its tokens stop working.
    pub disabled: bool,
    /// When it was created, RFC 3339 UTC.
    pub created: String,
    /// When it last changed, RFC 3339 UTC.
    pub updated: String,
}

/// A new user to add.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name (trimmed, lower-cased; letters, digits, `.`, `-`, `_`, `@`).
    pub login: &'a str,
    /// Name shown.
    pub display_name: &'a str,
    /// Department, may be empty.
    pub department: &'a str,
    /// Role.
    pub role: Role,
    /// The password (hashed with Argon2id before it is stored).
    pub password: &'a str,
}

/// A personal API token as listed (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Stable id.
    pub id: i64,
    /// Whose it is.
    pub login: String,
    /// What it is for (free text).
    pub name: String,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Order of the changes (ascending, never reused).
    pub id: i64,
    /// When, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// Who: a user's login, `cli:NAME` for the command line, `machine-token` for the server's
    /// edit token.
    pub actor: String,
    /// What: `user.add`, `user.set_role`, `user.disable`, `user.set_password`, `token.create`,
    /// `token.revoke`, …
    pub action: String,
    /// What it changed (a login, a token id, a scenario id).
    pub target: String,
    /// Before/after values as JSON text (never a password or token).
    pub detail: String,
}

/// The Argon2id cost of password hashes: memory in KiB, passes and lanes. The default is the
/// OWASP recommendation for Argon2id (19 MiB, 2 passes, 1 lane): about 20–40 ms per hash on a
/// server core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory, KiB (at least 8 × `lanes`).
    pub memory_kib: u32,
    /// Passes over the memory (at least 1).
    pub passes: u32,
    /// Parallel lanes (at least 1).
    pub lanes: u32,
}

impl Default for HashCost {
    fn default() -> HashCost {
        HashCost {
            memory_kib: 19 * 1024,
            passes: 2,
            lanes: 1,
        }
    }
}

/// The environment variable that sets the Argon2id cost of new password hashes
/// (`m=19456,t=2,p=1`: memory in KiB, passes, lanes), read by [`HashCost::from_env`].
pub const HASH_COST_ENV: &str = "SPIELRAUM_ARGON2_COST";

impl HashCost {
    /// Reads `m=KIB,t=PASSES,p=LANES` (any order; a missing one keeps its default).
    pub fn parse(text: &str) -> Result<HashCost> {
        let mut cost = HashCost::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || AccountError::BadCost(format!("'{part}': write m=KIB,t=PASSES,p=LANES"));
            let (key, value) = part.split_once('=').ok_or_else(bad)?;
            let value: u32 = value.trim().parse().map_err(|_| bad())?;
            match key.trim() {
                "m" => cost.memory_kib = value,
                "t" => cost.passes = value,
                "p" => cost.lanes = value,
                _ => return Err(bad()),
            }
        }
        cost.argon2()?;
        Ok(cost)
    }

    /// The cost of `$SPIELRAUM_ARGON2_COST` when set, else the default.
    pub fn from_env() -> Result<HashCost> {
        match std::env::var(HASH_COST_ENV) {
            Ok(v) if !v.trim().is_empty() => HashCost::parse(&v)
                .map_err(|e| AccountError::BadCost(format!("{HASH_COST_ENV}: {e}"))),
            _ => Ok(HashCost::default()),
        }
    }

    /// The PHC string of `password` hashed with Argon2id at this cost and a random salt; a
    /// password too short or too long is refused.
    pub fn hash(self, password: &str) -> Result<String> {
        if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::BadPassword);
        }
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| AccountError::BadCost(e.to_string()))?;
        Ok(self
            .argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AccountError::BadCost(e.to_string()))?
            .to_string())
    }

    /// Checks the cost can be used.
    pub fn check(self) -> Result<()> {
        self.argon2().map(drop)
    }

    fn argon2(self) -> Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.passes, self.lanes, None)
            .map_err(|e| AccountError::BadCost(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A password check prepared by [`AccountStore::password_check`]: the stored hash (or, for an
/// unknown login, a hash of no one's password, so that both cost one verification).
pub struct PasswordCheck {
    hash: String,
    user: Option<User>,
}

impl std::fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the hash.
        f.debug_struct("PasswordCheck")
            .field("user", &self.user.as_ref().map(|u| &u.login))
            .finish()
    }
}

impl PasswordCheck {
    /// A check of `password` against the PHC string `hash` of `user` (`None`: an unknown login,
    /// checked against a hash of no one's password so that it costs the same). A `hash` that
    /// is not a PHC string is refused.
    pub fn new(hash: String, user: Option<User>) -> Option<PasswordCheck> {
        PasswordHash::new(&hash).ok()?;
        Some(PasswordCheck { hash, user })
    }

    /// The user if `password` is theirs and they are not disabled (one Argon2 verification,
    /// some tens of milliseconds: run it where blocking is allowed).
    pub fn verify(self, password: &str) -> Option<User> {
        let parsed = PasswordHash::new(&self.hash).ok()?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        self.user.filter(|u| ok && !u.disabled)
    }
}

/// Writes the audit log `log` as CSV (columns `id,at,actor,action,target,detail`).
pub fn write_audit_csv(log: &[AuditEntry], out: impl std::io::Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["id", "at", "actor", "action", "target", "detail"])?;
    for e in log {
        w.write_record([
            e.id.to_string().as_str(),
            &e.at,
            &e.actor,
            &e.action,
            &e.target,
            &e.detail,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The accounts of one GeoPackage. `Send`: share it as `Mutex<AccountStore>`.
#[derive(Debug)]
pub struct AccountStore {
    path: PathBuf,
    conn: Connection,
    writable: bool,
    identity: Option<(u64, u64)>,
    cost: HashCost,
    /// A hash of no one's password at `cost`, verified for unknown logins (timing).
    dummy_hash: std::sync::OnceLock<String>,
}

impl AccountStore {
    /// Opens the accounts of the GeoPackage at `path`, creating the tables (and the audit log's
    /// append-only triggers) if missing. A file without write permission opens read-only.
    pub fn open(path: &Path) -> Result<AccountStore> {
        let writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
        let conn = crate::open(path, writable)?;
        let store = AccountStore {
            path: path.to_path_buf(),
            conn,
            writable,
            identity: file_identity(path),
            cost: HashCost::default(),
            dummy_hash: std::sync::OnceLock::new(),
        };
        store.init().map_err(|e| store.sql(e))?;
        Ok(store)
    }

    /// The same store hashing new passwords at `cost` (existing hashes keep theirs: each PHC
    /// string carries its own parameters).
    pub fn with_cost(mut self, cost: HashCost) -> Result<AccountStore> {
        cost.argon2()?;
        self.cost = cost;
        self.dummy_hash = std::sync::OnceLock::new();
        Ok(self)
    }

    fn init(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        if !self.writable {
            return Ok(());
        }
        self.conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let created = create_tables(&self.conn);
        self.conn.execute_batch(if created.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        })?;
        created
    }

    fn sql(&self, source: rusqlite::Error) -> AccountError {
        AccountError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Runs `change` in one write transaction (the audit rows it appends commit with it).
    fn write<T>(&mut self, change: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        if !self.writable {
            return Err(AccountError::ReadOnly(self.path.clone()));
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| AccountError::Sqlite {
                path: path.clone(),
                source,
            })?;
        if file_identity(&path) != self.identity {
            return Err(AccountError::Replaced(path));
        }
        let named = |e| match e {
            AccountError::Sqlite { source, .. } => AccountError::Sqlite {
                path: path.clone(),
                source,
            },
            e => e,
        };
        let out = change(&tx).map_err(named)?;
        tx.commit().map_err(|source| AccountError::Sqlite {
            path: path.clone(),
            source,
        })?;
        Ok(out)
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {USER_COLUMNS} FROM {USERS_TABLE} ORDER BY id"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], user_row)
            .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(|e| self.sql(e))
    }

    /// Whether the workspace has any user who may log in (not disabled).
    pub fn has_users(&self) -> Result<bool> {
        self.conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {USERS_TABLE} WHERE disabled = 0)"),
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// The user with this login.
    pub fn user(&self, login: &str) -> Result<User> {
        find_user(&self.conn, &login.trim().to_lowercase())
            .map_err(|e| self.sql(e))?
            .ok_or_else(|| AccountError::UnknownUser(login.to_string()))
    }

    /// Adds a user (`actor` is recorded in the audit log).
    pub fn add_user(&mut self, actor: &str, new: &NewUser) -> Result<User> {
        let login = check_login(new.login)?;
        let display_name = check_text("display name", new.display_name, false)?;
        let department = check_text("department", new.department, true)?;
        let hash = self.hash(new.password)?;
        let role = new.role;
        let user = self.write(|tx| {
            if find_user(tx, &login)?.is_some() {
                return Err(AccountError::DuplicateLogin(login.clone()));
            }
            let now = now();
            tx.execute(
                &format!(
                    "INSERT INTO {USERS_TABLE}
                       (login, display_name, department, role, password_hash, created, updated)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
                ),
                params![login, display_name, department, role.as_str(), hash, now],
            )?;
            let user = find_user(tx, &login)?.expect("just inserted");
            audit(
                tx,
                actor,
                "user.add",
                &login,
                serde_json::json!({"after": {"display_name": user.display_name,
                    "department": user.department, "role": role.as_str()}}),
            )?;
            Ok(user)
        })?;
        Ok(user)
    }

    /// Gives `login` a new role.
    pub fn set_role(&mut self, actor: &str, login: &str, role: Role) -> Result<User> {
        let login = login.trim().to_lowercase();
        self.write(|tx| {
            let before = existing_user(tx, &login)?;
            tx.execute(
                &format!("UPDATE {USERS_TABLE} SET role = ?2, updated = ?3 WHERE id = ?1"),
                params![before.id, role.as_str(), now()],
            )?;
            audit(
                tx,
                actor,
                "user.set_role",
                &login,
                serde_json::json!({"before": before.role.as_str(), "after": role.as_str()}),
            )?;
            existing_user(tx, &login)
        })
    }

    /// Disables `login` (or enables it again): a disabled user cannot log in, and its sessions
    /// and tokens are revoked in the same transaction.
    pub fn set_disabled(&mut self, actor: &str, login: &str, disabled: bool) -> Result<User> {
        let login = login.trim().to_lowercase();
        self.write(|tx| {
            let before = existing_user(tx, &login)?;
            tx.execute(
                &format!("UPDATE {USERS_TABLE} SET disabled = ?2, updated = ?3 WHERE id = ?1"),
                params![before.id, disabled, now()],
            )?;
            let revoked = if disabled {
                tx.execute(
                    &format!("UPDATE {SESSIONS_TABLE} SET revoked = 1 WHERE user_id = ?1"),
                    [before.id],
                )?;
                tx.execute(
                    &format!(
                        "UPDATE {TOKENS_TABLE} SET revoked = 1 WHERE user_id = ?1 AND revoked = 0"
                    ),
                    [before.id],
                )?
            } else {
                0
            };
            audit(
                tx,
                actor,
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                &login,
                serde_json::json!({"before": {"disabled": before.disabled},
                    "after": {"disabled": disabled}, "tokens_revoked": revoked}),
            )?;
            existing_user(tx, &login)
        })
    }

    /// Sets a new password for `login` (an administrator's reset).
    pub fn set_password(&mut self, actor: &str, login: &str, password: &str) -> Result<User> {
        let login = login.trim().to_lowercase();
        let hash = self.hash(password)?;
        self.write(|tx| {
            let user = existing_user(tx, &login)?;
            tx.execute(
                &format!("UPDATE {USERS_TABLE} SET password_hash = ?2, updated = ?3 WHERE id = ?1"),
                params![user.id, hash, now()],
            )?;
            audit(
                tx,
                actor,
                "user.set_password",
                &login,
                serde_json::json!({}),
            )?;
            existing_user(tx, &login)
        })
    }

    /// The user if `password` is theirs and they are not disabled; `None` otherwise (an unknown
    /// login costs one hash as a known one does, so timing does not tell which logins exist).
    pub fn verify_password(&self, login: &str, password: &str) -> Result<Option<User>> {
        Ok(self.password_check(login)?.verify(password))
    }

    /// What checking a password of `login` needs, read from the file: [`PasswordCheck::verify`]
    /// then does the expensive hashing without the store (a server checks passwords without
    /// holding the store's lock).
    pub fn password_check(&self, login: &str) -> Result<PasswordCheck> {
        let login = login.trim().to_lowercase();
        let stored: Option<(String, User)> = self
            .conn
            .query_row(
                &format!(
                    "SELECT password_hash, {USER_COLUMNS} FROM {USERS_TABLE} WHERE login = ?1"
                ),
                [&login],
                |r| Ok((r.get::<_, String>(0)?, user_row_at(r, 1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        match stored {
            Some((hash, user)) => {
                PasswordHash::new(&hash).map_err(|_| AccountError::CorruptHash {
                    path: self.path.clone(),
                    login: login.clone(),
                })?;
                Ok(PasswordCheck {
                    hash,
                    user: Some(user),
                })
            }
            None => {
                // One verification, as for a known login (the dummy hash is made once per store).
                let hash = match self.dummy_hash.get() {
                    Some(d) => d.clone(),
                    None => {
                        let d = self.hash("a password nobody has, for timing")?;
                        self.dummy_hash.get_or_init(|| d).clone()
                    }
                };
                Ok(PasswordCheck { hash, user: None })
            }
        }
    }

    /// Makes a personal API token for `login`: the token is returned once (64 hex digits) and
    /// only its SHA-256 is stored.
    pub fn create_token(
        &mut self,
        actor: &str,
        login: &str,
        name: &str,
    ) -> Result<(TokenInfo, String)> {
        let login = login.trim().to_lowercase();
        let name = check_text("token name", name, false)?;
        let token = random_hex();
        let hash = token_hash(&token);
        let info = self.write(|tx| {
            let user = existing_user(tx, &login)?;
            tx.execute(
                &format!(
                    "INSERT INTO {TOKENS_TABLE} (user_id, name, token_hash, created)
                     VALUES (?1, ?2, ?3, ?4)"
                ),
                params![user.id, name, hash, now()],
            )?;
            let id = tx.last_insert_rowid();
            audit(
                tx,
                actor,
                "token.create",
                &login,
                serde_json::json!({"token_id": id, "name": name}),
            )?;
            Ok(token_by_id(tx, id)?.expect("just inserted"))
        })?;
        Ok((info, token))
    }

    /// Revokes token `id`.
    pub fn revoke_token(&mut self, actor: &str, id: i64) -> Result<TokenInfo> {
        self.write(|tx| {
            let Some(before) = token_by_id(tx, id)? else {
                return Err(AccountError::UnknownUser(format!("token {id}")));
            };
            tx.execute(
                &format!("UPDATE {TOKENS_TABLE} SET revoked = 1 WHERE id = ?1"),
                [id],
            )?;
            audit(
                tx,
                actor,
                "token.revoke",
                &before.login,
                serde_json::json!({"token_id": id}),
            )?;
            Ok(token_by_id(tx, id)?.expect("exists"))
        })
    }

    /// Every token (never the token itself), by id.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut stmt = self
            .conn
            .prepare(&format!("{TOKEN_SELECT} ORDER BY t.id"))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], token_row)
            .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(|e| self.sql(e))
    }

    /// The user holding `token`, if it is a live token of an enabled user. Looked up by the
    /// token's SHA-256, so the lookup's timing tells nothing about the token itself.
    pub fn user_for_token(&self, token: &str) -> Result<Option<User>> {
        let user = self
            .conn
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS_U} FROM {TOKENS_TABLE} t
                     JOIN {USERS_TABLE} u ON u.id = t.user_id
                     WHERE t.token_hash = ?1 AND t.revoked = 0"
                ),
                [token_hash(token.trim())],
                user_row,
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(user.filter(|u| !u.disabled))
    }

    /// Starts a login session for `user` lasting `ttl`: returns the session id for the cookie
    /// (64 hex digits, only its SHA-256 is stored) and the CSRF token the session's writes must
    /// send. A new id at every login (no session fixation). Not audited (a login changes no data).
    pub fn create_session(&mut self, user: &User, ttl: Duration) -> Result<(String, String)> {
        let id = random_hex();
        let csrf = random_hex();
        let now = std::time::SystemTime::now();
        let expires = humantime::format_rfc3339_millis(now + ttl).to_string();
        let hash = token_hash(&id);
        let user_id = user.id;
        // A new session need not survive a power cut (its user logs in again), so its commit
        // does not wait for the disk (WAL with synchronous=NORMAL; still atomic). Every other
        // change, ending a session included, commits with synchronous=FULL.
        let relaxed = self.writable
            && self
                .conn
                .pragma_update(None, "synchronous", "NORMAL")
                .is_ok();
        let written = self.write(|tx| {
            // Expired sessions go when new ones come.
            tx.execute(
                &format!("DELETE FROM {SESSIONS_TABLE} WHERE expires < ?1"),
                [humantime::format_rfc3339_millis(now).to_string()],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO {SESSIONS_TABLE} (id_hash, user_id, csrf, created, expires)
                     VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                params![hash, user_id, csrf, crate::scenario::now(), expires],
            )?;
            Ok(())
        });
        if relaxed {
            self.conn
                .pragma_update(None, "synchronous", "FULL")
                .map_err(|e| self.sql(e))?;
        }
        written?;
        Ok((id, csrf))
    }

    /// The user and CSRF token of a live session (not revoked, not expired, user enabled).
    pub fn session(&self, id: &str) -> Result<Option<(User, String)>> {
        let hash = token_hash(id.trim());
        let now = crate::scenario::now();
        let found = self
            .conn
            .query_row(
                &format!(
                    "SELECT s.csrf, {USER_COLUMNS_U} FROM {SESSIONS_TABLE} s
                     JOIN {USERS_TABLE} u ON u.id = s.user_id
                     WHERE s.id_hash = ?1 AND s.revoked = 0 AND s.expires > ?2"
                ),
                params![hash, now],
                |r| Ok((user_row_at(r, 1)?, r.get::<_, String>(0)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(found.filter(|(u, _)| !u.disabled))
    }

    /// Ends a session (logout); an unknown id changes nothing.
    pub fn revoke_session(&mut self, id: &str) -> Result<()> {
        let hash = token_hash(id.trim());
        self.conn
            .execute(
                &format!("UPDATE {SESSIONS_TABLE} SET revoked = 1 WHERE id_hash = ?1"),
                [hash],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Appends one row to the audit log on its own (for changes made elsewhere).
    pub fn record(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.write(|tx| Ok(audit(tx, actor, action, target, detail)?))
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        self.audit_query("ORDER BY id", -1)
    }

    /// The latest `limit` rows of the audit log, newest first.
    pub fn audit_latest(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.audit_query("ORDER BY id DESC", i64::try_from(limit).unwrap_or(i64::MAX))
    }

    fn audit_query(&self, order: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, at, actor, action, target, detail FROM {AUDIT_TABLE} {order} LIMIT ?1"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: r.get(5)?,
                })
            })
            .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(|e| self.sql(e))
    }

    fn hash(&self, password: &str) -> Result<String> {
        self.cost.hash(password)
    }
}

/// What the server and the command line ask of an account store, whichever holds it: the
/// GeoPackage's [`AccountStore`] or a PostgreSQL schema's; see [`AccountStore`]'s methods of
/// the same names.
pub trait Accounts: Send + std::fmt::Debug {
    /// Every user, by id.
    fn users(&self) -> Result<Vec<User>>;
    /// Whether any user may log in.
    fn has_users(&self) -> Result<bool>;
    /// The user with this login.
    fn user(&self, login: &str) -> Result<User>;
    /// Adds a user.
    fn add_user(&mut self, actor: &str, new: &NewUser) -> Result<User>;
    /// Gives a user a new role.
    fn set_role(&mut self, actor: &str, login: &str, role: Role) -> Result<User>;
    /// Disables (or enables) a user, revoking its sessions and tokens.
    fn set_disabled(&mut self, actor: &str, login: &str, disabled: bool) -> Result<User>;
    /// Sets a new password.
    fn set_password(&mut self, actor: &str, login: &str, password: &str) -> Result<User>;
    /// What checking a password of `login` needs.
    fn password_check(&self, login: &str) -> Result<PasswordCheck>;
    /// Makes a personal API token (returned once).
    fn create_token(&mut self, actor: &str, login: &str, name: &str)
    -> Result<(TokenInfo, String)>;
    /// Revokes a token.
    fn revoke_token(&mut self, actor: &str, id: i64) -> Result<TokenInfo>;
    /// Every token (never the token itself), by id.
    fn tokens(&self) -> Result<Vec<TokenInfo>>;
    /// The user holding a live token.
    fn user_for_token(&self, token: &str) -> Result<Option<User>>;
    /// Starts a login session: its id and CSRF token.
    fn create_session(&mut self, user: &User, ttl: Duration) -> Result<(String, String)>;
    /// The user and CSRF token of a live session.
    fn session(&self, id: &str) -> Result<Option<(User, String)>>;
    /// Ends a session.
    fn revoke_session(&mut self, id: &str) -> Result<()>;
    /// Appends one row to the audit log.
    fn record(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()>;
    /// The audit log, oldest first.
    fn audit_log(&self) -> Result<Vec<AuditEntry>>;
    /// The latest `limit` rows of the audit log, newest first.
    fn audit_latest(&self, limit: usize) -> Result<Vec<AuditEntry>>;
    /// The user if `password` is theirs and they are not disabled.
    fn verify_password(&self, login: &str, password: &str) -> Result<Option<User>> {
        Ok(self.password_check(login)?.verify(password))
    }
}

impl Accounts for AccountStore {
    fn users(&self) -> Result<Vec<User>> {
        AccountStore::users(self)
    }
    fn has_users(&self) -> Result<bool> {
        AccountStore::has_users(self)
    }
    fn user(&self, login: &str) -> Result<User> {
        AccountStore::user(self, login)
    }
    fn add_user(&mut self, actor: &str, new: &NewUser) -> Result<User> {
        AccountStore::add_user(self, actor, new)
    }
    fn set_role(&mut self, actor: &str, login: &str, role: Role) -> Result<User> {
        AccountStore::set_role(self, actor, login, role)
    }
    fn set_disabled(&mut self, actor: &str, login: &str, disabled: bool) -> Result<User> {
        AccountStore::set_disabled(self, actor, login, disabled)
    }
    fn set_password(&mut self, actor: &str, login: &str, password: &str) -> Result<User> {
        AccountStore::set_password(self, actor, login, password)
    }
    fn password_check(&self, login: &str) -> Result<PasswordCheck> {
        AccountStore::password_check(self, login)
    }
    fn create_token(
        &mut self,
        actor: &str,
        login: &str,
        name: &str,
    ) -> Result<(TokenInfo, String)> {
        AccountStore::create_token(self, actor, login, name)
    }
    fn revoke_token(&mut self, actor: &str, id: i64) -> Result<TokenInfo> {
        AccountStore::revoke_token(self, actor, id)
    }
    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        AccountStore::tokens(self)
    }
    fn user_for_token(&self, token: &str) -> Result<Option<User>> {
        AccountStore::user_for_token(self, token)
    }
    fn create_session(&mut self, user: &User, ttl: Duration) -> Result<(String, String)> {
        AccountStore::create_session(self, user, ttl)
    }
    fn session(&self, id: &str) -> Result<Option<(User, String)>> {
        AccountStore::session(self, id)
    }
    fn revoke_session(&mut self, id: &str) -> Result<()> {
        AccountStore::revoke_session(self, id)
    }
    fn record(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        AccountStore::record(self, actor, action, target, detail)
    }
    fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        AccountStore::audit_log(self)
    }
    fn audit_latest(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        AccountStore::audit_latest(self, limit)
    }
}

impl From<rusqlite::Error> for AccountError {
    fn from(source: rusqlite::Error) -> Self {
        AccountError::Sqlite {
            path: PathBuf::new(),
            source,
        }
    }
}

const USER_COLUMNS: &str = "id, login, display_name, department, role, disabled, created, updated";
/// [`USER_COLUMNS`] of the users table aliased `u`.
const USER_COLUMNS_U: &str =
    "u.id, u.login, u.display_name, u.department, u.role, u.disabled, u.created, u.updated";

/// 256 random bits as 64 hex digits (`rand`'s thread generator is a CSPRNG seeded from the
/// operating system).
pub fn random_hex() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    user_row_at(r, 0)
}

fn user_row_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<User> {
    let role: String = r.get(at + 4)?;
    Ok(User {
        id: r.get(at)?,
        login: r.get(at + 1)?,
        display_name: r.get(at + 2)?,
        department: r.get(at + 3)?,
        role: role.parse().map_err(|e: AccountError| {
            rusqlite::Error::FromSqlConversionFailure(at + 4, rusqlite::types::Type::Text, e.into())
        })?,
        disabled: r.get(at + 5)?,
        created: r.get(at + 6)?,
        updated: r.get(at + 7)?,
    })
}

fn find_user(conn: &Connection, login: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM {USERS_TABLE} WHERE login = ?1"),
        [login],
        user_row,
    )
    .optional()
}

fn existing_user(conn: &Connection, login: &str) -> Result<User> {
    find_user(conn, login)?.ok_or_else(|| AccountError::UnknownUser(login.to_string()))
}

const TOKEN_SELECT: &str = "SELECT t.id, u.login, t.name, t.created, t.revoked
     FROM spielraum_api_tokens t JOIN spielraum_users u ON u.id = t.user_id";

fn token_row(r: &rusqlite::Row) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        created: r.get(3)?,
        revoked: r.get(4)?,
    })
}

fn token_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<TokenInfo>> {
    conn.query_row(&format!("{TOKEN_SELECT} WHERE t.id = ?1"), [id], token_row)
        .optional()
}

/// SHA-256 of a token, hex: tokens are 256 random bits, so a fast hash is enough to make the
/// stored value useless to a reader of the file.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates the account tables, the audit log and its triggers where missing (inside the
/// caller's transaction; the scenario store calls it too, as its changes are audited).
pub(crate) fn create_tables(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {USERS_TABLE} (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               login TEXT NOT NULL UNIQUE,
               display_name TEXT NOT NULL,
               department TEXT NOT NULL DEFAULT '',
               role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
               password_hash TEXT NOT NULL,
               disabled INTEGER NOT NULL DEFAULT 0,
               created TEXT NOT NULL,
               updated TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS {TOKENS_TABLE} (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               user_id INTEGER NOT NULL REFERENCES {USERS_TABLE}(id),
               name TEXT NOT NULL,
               token_hash TEXT NOT NULL UNIQUE,
               created TEXT NOT NULL,
               revoked INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE IF NOT EXISTS {SESSIONS_TABLE} (
               id_hash TEXT PRIMARY KEY,
               user_id INTEGER NOT NULL REFERENCES {USERS_TABLE}(id),
               csrf TEXT NOT NULL,
               created TEXT NOT NULL,
               expires TEXT NOT NULL,
               revoked INTEGER NOT NULL DEFAULT 0);
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{SESSIONS_TABLE}', 'attributes', '{SESSIONS_TABLE}',
                       'Login sessions (SHA-256 of the session id only)');
             CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               at TEXT NOT NULL,
               actor TEXT NOT NULL,
               action TEXT NOT NULL,
               target TEXT NOT NULL,
               detail TEXT NOT NULL DEFAULT '{{}}');
             CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_update BEFORE UPDATE ON {AUDIT_TABLE}
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
             CREATE TRIGGER IF NOT EXISTS {AUDIT_TABLE}_no_delete BEFORE DELETE ON {AUDIT_TABLE}
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{USERS_TABLE}', 'attributes', '{USERS_TABLE}',
                       'Users of the spielraum workspace (role, department; Argon2id hashes)');
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{TOKENS_TABLE}', 'attributes', '{TOKENS_TABLE}',
                       'Personal API tokens (SHA-256 of the token only)');
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{AUDIT_TABLE}', 'attributes', '{AUDIT_TABLE}',
                       'Append-only log of every change: who, when, what');"
    ))
}

/// Appends one audit row in `tx`.
pub(crate) fn audit(
    tx: &Connection,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO {AUDIT_TABLE} (at, actor, action, target, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)"
        ),
        params![now(), actor, action, target, detail.to_string()],
    )?;
    Ok(())
}

/// The login trimmed and lower-cased, if it can be used.
pub fn check_login(login: &str) -> Result<String> {
    let l = check_text("login", login, false)?.to_lowercase();
    if !l
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        return Err(bad(
            "login",
            login,
            "use letters, digits, '.', '-', '_' or '@'",
        ));
    }
    Ok(l)
}

/// The text trimmed, if it can be used.
/// The trimmed text of `field` if it can be used (`empty_ok`: may be empty).
pub fn check_text(field: &'static str, value: &str, may_be_empty: bool) -> Result<String> {
    let t = value.trim();
    if t.is_empty() && !may_be_empty {
        return Err(bad(field, value, "it is empty"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(bad(field, value, "it is longer than 200 characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(bad(field, value, "it holds a control character"));
    }
    Ok(t.to_string())
}

fn bad(field: &'static str, value: &str, why: &'static str) -> AccountError {
    AccountError::BadText {
        field,
        value: value.chars().take(60).collect(),
        why,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_cost_parses() {
        let c = HashCost::parse("t=3, m=65536").unwrap();
        assert_eq!((c.memory_kib, c.passes, c.lanes), (65536, 3, 1));
        assert_eq!(HashCost::parse("").unwrap(), HashCost::default());
        for bad in ["m=abc", "x=1", "m", "t=0", "m=1"] {
            assert!(HashCost::parse(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    /// A cheap cost for tests (the default takes tens of milliseconds per hash).
    const TEST_COST: HashCost = HashCost {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    fn store(dir: &Path) -> AccountStore {
        let path = dir.join("city.gpkg");
        crate::write_city(&path, &model::City::default()).unwrap();
        AccountStore::open(&path)
            .unwrap()
            .with_cost(TEST_COST)
            .unwrap()
    }

    fn anna() -> NewUser<'static> {
        NewUser {
            login: " Anna.Berg ",
            display_name: "Anna Berg",
            department: "Jugendamt",
            role: Role::Editor,
            password: "korrekt Pferd Batterie",
        }
    }

    #[test]
    fn users_are_added_changed_and_every_change_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let u = s.add_user("cli:root", &anna()).unwrap();
        assert_eq!(
            (u.login.as_str(), u.role, u.disabled),
            ("anna.berg", Role::Editor, false)
        );
        assert!(matches!(
            s.add_user("cli:root", &anna()),
            Err(AccountError::DuplicateLogin(l)) if l == "anna.berg"
        ));
        assert_eq!(
            s.set_role("cli:root", "ANNA.BERG", Role::Admin)
                .unwrap()
                .role,
            Role::Admin
        );
        assert!(
            s.set_disabled("cli:root", "anna.berg", true)
                .unwrap()
                .disabled
        );
        assert!(matches!(
            s.set_role("cli:root", "nobody", Role::Viewer),
            Err(AccountError::UnknownUser(_))
        ));
        let log = s.audit_log().unwrap();
        let actions: Vec<(&str, &str, &str)> = log
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("cli:root", "user.add", "anna.berg"),
                ("cli:root", "user.set_role", "anna.berg"),
                ("cli:root", "user.disable", "anna.berg"),
            ]
        );
        assert!(
            log[1].detail.contains(r#""before":"editor""#),
            "{}",
            log[1].detail
        );
        // Refused changes leave no row.
        assert_eq!(s.users().unwrap().len(), 1);
    }

    #[test]
    fn passwords_verify_and_are_stored_only_as_argon2id() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.add_user("cli:root", &anna()).unwrap();
        assert!(
            s.verify_password("anna.berg", "korrekt Pferd Batterie")
                .unwrap()
                .is_some()
        );
        assert!(
            s.verify_password("anna.berg", "korrekt Pferd Batteri")
                .unwrap()
                .is_none()
        );
        assert!(
            s.verify_password("nobody", "korrekt Pferd Batterie")
                .unwrap()
                .is_none()
        );
        let hash: String = s
            .conn
            .query_row("SELECT password_hash FROM spielraum_users", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        // A disabled user cannot log in; a reset password works, the old one no longer.
        s.set_password("cli:root", "anna.berg", "ein ganz neues Passwort")
            .unwrap();
        assert!(
            s.verify_password("anna.berg", "korrekt Pferd Batterie")
                .unwrap()
                .is_none()
        );
        assert!(
            s.verify_password("anna.berg", "ein ganz neues Passwort")
                .unwrap()
                .is_some()
        );
        s.set_disabled("cli:root", "anna.berg", true).unwrap();
        assert!(
            s.verify_password("anna.berg", "ein ganz neues Passwort")
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            s.set_password("cli:root", "anna.berg", "kurz"),
            Err(AccountError::BadPassword)
        ));
        drop(s);
        // The file never holds a password in the clear.
        let bytes = std::fs::read(dir.path().join("city.gpkg")).unwrap();
        let wal = std::fs::read(dir.path().join("city.gpkg-wal")).unwrap_or_default();
        for secret in ["korrekt Pferd Batterie", "ein ganz neues Passwort"] {
            for file in [&bytes, &wal] {
                assert!(!file.windows(secret.len()).any(|w| w == secret.as_bytes()));
            }
        }
    }

    #[test]
    fn tokens_are_shown_once_stored_hashed_and_stop_with_their_user() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.add_user("cli:root", &anna()).unwrap();
        let (info, token) = s.create_token("anna.berg", "anna.berg", "Skript").unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(
            s.user_for_token(&token).unwrap().unwrap().login,
            "anna.berg"
        );
        assert!(s.user_for_token(&token[..63]).unwrap().is_none());
        let stored: String = s
            .conn
            .query_row("SELECT token_hash FROM spielraum_api_tokens", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_ne!(stored, token);
        assert_eq!(stored, token_hash(&token));
        // Disabling the user revokes its tokens at once.
        s.set_disabled("cli:root", "anna.berg", true).unwrap();
        assert!(s.user_for_token(&token).unwrap().is_none());
        assert!(s.tokens().unwrap()[0].revoked);
        s.set_disabled("cli:root", "anna.berg", false).unwrap();
        assert!(
            s.user_for_token(&token).unwrap().is_none(),
            "revoked stays revoked"
        );
        let (second, token2) = s.create_token("anna.berg", "anna.berg", "zweites").unwrap();
        s.revoke_token("cli:root", second.id).unwrap();
        assert!(s.user_for_token(&token2).unwrap().is_none());
        assert_ne!(info.id, second.id);
    }

    #[test]
    fn the_audit_log_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.add_user("cli:root", &anna()).unwrap();
        for change in [
            "UPDATE spielraum_audit SET actor = 'someone else'",
            "DELETE FROM spielraum_audit",
        ] {
            let e = s.conn.execute(change, []).unwrap_err();
            assert!(e.to_string().contains("append-only"), "{e}");
        }
        assert_eq!(s.audit_log().unwrap()[0].actor, "cli:root");
    }

    #[test]
    fn bad_logins_names_roles_and_costs_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        fn s_add_err(s: &mut AccountStore, new: &NewUser) -> String {
            s.add_user("cli:root", new).unwrap_err().to_string()
        }
        let mut new = anna();
        new.login = "anna berg";
        assert_eq!(
            s_add_err(&mut s, &new),
            "invalid login 'anna berg': use letters, digits, '.', '-', '_' or '@'"
        );
        new.login = "anna";
        new.display_name = " ";
        assert_eq!(
            s_add_err(&mut s, &new),
            "invalid display name ' ': it is empty"
        );
        assert_eq!(
            "chef".parse::<Role>().unwrap_err().to_string(),
            "unknown role 'chef': use viewer, editor or admin"
        );
        assert!(matches!(
            AccountStore::open(&dir.path().join("city.gpkg"))
                .unwrap()
                .with_cost(HashCost {
                    memory_kib: 1,
                    passes: 0,
                    lanes: 1
                }),
            Err(AccountError::BadCost(_))
        ));
        assert!(s.users().unwrap().is_empty());
        assert!(s.audit_log().unwrap().is_empty());
    }

    #[test]
    fn a_reimport_keeps_accounts_and_audit_even_when_scenarios_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.add_user("cli:root", &anna()).unwrap();
        let path = dir.path().join("city.gpkg");
        drop(s);
        for (round, carry) in [crate::Carry::Keep, crate::Carry::Replace]
            .into_iter()
            .enumerate()
        {
            crate::write_city_carrying(&path, &model::City::default(), &[], carry).unwrap();
            let mut s = AccountStore::open(&path).unwrap();
            assert_eq!(s.users().unwrap()[0].login, "anna.berg");
            assert!(
                s.verify_password("anna.berg", "korrekt Pferd Batterie")
                    .unwrap()
                    .is_some()
            );
            assert_eq!(s.audit_log().unwrap().len(), 1 + round);
            let e = s
                .conn
                .execute("DELETE FROM spielraum_audit", [])
                .unwrap_err();
            assert!(
                e.to_string().contains("append-only"),
                "triggers carried: {e}"
            );
            // Ids go on where the old file stopped (never reused).
            s.record("cli:root", "check", "-", serde_json::json!({}))
                .unwrap();
            assert_eq!(s.audit_log().unwrap().last().unwrap().id, 2 + round as i64);
        }
    }

    #[test]
    fn sessions_end_at_logout_expiry_and_when_the_user_is_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let user = s.add_user("cli:root", &anna()).unwrap();
        let hour = Duration::from_secs(3600);
        let (id, csrf) = s.create_session(&user, hour).unwrap();
        let (again, _) = s.create_session(&user, hour).unwrap();
        assert_ne!(id, again, "a new id at every login");
        let (found, found_csrf) = s.session(&id).unwrap().unwrap();
        assert_eq!(
            (found.login.as_str(), found_csrf.as_str()),
            ("anna.berg", csrf.as_str())
        );
        let stored: Vec<String> = s
            .conn
            .prepare("SELECT id_hash FROM spielraum_sessions")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(!stored.contains(&id) && stored.contains(&token_hash(&id)));
        s.revoke_session(&id).unwrap();
        assert!(s.session(&id).unwrap().is_none());
        assert!(s.session(&again).unwrap().is_some());
        let (expired, _) = s.create_session(&user, Duration::ZERO).unwrap();
        assert!(s.session(&expired).unwrap().is_none());
        s.set_disabled("cli:root", "anna.berg", true).unwrap();
        assert!(s.session(&again).unwrap().is_none());
        s.set_disabled("cli:root", "anna.berg", false).unwrap();
        assert!(
            s.session(&again).unwrap().is_none(),
            "revoked with the user, for good"
        );
    }
}
