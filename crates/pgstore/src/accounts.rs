//! Accounts of the workspace in the city's PostgreSQL schema: the tables of the GeoPackage's
//! account store (`spielraum_users`, `spielraum_api_tokens`, `spielraum_sessions`) and the
//! shared audit log, behind the same [`store::Accounts`] interface and with the same rules
//! ([`store::accounts`]'s checks, Argon2id hashes, SHA-256 of tokens and session ids). Every
//! change is one transaction with its audit row, so every server on the database sees the same
//! users, tokens and sessions (a login on one server is valid on the others).

use std::time::Duration;

use store::accounts::{
    self as rules, AccountError, AuditEntry, HashCost, NewUser, PasswordCheck, Role, TokenInfo,
    User,
};
use tokio_postgres::{Row, Transaction};

use crate::Database;

type Result<T, E = AccountError> = std::result::Result<T, E>;

const USER_COLUMNS: &str = "id, login, display_name, department, role, disabled, created, updated";
const USER_COLUMNS_U: &str =
    "u.id, u.login, u.display_name, u.department, u.role, u.disabled, u.created, u.updated";

/// The accounts of a city's schema ([`store::Accounts`]).
#[derive(Debug)]
pub struct PgAccounts {
    db: Database,
    cost: HashCost,
    /// A hash of no one's password at `cost`, checked for unknown logins (timing).
    dummy_hash: std::sync::OnceLock<String>,
}

fn user_at(r: &Row, at: usize) -> Result<User> {
    let role: String = r.get(at + 4);
    Ok(User {
        id: r.get(at),
        login: r.get(at + 1),
        display_name: r.get(at + 2),
        department: r.get(at + 3),
        role: role.parse()?,
        disabled: r.get(at + 5),
        created: r.get(at + 6),
        updated: r.get(at + 7),
    })
}

fn token_info(r: &Row) -> TokenInfo {
    TokenInfo {
        id: r.get(0),
        login: r.get(1),
        name: r.get(2),
        created: r.get(3),
        revoked: r.get(4),
    }
}

impl PgAccounts {
    /// The accounts of `db`'s schema, new passwords hashed at `cost`.
    pub fn new(db: Database, cost: HashCost) -> Result<PgAccounts> {
        cost.check()?;
        Ok(PgAccounts {
            db,
            cost,
            dummy_hash: std::sync::OnceLock::new(),
        })
    }

    fn failed(&self, e: tokio_postgres::Error) -> AccountError {
        self.db.fail(e)
    }

    fn t(&self, name: &str) -> String {
        format!("\"{}\".{name}", self.db.schema())
    }

    async fn find(&self, tx: &Transaction<'_>, login: &str) -> Result<Option<User>> {
        let row = tx
            .query_opt(
                &format!(
                    "SELECT {USER_COLUMNS} FROM {} WHERE login = $1",
                    self.t("spielraum_users")
                ),
                &[&login],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|r| user_at(&r, 0)).transpose()
    }

    async fn existing(&self, tx: &Transaction<'_>, login: &str) -> Result<User> {
        self.find(tx, login)
            .await?
            .ok_or_else(|| AccountError::UnknownUser(login.to_string()))
    }

    async fn audit(
        &self,
        tx: &Transaction<'_>,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.db.audit(tx, actor, (action, target), detail).await
    }

    /// Runs one change in a transaction, committed if it succeeds.
    fn write<T>(&self, change: impl AsyncFnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.db.write_tx(change)
    }

    /// Runs one read on one snapshot.
    fn read<T>(&self, read: impl AsyncFnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.db.read_tx(read)
    }

    fn audit_query(&self, order: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        self.read(async |tx| {
            let rows = tx
                .query(
                    &format!(
                        "SELECT id, at, actor, action, target, detail FROM {} {order} LIMIT $1",
                        self.t("spielraum_audit")
                    ),
                    &[&limit],
                )
                .await
                .map_err(|e| self.failed(e))?;
            Ok(rows
                .iter()
                .map(|r| AuditEntry {
                    id: r.get(0),
                    at: r.get(1),
                    actor: r.get(2),
                    action: r.get(3),
                    target: r.get(4),
                    detail: r.get(5),
                })
                .collect())
        })
    }

