//! Planning scenarios in the city's PostgreSQL schema: the tables of the GeoPackage's scenario
//! store (`spielraum_scenarios`, `spielraum_scenario_edits` with a PostGIS geometry,
//! `spielraum_scenario_comments`) and its audit log (`spielraum_audit`, append-only), behind
//! the same [`store::Scenarios`] interface and the same rules ([`store::scenario`]'s checks).
//!
//! Every change is one transaction holding a row lock on its scenario (`FOR UPDATE`), with its
//! audit row: two servers writing the same scenario take turns, and a change is answered only
//! once committed, so a server killed after answering has lost nothing. Each read is one
//! transaction too, so a server answers from the database as it is, whichever server changed
//! it (nothing is cached that could go stale). Each commit also notifies the channel
//! [`CHANNEL`] with the schema's name, for other programs that want to follow the changes.

use model::Facility;
use model::scenario::{Edit, apply_edits};
use store::accounts::Role;
use store::scenario::{
    self as rules, Comment, EditAuthor, EditRow, Scenario, ScenarioInfo, ScenarioStoreError, Status,
};
use tokio_postgres::{Row, Transaction};

use crate::Database;

/// The notification channel of scenario changes; the payload is the schema's name.
pub const CHANNEL: &str = "spielraum_scenarios";

type Result<T, E = ScenarioStoreError> = std::result::Result<T, E>;

/// The scenarios of a city's schema ([`store::Scenarios`]), with the actor of the next changes.
#[derive(Debug, Clone)]
pub struct PgScenarios {
    db: Database,
    actor: String,
}

const INFO_COLUMNS: &str =
    "id, name, description, created, updated, edit_count, author, department, status";

fn info_row(r: &Row) -> Result<ScenarioInfo> {
    let status: String = r.get(8);
    Ok(ScenarioInfo {
        id: r.get(0),
        name: r.get(1),
        description: r.get(2),
        created: r.get(3),
        updated: r.get(4),
        edit_count: r.get::<_, i64>(5).max(0) as usize,
        author: r.get(6),
        department: r.get(7),
        status: status.parse()?,
    })
}

impl PgScenarios {
    /// The scenarios of `db`'s schema; changes are made by `unknown` until [`store::Scenarios::set_actor`].
    pub fn new(db: Database) -> PgScenarios {
        PgScenarios {
            db,
            actor: "unknown".into(),
        }
    }

    fn failed(&self, e: tokio_postgres::Error) -> ScenarioStoreError {
        self.db.fail(e)
    }

    fn table(&self, name: &str) -> String {
        format!("\"{}\".{name}", self.db.schema())
    }

    /// Runs one change in a read-committed transaction (its scenario locked with `FOR UPDATE`
    /// by [`PgScenarios::existing`], so that a change waiting for another sees that one's
    /// result); `change` answers the audit target, its result and the audit detail. The audit
    /// row, the notification and the commit follow: all or nothing.
    fn change<T>(
        &self,
        action: &str,
        change: impl AsyncFnOnce(&Transaction<'_>) -> Result<(String, T, serde_json::Value)>,
    ) -> Result<T> {
        self.db.write_tx(async |tx| {
            let (target, out, detail) = change(tx).await?;
            self.db
                .audit::<ScenarioStoreError>(tx, &self.actor, (action, &target), detail)
                .await?;
            tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &self.db.schema()])
                .await
                .map_err(|e| self.failed(e))?;
            Ok(out)
        })
    }

    /// Runs one read of several statements on one snapshot.
    fn read<T>(&self, read: impl AsyncFnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.db.read_tx(read)
    }

    /// The scenario with this id (if `key` is a number) or name; `lock`: for update.
    async fn find(
        &self,
        tx: &Transaction<'_>,
        key: &str,
        lock: bool,
    ) -> Result<Option<ScenarioInfo>> {
        let key = key.trim();
        let lock = if lock { " FOR UPDATE" } else { "" };
        let t = self.table("spielraum_scenarios");
        let row = match key.parse::<i64>() {
            Ok(id) => {
                tx.query_opt(
                    &format!("SELECT {INFO_COLUMNS} FROM {t} WHERE id = $1{lock}"),
                    &[&id],
                )
                .await
            }
            Err(_) => {
                tx.query_opt(
                    &format!("SELECT {INFO_COLUMNS} FROM {t} WHERE name = $1{lock}"),
                    &[&key],
                )
                .await
            }
        }
        .map_err(|e| self.failed(e))?;
        row.as_ref().map(info_row).transpose()
    }

    async fn existing(&self, tx: &Transaction<'_>, key: &str) -> Result<ScenarioInfo> {
        self.find(tx, key, true)
            .await?
            .ok_or_else(|| ScenarioStoreError::UnknownScenario(key.to_string()))
    }

    /// The scenario with this id or name, unlocked (for reads).
    async fn known(&self, tx: &Transaction<'_>, key: &str) -> Result<ScenarioInfo> {
        self.find(tx, key, false)
            .await?
            .ok_or_else(|| ScenarioStoreError::UnknownScenario(key.to_string()))
    }

    async fn edits(&self, tx: &Transaction<'_>, info: &ScenarioInfo) -> Result<Vec<Edit>> {
        let rows = tx
            .query(
                &format!(
                    "SELECT position, edit, osm_id, kind, name, access, area_m2, \
                     ST_AsBinary(geometry), timing FROM {} WHERE scenario_id = $1 ORDER BY position",
                    self.table("spielraum_scenario_edits")
                ),
                &[&info.id],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let mut edits = Vec::new();
        for (expected, r) in rows.iter().enumerate() {
            let geometry: Option<Vec<u8>> = r.get(7);
            let corrupt = |why: String| ScenarioStoreError::Corrupt {
                path: self.db.shown().into(),
                scenario: info.name.clone(),
                position: r.get(0),
                why,
            };
            let row = EditRow {
                position: r.get(0),
                edit: r.get(1),
                osm_id: r.get(2),
                kind: r.get(3),
                name: r.get(4),
                access: r.get(5),
                area_m2: r.get(6),
                geometry: match geometry {
                    Some(wkb) => Some(store::wkb::encode_gpkg(
                        &store::wkb::read_wkb(&wkb).map_err(|e| corrupt(e.to_string()))?,
                    )),
                    None => None,
                },
                timing: r.get(8),
            };
            if row.position != expected as i64 {
                return Err(corrupt(format!("expected position {expected}")));
            }
            edits.push(row.to_edit().map_err(corrupt)?);
        }
        Ok(edits)
    }

    /// Bumps `updated` (never backwards) and the edit count.
    async fn touch(&self, tx: &Transaction<'_>, id: i64, edits: i64) -> Result<()> {
        tx.execute(
            &format!(
                "UPDATE {} SET updated = greatest($2, created, updated), \
                 edit_count = edit_count + $3 WHERE id = $1",
                self.table("spielraum_scenarios")
            ),
            &[&id, &rules::now(), &edits],
        )
        .await
        .map_err(|e| self.failed(e))?;
        Ok(())
    }

    async fn info_after(&self, tx: &Transaction<'_>, id: i64) -> Result<ScenarioInfo> {
        self.existing(tx, &id.to_string()).await
    }
}

/// A unique-name violation as the store's error.
fn duplicate(e: &tokio_postgres::Error, name: &str) -> Option<ScenarioStoreError> {
    (e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION))
        .then(|| ScenarioStoreError::DuplicateName(name.to_string()))
}