    fn token_select(&self) -> String {
        format!(
            "SELECT t.id, u.login, t.name, t.created, t.revoked FROM {} t JOIN {} u ON u.id = t.user_id",
            self.t("spielraum_api_tokens"),
            self.t("spielraum_users")
        )
    }
}

impl store::Accounts for PgAccounts {
    fn users(&self) -> Result<Vec<User>> {
        self.read(async |tx| {
            let rows = tx
                .query(
                    &format!(
                        "SELECT {USER_COLUMNS} FROM {} ORDER BY id",
                        self.t("spielraum_users")
                    ),
                    &[],
                )
                .await
                .map_err(|e| self.failed(e))?;
            rows.iter().map(|r| user_at(r, 0)).collect()
        })
    }

    fn has_users(&self) -> Result<bool> {
        self.read(async |tx| {
            let row = tx
                .query_one(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM {} WHERE NOT disabled)",
                        self.t("spielraum_users")
                    ),
                    &[],
                )
                .await
                .map_err(|e| self.failed(e))?;
            Ok(row.get(0))
        })
    }

    fn user(&self, login: &str) -> Result<User> {
        let wanted = login.trim().to_lowercase();
        self.read(async |tx| {
            self.find(tx, &wanted)
                .await?
                .ok_or_else(|| AccountError::UnknownUser(login.to_string()))
        })
    }

    fn add_user(&mut self, actor: &str, new: &NewUser) -> Result<User> {
        let login = rules::check_login(new.login)?;
        let display_name = rules::check_text("display name", new.display_name, false)?;
        let department = rules::check_text("department", new.department, true)?;
        let hash = self.cost.hash(new.password)?;
        let role = new.role;
        self.write(async |tx| {
            if self.find(tx, &login).await?.is_some() {
                return Err(AccountError::DuplicateLogin(login.clone()));
            }
            let now = store::scenario::now();
            tx.execute(
                &format!(
                    "INSERT INTO {} (login, display_name, department, role, password_hash, created, updated) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6)",
                    self.t("spielraum_users")
                ),
                &[&login, &display_name, &department, &role.as_str(), &hash, &now],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                    AccountError::DuplicateLogin(login.clone())
                } else {
                    self.failed(e)
                }
            })?;
            let user = self.existing(tx, &login).await?;
            self.audit(
                tx,
                actor,
                "user.add",
                &login,
                serde_json::json!({"after": {"display_name": user.display_name,
                    "department": user.department, "role": role.as_str()}}),
            )
            .await?;
            Ok(user)
        })
    }

    fn set_role(&mut self, actor: &str, login: &str, role: Role) -> Result<User> {
        let login = login.trim().to_lowercase();
        self.write(async |tx| {
            let before = self.existing(tx, &login).await?;
            tx.execute(
                &format!(
                    "UPDATE {} SET role = $2, updated = $3 WHERE id = $1",
                    self.t("spielraum_users")
                ),
                &[&before.id, &role.as_str(), &store::scenario::now()],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.audit(
                tx,
                actor,
                "user.set_role",
                &login,
                serde_json::json!({"before": before.role.as_str(), "after": role.as_str()}),
            )
            .await?;
            self.existing(tx, &login).await
        })
    }

    fn set_disabled(&mut self, actor: &str, login: &str, disabled: bool) -> Result<User> {
        let login = login.trim().to_lowercase();
        self.write(async |tx| {
            let before = self.existing(tx, &login).await?;
            tx.execute(
                &format!(
                    "UPDATE {} SET disabled = $2, updated = $3 WHERE id = $1",
                    self.t("spielraum_users")
                ),
                &[&before.id, &disabled, &store::scenario::now()],
            )
            .await
            .map_err(|e| self.failed(e))?;
            let revoked = if disabled {
                tx.execute(
                    &format!(
                        "UPDATE {} SET revoked = true WHERE user_id = $1",
                        self.t("spielraum_sessions")
                    ),
                    &[&before.id],
                )
                .await
                .map_err(|e| self.failed(e))?;
                tx.execute(
                    &format!(
                        "UPDATE {} SET revoked = true WHERE user_id = $1 AND NOT revoked",
                        self.t("spielraum_api_tokens")
                    ),
                    &[&before.id],
                )
                .await
                .map_err(|e| self.failed(e))?
            } else {
                0
            };
            self.audit(
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
            )
            .await?;
            self.existing(tx, &login).await
        })
    }

    fn set_password(&mut self, actor: &str, login: &str, password: &str) -> Result<User> {
        let login = login.trim().to_lowercase();
        let hash = self.cost.hash(password)?;
        self.write(async |tx| {
            let user = self.existing(tx, &login).await?;
            tx.execute(
                &format!(
                    "UPDATE {} SET password_hash = $2, updated = $3 WHERE id = $1",
                    self.t("spielraum_users")
                ),
                &[&user.id, &hash, &store::scenario::now()],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.audit(
                tx,
                actor,
                "user.set_password",
                &login,
                serde_json::json!({}),
            )
            .await?;
            self.existing(tx, &login).await
        })
    }

    fn password_check(&self, login: &str) -> Result<PasswordCheck> {
        let login = login.trim().to_lowercase();
        let stored = self.read(async |tx| {
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT password_hash, {USER_COLUMNS} FROM {} WHERE login = $1",
                        self.t("spielraum_users")
                    ),
                    &[&login],
                )
                .await
                .map_err(|e| self.failed(e))?;
            row.map(|r| Ok((r.get::<_, String>(0), user_at(&r, 1)?)))
                .transpose()
        })?;
        match stored {
            Some((hash, user)) => {
                PasswordCheck::new(hash, Some(user)).ok_or(AccountError::CorruptHash {
                    path: self.db.shown().into(),
                    login,
                })
            }
            None => {
                let hash = match self.dummy_hash.get() {
                    Some(d) => d.clone(),
                    None => {
                        let d = self.cost.hash("a password nobody has, for timing")?;
                        self.dummy_hash.get_or_init(|| d).clone()
                    }
                };
                Ok(PasswordCheck::new(hash, None).expect("a hash made here"))
            }
        }
    }

    fn create_token(
        &mut self,
        actor: &str,
        login: &str,
        name: &str,
    ) -> Result<(TokenInfo, String)> {
        let login = login.trim().to_lowercase();
        let name = rules::check_text("token name", name, false)?;
        let token = rules::random_hex();
        let hash = rules::token_hash(&token);
        let info = self.write(async |tx| {
            let user = self.existing(tx, &login).await?;
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO {} (user_id, name, token_hash, created) VALUES ($1, $2, $3, $4) RETURNING id",
                        self.t("spielraum_api_tokens")
                    ),
                    &[&user.id, &name, &hash, &store::scenario::now()],
                )
                .await
                .map_err(|e| self.failed(e))?;
            let id: i64 = row.get(0);
            self.audit(
                tx,
                actor,
                "token.create",
                &login,
                serde_json::json!({"token_id": id, "name": name}),
            )
            .await?;
            let row = tx
                .query_one(&format!("{} WHERE t.id = $1", self.token_select()), &[&id])
                .await
                .map_err(|e| self.failed(e))?;
            Ok(token_info(&row))
        })?;
        Ok((info, token))
    }

    fn revoke_token(&mut self, actor: &str, id: i64) -> Result<TokenInfo> {
        self.write(async |tx| {
            let select = format!("{} WHERE t.id = $1", self.token_select());
            let Some(before) = tx
                .query_opt(&select, &[&id])
                .await
                .map_err(|e| self.failed(e))?
            else {
                return Err(AccountError::UnknownUser(format!("token {id}")));
            };
            let before = token_info(&before);
            tx.execute(
                &format!(
                    "UPDATE {} SET revoked = true WHERE id = $1",
                    self.t("spielraum_api_tokens")
                ),
                &[&id],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.audit(
                tx,
                actor,
                "token.revoke",
                &before.login,
                serde_json::json!({"token_id": id}),
            )
            .await?;
            let row = tx
                .query_one(&select, &[&id])
                .await
                .map_err(|e| self.failed(e))?;
            Ok(token_info(&row))
        })
    }

    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(async |tx| {
            let rows = tx
                .query(&format!("{} ORDER BY t.id", self.token_select()), &[])
                .await
                .map_err(|e| self.failed(e))?;
            Ok(rows.iter().map(token_info).collect())
        })
    }

    fn user_for_token(&self, token: &str) -> Result<Option<User>> {
        let hash = rules::token_hash(token.trim());
        let user = self.read(async |tx| {
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT {USER_COLUMNS_U} FROM {} t JOIN {} u ON u.id = t.user_id \
                         WHERE t.token_hash = $1 AND NOT t.revoked",
                        self.t("spielraum_api_tokens"),
                        self.t("spielraum_users")
                    ),
                    &[&hash],
                )
                .await
                .map_err(|e| self.failed(e))?;
            row.map(|r| user_at(&r, 0)).transpose()
        })?;
        Ok(user.filter(|u| !u.disabled))
    }

    fn create_session(&mut self, user: &User, ttl: Duration) -> Result<(String, String)> {
        let id = rules::random_hex();
        let csrf = rules::random_hex();
        let now = std::time::SystemTime::now();
        let expires = humantime_rfc3339(now + ttl);
        let hash = rules::token_hash(&id);
        self.write(async |tx| {
            // Expired sessions go when new ones come.
            tx.execute(
                &format!("DELETE FROM {} WHERE expires < $1", self.t("spielraum_sessions")),
                &[&humantime_rfc3339(now)],
            )
            .await
            .map_err(|e| self.failed(e))?;
            tx.execute(
                &format!(
                    "INSERT INTO {} (id_hash, user_id, csrf, created, expires) VALUES ($1, $2, $3, $4, $5)",
                    self.t("spielraum_sessions")
                ),
                &[&hash, &user.id, &csrf, &store::scenario::now(), &expires],
            )
            .await
            .map_err(|e| self.failed(e))?;
            Ok(())
        })?;
        Ok((id, csrf))
    }

    fn session(&self, id: &str) -> Result<Option<(User, String)>> {
        let hash = rules::token_hash(id.trim());
        let now = store::scenario::now();
        let found = self.read(async |tx| {
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT s.csrf, {USER_COLUMNS_U} FROM {} s JOIN {} u ON u.id = s.user_id \
                         WHERE s.id_hash = $1 AND NOT s.revoked AND s.expires > $2",
                        self.t("spielraum_sessions"),
                        self.t("spielraum_users")
                    ),
                    &[&hash, &now],
                )
                .await
                .map_err(|e| self.failed(e))?;
            row.map(|r| Ok((user_at(&r, 1)?, r.get::<_, String>(0))))
                .transpose()
        })?;
        Ok(found.filter(|(u, _)| !u.disabled))
    }

    fn revoke_session(&mut self, id: &str) -> Result<()> {
        let hash = rules::token_hash(id.trim());
        self.write(async |tx| {
            tx.execute(
                &format!(
                    "UPDATE {} SET revoked = true WHERE id_hash = $1",
                    self.t("spielraum_sessions")
                ),
                &[&hash],
            )
            .await
            .map_err(|e| self.failed(e))?;
            Ok(())
        })
    }

    fn record(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.write(async |tx| self.audit(tx, actor, action, target, detail).await)
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        self.audit_query("ORDER BY id", i64::MAX)
    }

    fn audit_latest(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.audit_query("ORDER BY id DESC", i64::try_from(limit).unwrap_or(i64::MAX))
    }
}

/// RFC 3339 UTC with milliseconds, as the GeoPackage's store writes times.
fn humantime_rfc3339(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}