impl store::Scenarios for PgScenarios {
    fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    fn is_writable(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<ScenarioInfo>> {
        self.read(async |tx| {
            let rows = tx
                .query(
                    &format!(
                        "SELECT {INFO_COLUMNS} FROM {} ORDER BY id",
                        self.table("spielraum_scenarios")
                    ),
                    &[],
                )
                .await
                .map_err(|e| self.failed(e))?;
            rows.iter().map(info_row).collect()
        })
    }

    fn create(&mut self, name: &str, description: &str) -> Result<ScenarioInfo> {
        let name = rules::check_name(name)?;
        self.change("scenario.create", async |tx| {
            let now = rules::now();
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO {} (name, description, created, updated, edit_count, author) \
                         VALUES ($1, $2, $3, $3, 0, $4) RETURNING id",
                        self.table("spielraum_scenarios")
                    ),
                    &[&name, &description, &now, &self.actor],
                )
                .await
                .map_err(|e| duplicate(&e, &name).unwrap_or_else(|| self.failed(e)))?;
            let info = self.info_after(tx, row.get(0)).await?;
            let detail =
                serde_json::json!({"after": {"name": info.name, "description": info.description}});
            Ok((rules::target(&info), info, detail))
        })
    }

    fn get(&self, id_or_name: &str) -> Result<Scenario> {
        self.read(async |tx| {
            let info = self.known(tx, id_or_name).await?;
            let edits = self.edits(tx, &info).await?;
            Ok(Scenario { info, edits })
        })
    }

    fn add_edit_checked(
        &mut self,
        id_or_name: &str,
        edit: &Edit,
        base: &[Facility],
    ) -> Result<ScenarioInfo> {
        self.change("scenario.add_edit", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            rules::check_draft(&info)?;
            let invalid = |source| ScenarioStoreError::InvalidEdit {
                scenario: info.name.clone(),
                source,
            };
            edit.validate().map_err(invalid)?;
            let mut edits = self.edits(tx, &info).await?;
            edits.push(edit.clone());
            apply_edits(base, &edits).map_err(invalid)?;
            let row = EditRow::of(info.edit_count, edit);
            let geometry = match &row.geometry {
                Some(g) => Some(
                    store::wkb::decode_gpkg(g)
                        .map(|g| {
                            let mut wkb = Vec::new();
                            store::wkb::write_wkb(&mut wkb, &g);
                            wkb
                        })
                        .map_err(|e| ScenarioStoreError::Database {
                            place: self.db.shown().to_string(),
                            why: e.to_string(),
                        })?,
                ),
                None => None,
            };
            tx.execute(
                &format!(
                    "INSERT INTO {} (scenario_id, position, edit, osm_id, kind, name, access, \
                     area_m2, geometry, timing, author, created) VALUES ($1, $2, $3, $4, $5, $6, \
                     $7, $8, ST_SetSRID(ST_GeomFromWKB($9), 4326), $10, $11, $12)",
                    self.table("spielraum_scenario_edits")
                ),
                &[
                    &info.id,
                    &row.position,
                    &row.edit,
                    &row.osm_id,
                    &row.kind,
                    &row.name,
                    &row.access,
                    &row.area_m2,
                    &geometry,
                    &row.timing,
                    &self.actor,
                    &rules::now(),
                ],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.touch(tx, info.id, 1).await?;
            let after = self.info_after(tx, info.id).await?;
            let detail = serde_json::json!({"position": info.edit_count,
                "edit": rules::edit_summary(edit)});
            Ok((rules::target(&after), after, detail))
        })
    }

    fn remove_edit(&mut self, id_or_name: &str, position: usize) -> Result<ScenarioInfo> {
        self.change("scenario.remove_edit", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            rules::check_draft(&info)?;
            if position >= info.edit_count {
                return Err(ScenarioStoreError::UnknownEdit {
                    scenario: info.name,
                    position,
                    count: info.edit_count,
                });
            }
            let removed = self.edits(tx, &info).await?.swap_remove(position);
            let t = self.table("spielraum_scenario_edits");
            let p = position as i64;
            // Later edits move up one place, through negative positions so that no two rows
            // share a key on the way.
            let statements: [(String, &[&(dyn tokio_postgres::types::ToSql + Sync)]); 3] = [
                (
                    format!("DELETE FROM {t} WHERE scenario_id = $1 AND position = $2"),
                    &[&info.id, &p],
                ),
                (
                    format!(
                        "UPDATE {t} SET position = -position WHERE scenario_id = $1 AND position > $2"
                    ),
                    &[&info.id, &p],
                ),
                (
                    format!(
                        "UPDATE {t} SET position = -position - 1 WHERE scenario_id = $1 AND position < 0"
                    ),
                    &[&info.id],
                ),
            ];
            for (sql, params) in statements {
                tx.execute(&sql, params).await.map_err(|e| self.failed(e))?;
            }
            self.touch(tx, info.id, -1).await?;
            let after = self.info_after(tx, info.id).await?;
            let detail = serde_json::json!({"position": position,
                "before": rules::edit_summary(&removed)});
            Ok((rules::target(&after), after, detail))
        })
    }

    fn update(
        &mut self,
        id_or_name: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ScenarioInfo> {
        let name = name.map(rules::check_name).transpose()?;
        self.change("scenario.update", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            let t = self.table("spielraum_scenarios");
            if let Some(name) = &name {
                tx.execute(
                    &format!("UPDATE {t} SET name = $2 WHERE id = $1"),
                    &[&info.id, name],
                )
                .await
                .map_err(|e| duplicate(&e, name).unwrap_or_else(|| self.failed(e)))?;
            }
            if let Some(d) = description {
                tx.execute(
                    &format!("UPDATE {t} SET description = $2 WHERE id = $1"),
                    &[&info.id, &d],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
            self.touch(tx, info.id, 0).await?;
            let after = self.info_after(tx, info.id).await?;
            let detail = serde_json::json!({
                "before": {"name": info.name, "description": info.description},
                "after": {"name": after.name, "description": after.description}});
            Ok((rules::target(&after), after, detail))
        })
    }

    fn delete(&mut self, id_or_name: &str) -> Result<ScenarioInfo> {
        self.change("scenario.delete", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            for table in ["spielraum_scenario_edits", "spielraum_scenario_comments"] {
                tx.execute(
                    &format!("DELETE FROM {} WHERE scenario_id = $1", self.table(table)),
                    &[&info.id],
                )
                .await
                .map_err(|e| self.failed(e))?;
            }
            tx.execute(
                &format!(
                    "DELETE FROM {} WHERE id = $1",
                    self.table("spielraum_scenarios")
                ),
                &[&info.id],
            )
            .await
            .map_err(|e| self.failed(e))?;
            let detail = serde_json::json!({"before": {"name": info.name,
                "edit_count": info.edit_count, "status": info.status.as_str()}});
            Ok((rules::target(&info), info, detail))
        })
    }

    fn set_status(&mut self, id_or_name: &str, to: Status, role: Role) -> Result<ScenarioInfo> {
        self.change("scenario.set_status", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            rules::check_move(&info, to, role)?;
            tx.execute(
                &format!(
                    "UPDATE {} SET status = $2 WHERE id = $1",
                    self.table("spielraum_scenarios")
                ),
                &[&info.id, &to.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.touch(tx, info.id, 0).await?;
            let after = self.info_after(tx, info.id).await?;
            let detail = serde_json::json!({"before": info.status.as_str(), "after": to.as_str()});
            Ok((rules::target(&after), after, detail))
        })
    }

    fn set_department(&mut self, id_or_name: &str, department: &str) -> Result<ScenarioInfo> {
        let department = rules::check_department(department)?;
        self.change("scenario.set_department", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            tx.execute(
                &format!(
                    "UPDATE {} SET department = $2 WHERE id = $1",
                    self.table("spielraum_scenarios")
                ),
                &[&info.id, &department],
            )
            .await
            .map_err(|e| self.failed(e))?;
            self.touch(tx, info.id, 0).await?;
            let after = self.info_after(tx, info.id).await?;
            let detail = serde_json::json!({"before": info.department, "after": after.department});
            Ok((rules::target(&after), after, detail))
        })
    }

    fn add_comment(
        &mut self,
        id_or_name: &str,
        position: Option<usize>,
        text: &str,
    ) -> Result<Comment> {
        let text = rules::check_comment(text)?;
        self.change("scenario.comment", async |tx| {
            let info = self.existing(tx, id_or_name).await?;
            rules::check_position(&info, position)?;
            let at = rules::now();
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO {} (scenario_id, position, author, at, text) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        self.table("spielraum_scenario_comments")
                    ),
                    &[
                        &info.id,
                        &position.map(|p| p as i64),
                        &self.actor,
                        &at,
                        &text,
                    ],
                )
                .await
                .map_err(|e| self.failed(e))?;
            let id: i64 = row.get(0);
            let comment = Comment {
                id,
                position,
                author: self.actor.clone(),
                at,
                text,
            };
            let detail = serde_json::json!({"comment_id": id, "position": position});
            Ok((rules::target(&info), comment, detail))
        })
    }

    fn comments(&self, id_or_name: &str) -> Result<Vec<Comment>> {
        self.read(async |tx| {
            let info = self.known(tx, id_or_name).await?;
            let rows = tx
                .query(
                    &format!(
                        "SELECT id, position, author, at, text FROM {} WHERE scenario_id = $1 ORDER BY id",
                        self.table("spielraum_scenario_comments")
                    ),
                    &[&info.id],
                )
                .await
                .map_err(|e| self.failed(e))?;
            Ok(rows
                .iter()
                .map(|r| Comment {
                    id: r.get(0),
                    position: r.get::<_, Option<i64>>(1).map(|p| p.max(0) as usize),
                    author: r.get(2),
                    at: r.get(3),
                    text: r.get(4),
                })
                .collect())
        })
    }

    fn edit_authors(&self, id_or_name: &str) -> Result<Vec<EditAuthor>> {
        self.read(async |tx| {
            let info = self.known(tx, id_or_name).await?;
            let rows = tx
                .query(
                    &format!(
                        "SELECT position, author, created FROM {} WHERE scenario_id = $1 ORDER BY position",
                        self.table("spielraum_scenario_edits")
                    ),
                    &[&info.id],
                )
                .await
                .map_err(|e| self.failed(e))?;
            Ok(rows
                .iter()
                .map(|r| EditAuthor {
                    position: r.get::<_, i64>(0).max(0) as usize,
                    author: r.get(1),
                    created: r.get(2),
                })
                .collect())
        })
    }
}
