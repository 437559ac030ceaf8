//! Scenario storage: named sets of planned edits kept in tables of the city's GeoPackage.
//!
//! Owns the tables `spielraum_scenarios` and `spielraum_scenario_edits` (WAL journal, every
//! change one transaction, so a killed process leaves the last committed state).
//!
//! Tables (both registered in `gpkg_contents` as `attributes`):
//! - `spielraum_scenarios (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, description TEXT,
//!   created TEXT, updated TEXT, edit_count INTEGER)`: times are RFC 3339 UTC with milliseconds.
//! - `spielraum_scenario_edits (scenario_id, position, edit, osm_id, kind, name, access, area_m2,
//!   geometry, author, created, timing)`: `position` counts from 0 without gaps; `edit` is `add`,
//!   `remove`, `set_access`, `enlarge`, `play_street` or `open_after_hours`; `geometry` (of `add`
//!   and `play_street`) is a GeoPackage geometry blob in EPSG:4326; `timing` (JSON) holds the
//!   hours, first and last day, width and ways of the last two. Older files get the column and
//!   the wider `edit` check when first opened for writing.
//! - `spielraum_scenario_comments (id, scenario_id, position, author, at, text)`: comments on a
//!   scenario (`position` null) or on one of its edits.
//!
//! Scenarios have an `author`, a `department` and a `status` (`draft → proposed → agreed |
//! rejected`, moved by [`ScenarioStore::set_status`] as [`Status::may_move`] allows a role); only
//! drafts take edits. Every change appends a row to the audit log
//! ([`crate::accounts::AUDIT_TABLE`]) in its own transaction, with the store's actor
//! ([`ScenarioStore::set_actor`]): all writes go through one function that does it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use model::scenario::{Access, Edit, PlannedFacility, ScenarioError, apply_edits};
use model::{Facility, OsmId};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::StoreError;
use crate::wkb::{decode_gpkg, encode_gpkg};

/// The table of scenarios.
pub const SCENARIOS_TABLE: &str = "spielraum_scenarios";
/// The table of their edits.
pub const EDITS_TABLE: &str = "spielraum_scenario_edits";
/// The table of comments on scenarios and edits.
pub const COMMENTS_TABLE: &str = "spielraum_scenario_comments";

/// The longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// Where a scenario stands in the planning process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being drafted: the only status that takes edits.
    Draft,
    /// Put forward for agreement.
    Proposed,
    /// Agreed by an administrator.
    Agreed,
    /// Rejected by an administrator.
    Rejected,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Proposed,
        Status::Agreed,
        Status::Rejected,
    ];

    /// `draft`, `proposed`, `agreed` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Proposed => "proposed",
            Status::Agreed => "agreed",
            Status::Rejected => "rejected",
        }
    }

    /// Whether `role` may move a scenario from `self` to `to`: editors propose a draft or take a
    /// proposal back to draft; administrators also agree to or reject a proposal and reopen an
    /// agreed or rejected plan as a draft. Viewers move nothing.
    pub fn may_move(self, to: Status, role: crate::accounts::Role) -> bool {
        use crate::accounts::Role::{Admin, Editor};
        use Status::{Agreed, Draft, Proposed, Rejected};
        match (self, to) {
            (Draft, Proposed) | (Proposed, Draft) => role >= Editor,
            (Proposed, Agreed | Rejected) | (Agreed | Rejected, Draft) => role == Admin,
            _ => false,
        }
    }
}

impl std::str::FromStr for Status {
    type Err = ScenarioStoreError;

    fn from_str(s: &str) -> Result<Status> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| ScenarioStoreError::UnknownStatus(s.to_string()))
    }
}

/// Who made an edit, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditAuthor {
    /// The edit's position (from 0).
    pub position: usize,
    /// The actor that added it (empty for edits stored before authors were recorded).
    pub author: String,
    /// When, RFC 3339 UTC (empty likewise).
    pub created: String,
}

/// A comment on a scenario or one of its edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Stable id.
    pub id: i64,
    /// The edit it is about (position from 0), `None` for the scenario as a whole.
    pub position: Option<usize>,
    /// Who wrote it.
    pub author: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Plain text.
    pub text: String,
}

/// The longest scenario name accepted, in characters.
const MAX_NAME: usize = 200;

/// Errors of the scenario store; each names the file or the scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioStoreError {
    /// The GeoPackage cannot be opened (missing, not a GeoPackage, …).
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
    /// The file was replaced (re-imported) since it was opened: changes would go to the old,
    /// unlinked file and be lost, so none is accepted until it is opened again.
    #[error(
        "{0}: the GeoPackage was replaced; restart the server (or reopen the file) to change scenarios"
    )]
    Replaced(PathBuf),
    /// The volume holding the file is nearly full: a change is refused before SQLite would
    /// fail half-way (the rule of [`crate::TileLimits::nearly_full`]).
    #[error(
        "{path}: the disk holding it is nearly full ({free_mib} MiB free); free some space to change scenarios"
    )]
    DiskNearlyFull {
        /// The GeoPackage.
        path: PathBuf,
        /// Free space on its volume, MiB.
        free_mib: u64,
    },
    /// The file is read-only: scenarios can be read but not changed.
    #[error("{0}: the file is read-only, scenarios cannot be changed")]
    ReadOnly(PathBuf),
    /// No scenario has this id or name.
    #[error("no scenario '{0}' (see 'spielraum scenario list')")]
    UnknownScenario(String),
    /// Another scenario already has this name.
    #[error("a scenario named '{0}' exists already")]
    DuplicateName(String),
    /// A name that cannot be used.
    #[error("invalid scenario name '{name}': {why}")]
    BadName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The edit cannot be added to the scenario.
    #[error("scenario '{scenario}': {source}")]
    InvalidEdit {
        /// The scenario's name.
        scenario: String,
        /// What is wrong with the edit.
        source: ScenarioError,
    },
    /// Not a status.
    #[error("unknown status '{0}': use draft, proposed, agreed or rejected")]
    UnknownStatus(String),
    /// The role may not make this move.
    #[error("{role} cannot move scenario '{scenario}' from {from} to {to}")]
    StatusNotAllowed {
        /// The scenario's name.
        scenario: String,
        /// Its status.
        from: &'static str,
        /// The status asked for.
        to: &'static str,
        /// The role asking, with its article ("an editor").
        role: &'static str,
    },
    /// Edits of a scenario that is not a draft.
    #[error("scenario '{scenario}' is {status}; move it back to draft to change its edits")]
    NotDraft {
        /// The scenario's name.
        scenario: String,
        /// Its status.
        status: &'static str,
    },
    /// A comment that is empty or too long.
    #[error("a comment must hold text, at most {MAX_COMMENT_CHARS} characters (this one has {0})")]
    BadComment(usize),
    /// No edit at this position.
    #[error("scenario '{scenario}' has no edit {position} (it has {count}, counted from 0)")]
    UnknownEdit {
        /// The scenario's name.
        scenario: String,
        /// The position asked for.
        position: usize,
        /// How many edits it has.
        count: usize,
    },
    /// The database holding the scenarios failed (another store than the GeoPackage).
    #[error("{place}: {why}")]
    Database {
        /// The database, without its password.
        place: String,
        /// What it said.
        why: String,
    },
    /// A stored row that cannot be read back (written by something else).
    #[error("{path}: scenario '{scenario}', edit {position}: {why}")]
    Corrupt {
        /// The GeoPackage.
        path: PathBuf,
        /// The scenario's name.
        scenario: String,
        /// The edit's position.
        position: i64,
        /// What is wrong.
        why: String,
    },
}

/// A scenario without its edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioInfo {
    /// Its id (stable, never reused within a file).
    pub id: i64,
    /// Its name (unique in the file, not a number).
    pub name: String,
    /// Free text.
    pub description: String,
    /// When it was created, RFC 3339 UTC (`2026-11-27T06:40:00.123Z`).
    pub created: String,
    /// When it last changed, RFC 3339 UTC, never before `created`.
    pub updated: String,
    /// How many edits it has.
    pub edit_count: usize,
    /// Who created it (the store's actor then; empty for scenarios stored before authors were
    /// recorded).
    pub author: String,
    /// The department it belongs to, may be empty.
    pub department: String,
    /// Where it stands.
    pub status: Status,
}

/// A scenario with its edits, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Id, name, times.
    pub info: ScenarioInfo,
    /// The edits, applied in this order (see [`model::scenario::apply_edits`]).
    pub edits: Vec<Edit>,
}

/// The scenarios of one GeoPackage. `Send`: share it between threads as `Mutex<ScenarioStore>`.
#[derive(Debug)]
pub struct ScenarioStore {
    path: PathBuf,
    conn: Connection,
    writable: bool,
    /// The identity of the file opened (device and inode), to notice its replacement.
    identity: Option<(u64, u64)>,
    /// Set once the file at `path` is found to be another one.
    replaced: bool,
    /// When the volume counts as nearly full (the tile table's rule and defaults).
    space: crate::TileLimits,
    /// Who the changes are made by (recorded with each change in the audit log).
    actor: String,
}

type Result<T, E = ScenarioStoreError> = std::result::Result<T, E>;

impl ScenarioStore {
    /// Opens the scenarios of the GeoPackage at `path`, creating the tables if missing and
    /// switching the file to WAL. A file that cannot be written (permissions) is opened read-only:
    /// reading works (no scenarios if the tables were never created), changes fail with
    /// [`ScenarioStoreError::ReadOnly`].
    pub fn open(path: &Path) -> Result<ScenarioStore> {
        let writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
        let identity = file_identity(path);
        let conn = crate::open(path, writable)?;
        let mut store = ScenarioStore {
            path: path.to_path_buf(),
            conn,
            writable,
            identity,
            replaced: false,
            space: crate::TileLimits::default(),
            actor: "unknown".into(),
        };
        store.init().map_err(|e| store.sql(e))?;
        Ok(store)
    }

    /// The GeoPackage's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who the next changes are made by: a user's login, `cli:NAME`, `machine-token`
    /// (recorded as author and in the audit log; `unknown` until set).
    pub fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    /// The actor of the next changes.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Whether changes can be made.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Whether the file at the store's path is no longer the one it opened (a re-import
    /// replaced it). Once true it stays true: changes then fail with
    /// [`ScenarioStoreError::Replaced`]; reading goes on from the file opened.
    pub fn is_replaced(&mut self) -> bool {
        if !self.replaced && self.identity.is_some() {
            self.replaced = file_identity(&self.path) != self.identity;
        }
        self.replaced
    }

    fn init(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        if !self.writable {
            return Ok(());
        }
        // WAL: readers keep their snapshot while a writer commits; FULL syncs every commit.
        self.conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {SCENARIOS_TABLE} (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               name TEXT NOT NULL UNIQUE,
               description TEXT NOT NULL DEFAULT '',
               created TEXT NOT NULL,
               updated TEXT NOT NULL,
               edit_count INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE IF NOT EXISTS {EDITS_TABLE} (
               scenario_id INTEGER NOT NULL REFERENCES {SCENARIOS_TABLE}(id),
               position INTEGER NOT NULL,
               edit TEXT NOT NULL CHECK (edit IN {EDIT_NAMES}),
               osm_id TEXT, kind TEXT, name TEXT, access TEXT, area_m2 REAL, geometry BLOB,
               author TEXT NOT NULL DEFAULT '', created TEXT NOT NULL DEFAULT '', timing TEXT,
               PRIMARY KEY (scenario_id, position));
             CREATE TABLE IF NOT EXISTS {COMMENTS_TABLE} (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               scenario_id INTEGER NOT NULL REFERENCES {SCENARIOS_TABLE}(id),
               position INTEGER,
               author TEXT NOT NULL,
               at TEXT NOT NULL,
               text TEXT NOT NULL);
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{COMMENTS_TABLE}', 'attributes', '{COMMENTS_TABLE}',
                       'Comments on planning scenarios and their edits');
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{SCENARIOS_TABLE}', 'attributes', '{SCENARIOS_TABLE}',
                       'Planning scenarios of spielraum (name, description, times)');
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{EDITS_TABLE}', 'attributes', '{EDITS_TABLE}',
                       'Edits of the planning scenarios, in order (geometry: GeoPackage blob)');"
        ))?;
        // Columns added after the first release, to files made before them.
        for (table, column, decl) in [
            (SCENARIOS_TABLE, "author", "TEXT NOT NULL DEFAULT ''"),
            (SCENARIOS_TABLE, "department", "TEXT NOT NULL DEFAULT ''"),
            (
                SCENARIOS_TABLE,
                "status",
                "TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'proposed', 'agreed', 'rejected'))",
            ),
            (EDITS_TABLE, "author", "TEXT NOT NULL DEFAULT ''"),
            (EDITS_TABLE, "created", "TEXT NOT NULL DEFAULT ''"),
            (EDITS_TABLE, "timing", "TEXT"),
        ] {
            let has: bool = tx.query_row(
                &format!("SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
                [column],
                |r| r.get(0),
            )?;
            if !has {
                tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
            }
        }
        widen_edit_check(&tx)?;
        crate::accounts::create_tables(&tx)?;
        tx.commit()
    }

    fn sql(&self, source: rusqlite::Error) -> ScenarioStoreError {
        sql(&self.path, source)
    }

    /// `e` with this store's path if it is an SQLite error without one.
    fn named(&self, e: ScenarioStoreError) -> ScenarioStoreError {
        match e {
            ScenarioStoreError::Sqlite { source, .. } => self.sql(source),
            e => e,
        }
    }

    fn has_tables(&self) -> rusqlite::Result<bool> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [SCENARIOS_TABLE],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
    }

    /// Every scenario, by id.
    pub fn list(&self) -> Result<Vec<ScenarioInfo>> {
        let run = || -> rusqlite::Result<Vec<ScenarioInfo>> {
            if !self.has_tables()? {
                return Ok(Vec::new());
            }
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {INFO_COLUMNS} FROM {SCENARIOS_TABLE} ORDER BY id"
            ))?;
            stmt.query_map([], info_row)?.collect()
        };
        run().map_err(|e| self.sql(e))
    }

    /// Creates an empty scenario.
    pub fn create(&mut self, name: &str, description: &str) -> Result<ScenarioInfo> {
        let name = check_name(name)?;
        let author = self.actor.clone();
        self.write("scenario.create", |tx| {
            if find(tx, &name)?.is_some() {
                return Err(ScenarioStoreError::DuplicateName(name.clone()));
            }
            let now = now();
            tx.execute(
                &format!(
                    "INSERT INTO {SCENARIOS_TABLE} (name, description, created, updated, edit_count, author)
                     VALUES (?1, ?2, ?3, ?3, 0, ?4)"
                ),
                params![name, description, now, author],
            )?;
            let info = existing(tx, &tx.last_insert_rowid().to_string())?;
            let detail = serde_json::json!({"after": {"name": info.name, "description": info.description}});
            Ok((target(&info), info, detail))
        })
    }

    /// The scenario with this id (a number) or name, with its edits.
    pub fn get(&self, id_or_name: &str) -> Result<Scenario> {
        // One read transaction: the info and the edits are of the same commit.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        let found = if self.has_tables().map_err(|e| self.sql(e))? {
            find(&tx, id_or_name).map_err(|e| self.named(e))?
        } else {
            None
        };
        let info =
            found.ok_or_else(|| ScenarioStoreError::UnknownScenario(id_or_name.to_string()))?;
        let edits = read_edits(&self.path, &tx, &info)?;
        tx.finish().map_err(|e| self.sql(e))?;
        Ok(Scenario { info, edits })
    }

    /// Appends `edit` to the scenario after checking it on its own ([`Edit::validate`]); ids of
    /// existing facilities are not checked (see [`ScenarioStore::add_edit_checked`]).
    pub fn add_edit(&mut self, id_or_name: &str, edit: &Edit) -> Result<ScenarioInfo> {
        self.add(id_or_name, edit, None)
    }

    /// Appends `edit` after checking that the scenario's edits and this one apply to `base`
    /// (the city's facilities): an edit naming a facility that is not there (or was removed by an
    /// earlier edit) is refused with [`ScenarioError::UnknownFacility`]. The check and the write
    /// are one transaction.
    pub fn add_edit_checked(
        &mut self,
        id_or_name: &str,
        edit: &Edit,
        base: &[Facility],
    ) -> Result<ScenarioInfo> {
        self.add(id_or_name, edit, Some(base))
    }

    fn add(
        &mut self,
        id_or_name: &str,
        edit: &Edit,
        base: Option<&[Facility]>,
    ) -> Result<ScenarioInfo> {
        let path = self.path.clone();
        let author = self.actor.clone();
        self.write("scenario.add_edit", |tx| {
            let info = draft(tx, id_or_name)?;
            let invalid = |source| ScenarioStoreError::InvalidEdit {
                scenario: info.name.clone(),
                source,
            };
            edit.validate().map_err(invalid)?;
            if let Some(base) = base {
                let mut edits = read_edits(&path, tx, &info)?;
                edits.push(edit.clone());
                apply_edits(base, &edits).map_err(invalid)?;
            }
            insert_edit(tx, info.id, info.edit_count, edit)?;
            tx.execute(
                &format!(
                    "UPDATE {EDITS_TABLE} SET author = ?3, created = ?4
                     WHERE scenario_id = ?1 AND position = ?2"
                ),
                params![info.id, info.edit_count as i64, author, now()],
            )?;
            touch(tx, info.id, 1)?;
            let after = existing(tx, &info.id.to_string())?;
            let detail =
                serde_json::json!({"position": info.edit_count, "edit": edit_summary(edit)});
            Ok((target(&after), after, detail))
        })
    }

    /// Removes the edit at `position` (from 0); later edits move up one place. Planned
    /// facilities are numbered by position ([`model::scenario::planned_id`]), so those added
    /// after it get new ids.
    pub fn remove_edit(&mut self, id_or_name: &str, position: usize) -> Result<ScenarioInfo> {
        let path = self.path.clone();
        self.write("scenario.remove_edit", |tx| {
            let info = draft(tx, id_or_name)?;
            if position >= info.edit_count {
                return Err(ScenarioStoreError::UnknownEdit {
                    scenario: info.name,
                    position,
                    count: info.edit_count,
                });
            }
            let removed = read_edits(&path, tx, &info)?.swap_remove(position);
            let p = position as i64;
            tx.execute(
                &format!("DELETE FROM {EDITS_TABLE} WHERE scenario_id = ?1 AND position = ?2"),
                params![info.id, p],
            )?;
            // Through negative positions, so that no two rows share a key on the way.
            tx.execute(
                &format!(
                    "UPDATE {EDITS_TABLE} SET position = -position WHERE scenario_id = ?1 AND position > ?2"
                ),
                params![info.id, p],
            )?;
            tx.execute(
                &format!(
                    "UPDATE {EDITS_TABLE} SET position = -position - 1 WHERE scenario_id = ?1 AND position < 0"
                ),
                params![info.id],
            )?;
            touch(tx, info.id, -1)?;
            let after = existing(tx, &info.id.to_string())?;
            let detail =
                serde_json::json!({"position": position, "before": edit_summary(&removed)});
            Ok((target(&after), after, detail))
        })
    }

    /// Renames the scenario and/or changes its description.
    pub fn update(
        &mut self,
        id_or_name: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ScenarioInfo> {
        let name = name.map(check_name).transpose()?;
        self.write("scenario.update", |tx| {
            let info = existing(tx, id_or_name)?;
            if let Some(name) = &name {
                if find(tx, name)?.is_some_and(|other| other.id != info.id) {
                    return Err(ScenarioStoreError::DuplicateName(name.clone()));
                }
                tx.execute(
                    &format!("UPDATE {SCENARIOS_TABLE} SET name = ?2 WHERE id = ?1"),
                    params![info.id, name],
                )?;
            }
            if let Some(d) = description {
                tx.execute(
                    &format!("UPDATE {SCENARIOS_TABLE} SET description = ?2 WHERE id = ?1"),
                    params![info.id, d],
                )?;
            }
            touch(tx, info.id, 0)?;
            let after = existing(tx, &info.id.to_string())?;
            let detail = serde_json::json!({
                "before": {"name": info.name, "description": info.description},
                "after": {"name": after.name, "description": after.description}});
            Ok((target(&after), after, detail))
        })
    }

    /// Deletes the scenario with its edits and comments; returns what it was.
    pub fn delete(&mut self, id_or_name: &str) -> Result<ScenarioInfo> {
        self.write("scenario.delete", |tx| {
            let info = existing(tx, id_or_name)?;
            for table in [EDITS_TABLE, COMMENTS_TABLE] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE scenario_id = ?1"),
                    [info.id],
                )?;
            }
            tx.execute(
                &format!("DELETE FROM {SCENARIOS_TABLE} WHERE id = ?1"),
                [info.id],
            )?;
            let detail = serde_json::json!({"before": {"name": info.name,
                "edit_count": info.edit_count, "status": info.status.as_str()}});
            Ok((target(&info), info, detail))
        })
    }

    /// Moves the scenario to `to` if `role` may ([`Status::may_move`]).
    pub fn set_status(
        &mut self,
        id_or_name: &str,
        to: Status,
        role: crate::accounts::Role,
    ) -> Result<ScenarioInfo> {
        self.write("scenario.set_status", |tx| {
            let info = existing(tx, id_or_name)?;
            check_move(&info, to, role)?;
            tx.execute(
                &format!("UPDATE {SCENARIOS_TABLE} SET status = ?2 WHERE id = ?1"),
                params![info.id, to.as_str()],
            )?;
            touch(tx, info.id, 0)?;
            let after = existing(tx, &info.id.to_string())?;
            let detail = serde_json::json!({"before": info.status.as_str(), "after": to.as_str()});
            Ok((target(&after), after, detail))
        })
    }

    /// Tags the scenario with a department (e.g. "Schulverwaltungsamt"; empty: none).
    pub fn set_department(&mut self, id_or_name: &str, department: &str) -> Result<ScenarioInfo> {
        let department = check_department(department)?;
        self.write("scenario.set_department", |tx| {
            let info = existing(tx, id_or_name)?;
            tx.execute(
                &format!("UPDATE {SCENARIOS_TABLE} SET department = ?2 WHERE id = ?1"),
                params![info.id, department],
            )?;
            touch(tx, info.id, 0)?;
            let after = existing(tx, &info.id.to_string())?;
            let detail = serde_json::json!({"before": info.department, "after": after.department});
            Ok((target(&after), after, detail))
        })
    }

    /// Adds a comment by the store's actor on the scenario (`position` `None`) or on its edit
    /// at `position`; plain text, at most [`MAX_COMMENT_CHARS`] characters.
    pub fn add_comment(
        &mut self,
        id_or_name: &str,
        position: Option<usize>,
        text: &str,
    ) -> Result<Comment> {
        let text = check_comment(text)?;
        let author = self.actor.clone();
        self.write("scenario.comment", |tx| {
            let info = existing(tx, id_or_name)?;
            check_position(&info, position)?;
            let at = now();
            tx.execute(
                &format!(
                    "INSERT INTO {COMMENTS_TABLE} (scenario_id, position, author, at, text)
                     VALUES (?1, ?2, ?3, ?4, ?5)"
                ),
                params![info.id, position.map(|p| p as i64), author, at, text],
            )?;
            let id = tx.last_insert_rowid();
            let comment = Comment {
                id,
                position,
                author,
                at,
                text,
            };
            let detail = serde_json::json!({"comment_id": id, "position": position});
            Ok((target(&info), comment, detail))
        })
    }

    /// The scenario with this id or name, without its edits.
    fn info(&self, id_or_name: &str) -> Result<ScenarioInfo> {
        let found = if self.has_tables().map_err(|e| self.sql(e))? {
            find(&self.conn, id_or_name).map_err(|e| self.named(e))?
        } else {
            None
        };
        found.ok_or_else(|| ScenarioStoreError::UnknownScenario(id_or_name.to_string()))
    }

    /// The comments on a scenario and its edits, oldest first.
    pub fn comments(&self, id_or_name: &str) -> Result<Vec<Comment>> {
        let info = self.info(id_or_name)?;
        comments_of(&self.conn, info.id).map_err(|e| self.sql(e))
    }

    /// Who made each edit of the scenario, and when, by position.
    pub fn edit_authors(&self, id_or_name: &str) -> Result<Vec<EditAuthor>> {
        let info = self.info(id_or_name)?;
        let run = || -> rusqlite::Result<Vec<EditAuthor>> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT position, author, created FROM {EDITS_TABLE}
                 WHERE scenario_id = ?1 ORDER BY position"
            ))?;
            stmt.query_map([info.id], |r| {
                Ok(EditAuthor {
                    position: r.get::<_, i64>(0)?.max(0) as usize,
                    author: r.get(1)?,
                    created: r.get(2)?,
                })
            })?
            .collect()
        };
        run().map_err(|e| self.sql(e))
    }

    /// Changes when the volume counts as nearly full (tests set a high threshold).
    pub fn set_space_limits(&mut self, limits: crate::TileLimits) {
        self.space = limits;
    }

    /// Runs `change` in one IMMEDIATE transaction, committed only if it succeeds.
    /// Runs `change` in one write transaction and appends its audit row (`action` by the store's
    /// actor, on the target and with the detail `change` returns with its answer) in the same
    /// transaction: every
    /// write of the store goes through here, so none bypasses the audit log.
    fn write<T>(
        &mut self,
        action: &str,
        change: impl FnOnce(&Transaction) -> Result<(String, T, serde_json::Value)>,
    ) -> Result<T> {
        if !self.writable {
            return Err(ScenarioStoreError::ReadOnly(self.path.clone()));
        }
        if let Some((free, total)) = crate::tile_table::volume_space(&self.path)
            && self.space.nearly_full(free, total)
        {
            return Err(ScenarioStoreError::DiskNearlyFull {
                path: self.path.clone(),
                free_mib: free >> 20,
            });
        }
        if self.is_replaced() {
            return Err(ScenarioStoreError::Replaced(self.path.clone()));
        }
        let identity = self.identity;
        let result = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            // Checked again holding the write lock: a re-import holds the old file's lock until
            // the new file has taken its name, so a change committed here is never lost.
            Ok(_) if file_identity(&self.path) != identity => {
                self.replaced = true;
                Err(ScenarioStoreError::Replaced(self.path.clone()))
            }
            Ok(tx) => match change(&tx) {
                // Dropping `tx` on an error rolls it back.
                Ok((target, out, detail)) => {
                    crate::accounts::audit(&tx, &self.actor, action, &target, detail)
                        .and_then(|()| tx.commit())
                        .map(|()| out)
                        .map_err(ScenarioStoreError::from)
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e.into()),
        };
        result.map_err(|e| self.named(e))
    }
}

/// What the server and the command line ask of a scenario store, whichever holds it: the
/// GeoPackage's [`ScenarioStore`] or a PostgreSQL schema's. Every change is one transaction with
/// its audit row; see [`ScenarioStore`]'s methods of the same names for what each does.
pub trait Scenarios: Send + std::fmt::Debug {
    /// Who the next changes are made by.
    fn set_actor(&mut self, actor: &str);
    /// Whether changes can be made.
    fn is_writable(&self) -> bool;
    /// Every scenario, by id.
    fn list(&self) -> Result<Vec<ScenarioInfo>>;
    /// Creates an empty scenario.
    fn create(&mut self, name: &str, description: &str) -> Result<ScenarioInfo>;
    /// The scenario with this id or name, with its edits.
    fn get(&self, id_or_name: &str) -> Result<Scenario>;
    /// Appends `edit` after checking that the scenario's edits and it apply to `base`.
    fn add_edit_checked(
        &mut self,
        id_or_name: &str,
        edit: &Edit,
        base: &[Facility],
    ) -> Result<ScenarioInfo>;
    /// Removes the edit at `position`.
    fn remove_edit(&mut self, id_or_name: &str, position: usize) -> Result<ScenarioInfo>;
    /// Renames the scenario and/or changes its description.
    fn update(
        &mut self,
        id_or_name: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ScenarioInfo>;
    /// Deletes the scenario with its edits and comments.
    fn delete(&mut self, id_or_name: &str) -> Result<ScenarioInfo>;
    /// Moves the scenario to `to` if `role` may.
    fn set_status(
        &mut self,
        id_or_name: &str,
        to: Status,
        role: crate::accounts::Role,
    ) -> Result<ScenarioInfo>;
    /// Tags the scenario with a department.
    fn set_department(&mut self, id_or_name: &str, department: &str) -> Result<ScenarioInfo>;
    /// Adds a comment on the scenario or one of its edits.
    fn add_comment(
        &mut self,
        id_or_name: &str,
        position: Option<usize>,
        text: &str,
    ) -> Result<Comment>;
    /// The comments on a scenario and its edits, oldest first.
    fn comments(&self, id_or_name: &str) -> Result<Vec<Comment>>;
    /// Who made each edit of the scenario, and when.
    fn edit_authors(&self, id_or_name: &str) -> Result<Vec<EditAuthor>>;
}

impl Scenarios for ScenarioStore {
    fn set_actor(&mut self, actor: &str) {
        ScenarioStore::set_actor(self, actor);
    }
    fn is_writable(&self) -> bool {
        ScenarioStore::is_writable(self)
    }
    fn list(&self) -> Result<Vec<ScenarioInfo>> {
        ScenarioStore::list(self)
    }
    fn create(&mut self, name: &str, description: &str) -> Result<ScenarioInfo> {
        ScenarioStore::create(self, name, description)
    }
    fn get(&self, id_or_name: &str) -> Result<Scenario> {
        ScenarioStore::get(self, id_or_name)
    }
    fn add_edit_checked(
        &mut self,
        id_or_name: &str,
        edit: &Edit,
        base: &[Facility],
    ) -> Result<ScenarioInfo> {
        ScenarioStore::add_edit_checked(self, id_or_name, edit, base)
    }
    fn remove_edit(&mut self, id_or_name: &str, position: usize) -> Result<ScenarioInfo> {
        ScenarioStore::remove_edit(self, id_or_name, position)
    }
    fn update(
        &mut self,
        id_or_name: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ScenarioInfo> {
        ScenarioStore::update(self, id_or_name, name, description)
    }
    fn delete(&mut self, id_or_name: &str) -> Result<ScenarioInfo> {
        ScenarioStore::delete(self, id_or_name)
    }
    fn set_status(
        &mut self,
        id_or_name: &str,
        to: Status,
        role: crate::accounts::Role,
    ) -> Result<ScenarioInfo> {
        ScenarioStore::set_status(self, id_or_name, to, role)
    }
    fn set_department(&mut self, id_or_name: &str, department: &str) -> Result<ScenarioInfo> {
        ScenarioStore::set_department(self, id_or_name, department)
    }
    fn add_comment(
        &mut self,
        id_or_name: &str,
        position: Option<usize>,
        text: &str,
    ) -> Result<Comment> {
        ScenarioStore::add_comment(self, id_or_name, position, text)
    }
    fn comments(&self, id_or_name: &str) -> Result<Vec<Comment>> {
        ScenarioStore::comments(self, id_or_name)
    }
    fn edit_authors(&self, id_or_name: &str) -> Result<Vec<EditAuthor>> {
        ScenarioStore::edit_authors(self, id_or_name)
    }
}

impl From<rusqlite::Error> for ScenarioStoreError {
    fn from(source: rusqlite::Error) -> Self {
        ScenarioStoreError::Sqlite {
            path: PathBuf::new(),
            source,
        }
    }
}

fn sql(path: &Path, source: rusqlite::Error) -> ScenarioStoreError {
    ScenarioStoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

const INFO_COLUMNS: &str =
    "id, name, description, created, updated, edit_count, author, department, status";

fn info_row(r: &rusqlite::Row) -> rusqlite::Result<ScenarioInfo> {
    let status: String = r.get(8)?;
    Ok(ScenarioInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        created: r.get(3)?,
        updated: r.get(4)?,
        edit_count: r.get::<_, i64>(5)?.max(0) as usize,
        author: r.get(6)?,
        department: r.get(7)?,
        status: status.parse().map_err(|e: ScenarioStoreError| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, e.into())
        })?,
    })
}

/// The edits the `edit` column may hold (its CHECK constraint).
const EDIT_NAMES: &str =
    "('add', 'remove', 'set_access', 'enlarge', 'play_street', 'open_after_hours')";

/// Files made before play streets and opened yards check `edit` against the first four edits
/// only; SQLite cannot change a CHECK, so the table is copied into one with the new constraint
/// (same name, same rows, in the caller's transaction).
fn widen_edit_check(tx: &Transaction) -> rusqlite::Result<()> {
    let sql: String = tx.query_row(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [EDITS_TABLE],
        |r| r.get(0),
    )?;
    if sql.contains("play_street") {
        return Ok(());
    }
    let columns = "scenario_id, position, edit, osm_id, kind, name, access, area_m2, geometry, \
                   author, created, timing";
    tx.execute_batch(&format!(
        "CREATE TABLE spielraum_scenario_edits_new (
           scenario_id INTEGER NOT NULL REFERENCES {SCENARIOS_TABLE}(id),
           position INTEGER NOT NULL,
           edit TEXT NOT NULL CHECK (edit IN {EDIT_NAMES}),
           osm_id TEXT, kind TEXT, name TEXT, access TEXT, area_m2 REAL, geometry BLOB,
           author TEXT NOT NULL DEFAULT '', created TEXT NOT NULL DEFAULT '', timing TEXT,
           PRIMARY KEY (scenario_id, position));
         INSERT INTO spielraum_scenario_edits_new ({columns}) SELECT {columns} FROM {EDITS_TABLE};
         DROP TABLE {EDITS_TABLE};
         ALTER TABLE spielraum_scenario_edits_new RENAME TO {EDITS_TABLE};"
    ))
}

/// The hours, dates, width and ways of a play street or an opened yard, as stored in the
/// `timing` column (JSON).
pub fn timing_json(edit: &Edit) -> Option<String> {
    let dates =
        |d: &model::time::Dates| (d.from.map(|f| f.to_string()), d.to.map(|t| t.to_string()));
    let value = match edit {
        Edit::PlayStreet(p) => {
            let (from, to) = dates(&p.dates);
            serde_json::json!({"hours": p.hours, "from": from, "to": to,
                "width_m": p.width_m, "ways": p.ways})
        }
        Edit::OpenAfterHours {
            hours, dates: d, ..
        } => {
            let (from, to) = dates(d);
            serde_json::json!({"hours": hours, "from": from, "to": to})
        }
        _ => return None,
    };
    Some(value.to_string())
}

/// The audit target of a scenario: `scenario:ID`.
pub fn target(info: &ScenarioInfo) -> String {
    format!("scenario:{}", info.id)
}

/// The scenario, if it is a draft (the only status that takes edits).
fn draft(conn: &Connection, key: &str) -> Result<ScenarioInfo> {
    let info = existing(conn, key)?;
    check_draft(&info)?;
    Ok(info)
}

/// Refuses edits to a scenario that is not a draft (the only status that takes edits).
pub fn check_draft(info: &ScenarioInfo) -> Result<()> {
    if info.status != Status::Draft {
        return Err(ScenarioStoreError::NotDraft {
            scenario: info.name.clone(),
            status: info.status.as_str(),
        });
    }
    Ok(())
}

/// Refuses a status move `role` may not make ([`Status::may_move`]).
pub fn check_move(info: &ScenarioInfo, to: Status, role: crate::accounts::Role) -> Result<()> {
    if !info.status.may_move(to, role) {
        return Err(ScenarioStoreError::StatusNotAllowed {
            scenario: info.name.clone(),
            from: info.status.as_str(),
            to: to.as_str(),
            role: match role {
                crate::accounts::Role::Viewer => "a viewer",
                crate::accounts::Role::Editor => "an editor",
                crate::accounts::Role::Admin => "an admin",
            },
        });
    }
    Ok(())
}

/// Refuses a comment on an edit the scenario does not have.
pub fn check_position(info: &ScenarioInfo, position: Option<usize>) -> Result<()> {
    if let Some(p) = position
        && p >= info.edit_count
    {
        return Err(ScenarioStoreError::UnknownEdit {
            scenario: info.name.clone(),
            position: p,
            count: info.edit_count,
        });
    }
    Ok(())
}

/// The trimmed department, if it can be used (at most 200 characters, no control characters).
pub fn check_department(department: &str) -> Result<String> {
    let department = department.trim().to_string();
    if department.chars().count() > MAX_NAME || department.chars().any(char::is_control) {
        return Err(ScenarioStoreError::BadName {
            name: department,
            why: "a department has at most 200 characters and no control characters",
        });
    }
    Ok(department)
}

/// The trimmed comment, if it holds text of at most [`MAX_COMMENT_CHARS`] characters.
pub fn check_comment(text: &str) -> Result<String> {
    let text = text.trim().to_string();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_COMMENT_CHARS {
        return Err(ScenarioStoreError::BadComment(chars));
    }
    Ok(text)
}

/// An edit in a few words for the audit log: its operation and the facility it changes (or the
/// kind and name of a planned one).
pub fn edit_summary(edit: &Edit) -> serde_json::Value {
    match edit {
        Edit::Add(p) => serde_json::json!({"op": "add", "kind": p.kind.as_str(), "name": p.name}),
        Edit::Remove { osm_id } => {
            serde_json::json!({"op": "remove", "osm_id": osm_id.to_string()})
        }
        Edit::SetAccess { osm_id, access } => serde_json::json!({"op": "set_access",
            "osm_id": osm_id.to_string(), "access": access.as_str()}),
        Edit::Enlarge { osm_id, area_m2 } => serde_json::json!({"op": "enlarge",
            "osm_id": osm_id.to_string(), "area_m2": area_m2}),
        Edit::PlayStreet(p) => serde_json::json!({"op": "play_street", "name": p.name,
            "ways": p.ways, "hours": p.hours}),
        Edit::OpenAfterHours { osm_id, hours, .. } => serde_json::json!({
            "op": "open_after_hours", "osm_id": osm_id.to_string(), "hours": hours}),
    }
}

fn comments_of(conn: &Connection, scenario: i64) -> rusqlite::Result<Vec<Comment>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, position, author, at, text FROM {COMMENTS_TABLE}
         WHERE scenario_id = ?1 ORDER BY id"
    ))?;
    stmt.query_map([scenario], |r| {
        Ok(Comment {
            id: r.get(0)?,
            position: r.get::<_, Option<i64>>(1)?.map(|p| p.max(0) as usize),
            author: r.get(2)?,
            at: r.get(3)?,
            text: r.get(4)?,
        })
    })?
    .collect()
}

/// The scenario with this id (if `key` is a number) or name.
fn find(conn: &Connection, key: &str) -> Result<Option<ScenarioInfo>> {
    let key = key.trim();
    let select = |by: &str| format!("SELECT {INFO_COLUMNS} FROM {SCENARIOS_TABLE} WHERE {by} = ?1");
    let found = match key.parse::<i64>() {
        Ok(id) => conn.query_row(&select("id"), [id], info_row),
        Err(_) => conn.query_row(&select("name"), [key], info_row),
    };
    Ok(found.optional()?)
}

fn existing(conn: &Connection, key: &str) -> Result<ScenarioInfo> {
    find(conn, key)?.ok_or_else(|| ScenarioStoreError::UnknownScenario(key.to_string()))
}

/// Bumps `updated` (never before `created` or the previous `updated`) and the edit count.
fn touch(tx: &Transaction, id: i64, edits: i64) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "UPDATE {SCENARIOS_TABLE} SET updated = max(?2, created, updated),
             edit_count = edit_count + ?3 WHERE id = ?1"
        ),
        params![id, now(), edits],
    )?;
    Ok(())
}

/// The current time, RFC 3339 UTC with milliseconds (sorts as text).
pub fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The trimmed scenario name, if it can be used.
pub fn check_name(name: &str) -> Result<String> {
    let trimmed = name.trim();
    let bad = |why| ScenarioStoreError::BadName {
        name: name.to_string(),
        why,
    };
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if trimmed.parse::<i64>().is_ok() {
        return Err(bad(
            "a name must not be a number (numbers are scenario ids)",
        ));
    }
    if trimmed.chars().count() > MAX_NAME {
        return Err(bad("it is longer than 200 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(bad("it holds control characters"));
    }
    Ok(trimmed.to_string())
}

/// One stored edit, column by column (the `spielraum_scenario_edits` table): what another
/// store (PostgreSQL) writes and reads the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct EditRow {
    /// Its place in the scenario, from 0.
    pub position: i64,
    /// `add`, `remove`, `set_access`, `enlarge`, `play_street` or `open_after_hours`.
    pub edit: String,
    /// The facility changed.
    pub osm_id: Option<String>,
    /// The kind of a planned facility.
    pub kind: Option<String>,
    /// The name of a planned facility or a play street.
    pub name: Option<String>,
    /// Who may use it.
    pub access: Option<String>,
    /// The area of a planned or enlarged facility.
    pub area_m2: Option<f64>,
    /// The geometry of a planned facility or a play street (GeoPackage binary).
    pub geometry: Option<Vec<u8>>,
    /// Hours, dates, width and ways of a temporary measure (JSON, [`timing_json`]).
    pub timing: Option<String>,
}

impl EditRow {
    /// `edit` at `position`, as stored.
    pub fn of(position: usize, edit: &Edit) -> EditRow {
        let (kind, osm_id, facility_kind, name, access, area_m2, geometry) = edit_columns(edit);
        EditRow {
            position: position as i64,
            edit: kind.to_string(),
            osm_id: osm_id.map(|o| o.to_string()),
            kind: facility_kind.map(str::to_string),
            name: name.map(str::to_string),
            access: access.map(str::to_string),
            area_m2,
            geometry,
            timing: timing_json(edit),
        }
    }

    /// The `timing` column read back: hours, dates, width, ways.
    fn timing(&self) -> Result<Timing, String> {
        let text = self.timing.as_deref().ok_or("timing is empty")?;
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("timing: {e}"))?;
        let date = |k: &str| -> Result<Option<model::time::NaiveDate>, String> {
            match v.get(k).and_then(|d| d.as_str()) {
                None => Ok(None),
                Some(d) => model::time::parse_date(d)
                    .map(Some)
                    .map_err(|e| format!("timing: {e}")),
            }
        };
        Ok(Timing {
            hours: v
                .get("hours")
                .and_then(|h| h.as_str())
                .ok_or("timing has no hours")?
                .to_string(),
            dates: model::time::Dates {
                from: date("from")?,
                to: date("to")?,
            },
            width_m: v.get("width_m").and_then(|w| w.as_f64()),
            ways: v
                .get("ways")
                .and_then(|w| w.as_array())
                .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
                .unwrap_or_default(),
        })
    }

    /// The edit stored, or what is wrong with the row.
    pub fn to_edit(&self) -> Result<Edit, String> {
        let osm_id = || -> Result<OsmId, String> {
            self.osm_id
                .as_deref()
                .ok_or("osm_id is empty")?
                .parse()
                .map_err(|e| format!("osm_id: {e}"))
        };
        let access = || -> Result<Access, String> {
            self.access
                .as_deref()
                .ok_or("access is empty")?
                .parse()
                .map_err(|e| format!("access: {e}"))
        };
        let area = || self.area_m2.ok_or_else(|| "area_m2 is empty".to_string());
        Ok(match self.edit.as_str() {
            "add" => Edit::Add(PlannedFacility {
                kind: self
                    .kind
                    .as_deref()
                    .ok_or("kind is empty")?
                    .parse()
                    .map_err(|e| format!("kind: {e}"))?,
                name: self.name.clone(),
                geometry: decode_gpkg(self.geometry.as_deref().ok_or("geometry is empty")?)
                    .map_err(|e| format!("geometry: {e}"))?,
                area_m2: self.area_m2,
                access: access()?,
            }),
            "remove" => Edit::Remove { osm_id: osm_id()? },
            "set_access" => Edit::SetAccess {
                osm_id: osm_id()?,
                access: access()?,
            },
            "enlarge" => Edit::Enlarge {
                osm_id: osm_id()?,
                area_m2: area()?,
            },
            "play_street" => {
                let t = self.timing()?;
                Edit::PlayStreet(model::scenario::PlayStreet {
                    name: self.name.clone(),
                    ways: t.ways,
                    geometry: decode_gpkg(self.geometry.as_deref().ok_or("geometry is empty")?)
                        .map_err(|e| format!("geometry: {e}"))?,
                    width_m: t.width_m.ok_or("timing has no width_m")?,
                    hours: t.hours,
                    dates: t.dates,
                })
            }
            "open_after_hours" => {
                let t = self.timing()?;
                Edit::OpenAfterHours {
                    osm_id: osm_id()?,
                    hours: t.hours,
                    dates: t.dates,
                }
            }
            other => return Err(format!("unknown edit '{other}'")),
        })
    }
}

/// What the `timing` column holds.
struct Timing {
    hours: String,
    dates: model::time::Dates,
    width_m: Option<f64>,
    ways: Vec<i64>,
}

/// The device and inode of the file at `path` (`None` where unknown).
pub(crate) fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Every scenario of the file open on `conn`, by id.
pub(crate) fn list_conn(conn: &Connection) -> rusqlite::Result<Vec<ScenarioInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INFO_COLUMNS} FROM {SCENARIOS_TABLE} ORDER BY id"
    ))?;
    stmt.query_map([], info_row)?.collect()
}

/// The edits of `info` in the file open on `conn` (errors name `path`).
pub(crate) fn edits_conn(path: &Path, conn: &Connection, info: &ScenarioInfo) -> Result<Vec<Edit>> {
    read_edits(path, conn, info)
}

/// The edits of `info`, checking that positions run 0, 1, … without gaps.
fn read_edits(path: &Path, conn: &Connection, info: &ScenarioInfo) -> Result<Vec<Edit>> {
    // Files opened read-only may predate the `timing` column.
    let timing: bool = conn
        .query_row(
            &format!(
                "SELECT COUNT(*) > 0 FROM pragma_table_info('{EDITS_TABLE}') WHERE name = 'timing'"
            ),
            [],
            |r| r.get(0),
        )
        .map_err(|e| sql(path, e))?;
    let timing = if timing { "timing" } else { "NULL" };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT position, edit, osm_id, kind, name, access, area_m2, geometry, {timing}
             FROM {EDITS_TABLE} WHERE scenario_id = ?1 ORDER BY position"
        ))
        .map_err(|e| sql(path, e))?;
    let rows = stmt
        .query_map([info.id], |r| {
            Ok(EditRow {
                position: r.get(0)?,
                edit: r.get(1)?,
                osm_id: r.get(2)?,
                kind: r.get(3)?,
                name: r.get(4)?,
                access: r.get(5)?,
                area_m2: r.get(6)?,
                geometry: r.get(7)?,
                timing: r.get(8)?,
            })
        })
        .map_err(|e| sql(path, e))?;
    let mut edits = Vec::new();
    for (expected, row) in rows.enumerate() {
        let row = row.map_err(|e| sql(path, e))?;
        let corrupt = |why: String| ScenarioStoreError::Corrupt {
            path: path.to_path_buf(),
            scenario: info.name.clone(),
            position: row.position,
            why,
        };
        if row.position != expected as i64 {
            return Err(corrupt(format!("expected position {expected}")));
        }
        edits.push(row.to_edit().map_err(corrupt)?);
    }
    Ok(edits)
}

/// The columns of `edit`: its name, facility, kind, name, access, area and geometry.
#[allow(clippy::type_complexity)]
fn edit_columns(
    edit: &Edit,
) -> (
    &'static str,
    Option<OsmId>,
    Option<&'static str>,
    Option<&str>,
    Option<&'static str>,
    Option<f64>,
    Option<Vec<u8>>,
) {
    match edit {
        Edit::Add(p) => (
            "add",
            None,
            Some(p.kind.as_str()),
            p.name.as_deref(),
            Some(p.access.as_str()),
            p.area_m2,
            Some(encode_gpkg(&p.geometry)),
        ),
        Edit::Remove { osm_id } => ("remove", Some(*osm_id), None, None, None, None, None),
        Edit::SetAccess { osm_id, access } => (
            "set_access",
            Some(*osm_id),
            None,
            None,
            Some(access.as_str()),
            None,
            None,
        ),
        Edit::Enlarge { osm_id, area_m2 } => (
            "enlarge",
            Some(*osm_id),
            None,
            None,
            None,
            Some(*area_m2),
            None,
        ),
        Edit::PlayStreet(p) => (
            "play_street",
            None,
            None,
            p.name.as_deref(),
            None,
            None,
            Some(encode_gpkg(&p.geometry)),
        ),
        Edit::OpenAfterHours { osm_id, .. } => (
            "open_after_hours",
            Some(*osm_id),
            None,
            None,
            None,
            None,
            None,
        ),
    }
}

/// Stores `edit` at `position`.
fn insert_edit(tx: &Transaction, scenario: i64, position: usize, edit: &Edit) -> Result<()> {
    let (kind, osm_id, facility_kind, name, access, area, geometry) = edit_columns(edit);
    tx.execute(
        &format!(
            "INSERT INTO {EDITS_TABLE}
             (scenario_id, position, edit, osm_id, kind, name, access, area_m2, geometry, timing)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ),
        params![
            scenario,
            position as i64,
            kind,
            osm_id.map(|o| o.to_string()),
            facility_kind,
            name,
            access,
            area,
            geometry,
            timing_json(edit)
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Geometry, MultiPolygon, Point, polygon};
    use model::FacilityKind;

    fn city_file(dir: &Path) -> PathBuf {
        let path = dir.join("city.gpkg");
        crate::write_city(&path, &model::City::default()).unwrap();
        path
    }

    fn square(x: f64, y: f64) -> geo_types::Polygon<f64> {
        polygon![(x: x, y: y), (x: x + 0.001, y: y), (x: x + 0.001, y: y + 0.001), (x: x, y: y + 0.001)]
    }

    /// One edit of every kind, with every optional field both set and unset.
    fn every_edit() -> Vec<Edit> {
        vec![
            Edit::Add(PlannedFacility {
                kind: FacilityKind::Playground,
                name: Some("Spielplatz Äule".into()),
                geometry: Point::new(9.52, 47.14).into(),
                area_m2: Some(350.5),
                access: Access::Public,
            }),
            Edit::Add(PlannedFacility {
                kind: FacilityKind::OpenSpace,
                name: None,
                geometry: MultiPolygon(vec![square(9.5, 47.1), square(9.6, 47.2)]).into(),
                area_m2: None,
                access: Access::Restricted,
            }),
            Edit::Add(PlannedFacility {
                kind: FacilityKind::School,
                name: None,
                geometry: Geometry::Polygon(square(9.51, 47.11)),
                area_m2: Some(0.0),
                access: Access::Private,
            }),
            Edit::Remove {
                osm_id: OsmId::Way(42),
            },
            Edit::SetAccess {
                osm_id: OsmId::Relation(7),
                access: Access::Public,
            },
            Edit::Enlarge {
                osm_id: OsmId::Node(3),
                area_m2: 1234.25,
            },
            Edit::PlayStreet(model::scenario::PlayStreet {
                name: Some("Sommerstraße".into()),
                ways: vec![4711, 4712],
                geometry: geo_types::MultiLineString(vec![
                    geo_types::LineString::from(vec![(9.5, 47.1), (9.501, 47.1)]),
                    geo_types::LineString::from(vec![(9.501, 47.1), (9.502, 47.1)]),
                ])
                .into(),
                width_m: 7.5,
                hours: "Sa 14:00-18:00".into(),
                dates: model::time::Dates {
                    from: model::time::NaiveDate::from_ymd_opt(2027, 7, 1),
                    to: model::time::NaiveDate::from_ymd_opt(2027, 8, 31),
                },
            }),
            Edit::OpenAfterHours {
                osm_id: OsmId::Way(42),
                hours: "Mo-Fr 15:00-19:00".into(),
                dates: model::time::Dates::default(),
            },
        ]
    }

    #[test]
    fn files_from_before_play_streets_take_them_and_keep_their_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        {
            // The tables as files made before play streets have them.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE {SCENARIOS_TABLE} (
                   id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
                   description TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
                   updated TEXT NOT NULL, edit_count INTEGER NOT NULL DEFAULT 0,
                   author TEXT NOT NULL DEFAULT '', department TEXT NOT NULL DEFAULT '',
                   status TEXT NOT NULL DEFAULT 'draft');
                 CREATE TABLE {EDITS_TABLE} (
                   scenario_id INTEGER NOT NULL REFERENCES {SCENARIOS_TABLE}(id),
                   position INTEGER NOT NULL,
                   edit TEXT NOT NULL CHECK (edit IN ('add', 'remove', 'set_access', 'enlarge')),
                   osm_id TEXT, kind TEXT, name TEXT, access TEXT, area_m2 REAL, geometry BLOB,
                   author TEXT NOT NULL DEFAULT '', created TEXT NOT NULL DEFAULT '',
                   PRIMARY KEY (scenario_id, position));
                 INSERT INTO {SCENARIOS_TABLE} (name, created, updated, edit_count)
                   VALUES ('alt', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 1);
                 INSERT INTO {EDITS_TABLE} (scenario_id, position, edit, osm_id)
                   VALUES (1, 0, 'remove', 'w42');"
            ))
            .unwrap();
            // The old CHECK refuses the new edits.
            let refused = conn.execute(
                &format!("INSERT INTO {EDITS_TABLE} (scenario_id, position, edit) VALUES (1, 1, 'play_street')"),
                [],
            );
            assert!(refused.is_err());
        }
        // A reader of a file it cannot write sees the old edit without the new column.
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms.clone()).unwrap();
        let reader = ScenarioStore::open(&path).unwrap();
        assert!(!reader.is_writable());
        assert_eq!(reader.get("alt").unwrap().edits, every_edit()[3..4]);
        drop(reader);
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).unwrap();
        let mut store = ScenarioStore::open(&path).unwrap();
        for e in &every_edit()[6..] {
            store.add_edit("alt", e).unwrap();
        }
        let mut want = every_edit()[3..4].to_vec();
        want.extend_from_slice(&every_edit()[6..]);
        assert_eq!(store.get("alt").unwrap().edits, want);
    }

    #[test]
    fn on_a_nearly_full_disk_changes_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("Vorher", "").unwrap();
        let (free, total) = crate::tile_table::volume_space(&path).expect("statvfs works here");
        assert!(free > 0 && total >= free);
        // Asking for more free space than the volume has makes it "nearly full".
        store.set_space_limits(crate::TileLimits {
            min_free_bytes: u64::MAX,
            min_free_percent: 100.0,
            ..crate::TileLimits::default()
        });
        let err = store.create("Nachher", "").unwrap_err();
        assert!(
            matches!(err, ScenarioStoreError::DiskNearlyFull { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("nearly full"), "{err}");
        let names: Vec<String> = store.list().unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, vec!["Vorher".to_string()]);
        // Back to the defaults (this volume has room): changes go through again.
        store.set_space_limits(crate::TileLimits::default());
        store.create("Nachher", "").unwrap();
    }

    #[test]
    fn every_edit_kind_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        let info = store
            .create("  Schulhof offen ", "after school hours")
            .unwrap();
        assert_eq!(info.name, "Schulhof offen");
        assert_eq!((info.edit_count, info.created == info.updated), (0, true));
        for (i, e) in every_edit().iter().enumerate() {
            let after = store.add_edit("Schulhof offen", e).unwrap();
            assert_eq!(after.edit_count, i + 1);
            assert!(after.updated >= after.created);
        }
        drop(store);
        // A new connection (another process would see the same).
        let store = ScenarioStore::open(&path).unwrap();
        let by_id = store.get(&info.id.to_string()).unwrap();
        assert_eq!(by_id.edits, every_edit());
        assert_eq!(by_id, store.get("Schulhof offen").unwrap());
        assert_eq!(store.list().unwrap(), vec![by_id.info.clone()]);
        assert_eq!(by_id.info.description, "after school hours");
    }

    #[test]
    fn removing_an_edit_closes_the_gap() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("a", "").unwrap();
        let edits = every_edit()[..6].to_vec();
        for e in &edits {
            store.add_edit("a", e).unwrap();
        }
        let info = store.remove_edit("a", 1).unwrap();
        assert_eq!(info.edit_count, 5);
        let mut expected = edits.clone();
        expected.remove(1);
        assert_eq!(store.get("a").unwrap().edits, expected);
        store.remove_edit("a", 4).unwrap();
        store.remove_edit("a", 0).unwrap();
        assert_eq!(store.get("a").unwrap().edits, expected[1..4].to_vec());
        let err = store.remove_edit("a", 3).unwrap_err().to_string();
        assert_eq!(err, "scenario 'a' has no edit 3 (it has 3, counted from 0)");
    }

    #[test]
    fn names_ids_and_bad_input_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        let a = store.create("a", "").unwrap();
        let b = store.create("b", "").unwrap();
        assert_ne!(a.id, b.id);
        let err = |r: Result<ScenarioInfo>| r.unwrap_err().to_string();
        assert_eq!(
            err(store.create("a", "")),
            "a scenario named 'a' exists already"
        );
        assert!(err(store.create(" ", "")).contains("it is empty"));
        assert!(err(store.create("12", "")).contains("must not be a number"));
        assert_eq!(
            err(store.add_edit("c", &every_edit()[3])),
            "no scenario 'c' (see 'spielraum scenario list')"
        );
        assert!(err(store.update("b", Some("a"), None)).contains("exists already"));
        let negative = Edit::Enlarge {
            osm_id: OsmId::Way(1),
            area_m2: -5.0,
        };
        assert_eq!(
            err(store.add_edit("a", &negative)),
            "scenario 'a': invalid area -5 m² (expected a number ≥ 0)"
        );
        // Nothing was changed by the refused edits.
        assert_eq!(store.get("a").unwrap().info, a);
        let renamed = store
            .update(&b.id.to_string(), Some("b2"), Some("new"))
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.description.as_str()),
            ("b2", "new")
        );
        assert_eq!(renamed.created, b.created);
        assert_eq!(store.delete("b2").unwrap().id, b.id);
        assert_eq!(store.list().unwrap(), vec![a.clone()]);
        assert!(err(store.delete("b2")).contains("no scenario 'b2'"));
        // Ids are not reused after a delete.
        assert!(store.create("b", "").unwrap().id > b.id);
    }

    #[test]
    fn checked_edits_must_name_facilities_of_the_city() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("a", "").unwrap();
        let base = vec![Facility {
            osm_id: OsmId::Way(42),
            kind: FacilityKind::Playground,
            name: None,
            access: None,
            geometry: Point::new(9.5, 47.1).into(),
            area_m2: Some(100.0),
            opening_hours: None,
        }];
        let remove = Edit::Remove {
            osm_id: OsmId::Way(42),
        };
        store.add_edit_checked("a", &remove, &base).unwrap();
        // Removed once: a second removal names a facility no longer there.
        let err = store
            .add_edit_checked("a", &remove, &base)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "scenario 'a': no facility w42 in this city or scenario"
        );
        // A planned facility gets n-2 (its position 1, counted from 1 = 2) and can be enlarged.
        store
            .add_edit_checked("a", &every_edit()[0], &base)
            .unwrap();
        let enlarge = Edit::Enlarge {
            osm_id: OsmId::Node(-2),
            area_m2: 500.0,
        };
        store.add_edit_checked("a", &enlarge, &base).unwrap();
        assert_eq!(store.get("a").unwrap().info.edit_count, 3);
    }

    /// The audit log's rows as (actor, action, target).
    fn audit_rows(path: &Path) -> Vec<(String, String, String)> {
        crate::AccountStore::open(path)
            .unwrap()
            .audit_log()
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.target))
            .collect()
    }

    #[test]
    fn every_change_is_audited_once_and_refused_ones_not_at_all() {
        use crate::accounts::Role;
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.set_actor("anna.berg");
        let edits = every_edit();
        // Every public method that writes, each once; the count of audit rows follows.
        let info = store.create("Schulhöfe öffnen", "").unwrap();
        assert_eq!(info.author, "anna.berg");
        assert_eq!(info.status, Status::Draft);
        store.add_edit(&info.name, &edits[0]).unwrap();
        store.add_edit_checked(&info.name, &edits[0], &[]).unwrap();
        store.remove_edit(&info.name, 1).unwrap();
        store
            .update(&info.name, None, Some("Sommerprogramm"))
            .unwrap();
        store
            .set_department(&info.name, "Schulverwaltungsamt")
            .unwrap();
        store
            .add_comment(&info.name, Some(0), "Zu nah an der Straße?")
            .unwrap();
        store.set_actor("ben");
        store
            .set_status(&info.name, Status::Proposed, Role::Editor)
            .unwrap();
        store
            .set_status(&info.name, Status::Agreed, Role::Admin)
            .unwrap();
        let gone = store.create("weg", "").unwrap();
        store.delete(&gone.name).unwrap();
        let expected = [
            ("anna.berg", "scenario.create"),
            ("anna.berg", "scenario.add_edit"),
            ("anna.berg", "scenario.add_edit"),
            ("anna.berg", "scenario.remove_edit"),
            ("anna.berg", "scenario.update"),
            ("anna.berg", "scenario.set_department"),
            ("anna.berg", "scenario.comment"),
            ("ben", "scenario.set_status"),
            ("ben", "scenario.set_status"),
            ("ben", "scenario.create"),
            ("ben", "scenario.delete"),
        ];
        let rows = audit_rows(&path);
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|(a, b, _)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(got, expected);
        assert!(
            rows[..9]
                .iter()
                .all(|r| r.2 == format!("scenario:{}", info.id))
        );
        // Refused changes leave no row: a viewer's move, an editor agreeing, an edit to an agreed
        // plan, an empty or a 1 MB comment, an unknown scenario.
        let before = rows.len();
        let errors = [
            store
                .set_status(&info.name, Status::Draft, Role::Viewer)
                .unwrap_err()
                .to_string(),
            store
                .set_status(&info.name, Status::Draft, Role::Editor)
                .unwrap_err()
                .to_string(),
            store
                .add_edit(&info.name, &edits[1])
                .unwrap_err()
                .to_string(),
            store
                .add_comment(&info.name, None, " ")
                .unwrap_err()
                .to_string(),
            store
                .add_comment(&info.name, None, &"x".repeat(1 << 20))
                .unwrap_err()
                .to_string(),
            store
                .add_comment("nichts", None, "hallo")
                .unwrap_err()
                .to_string(),
        ];
        assert_eq!(
            errors,
            [
                "a viewer cannot move scenario 'Schulhöfe öffnen' from agreed to draft",
                "an editor cannot move scenario 'Schulhöfe öffnen' from agreed to draft",
                "scenario 'Schulhöfe öffnen' is agreed; move it back to draft to change its edits",
                "a comment must hold text, at most 10000 characters (this one has 0)",
                "a comment must hold text, at most 10000 characters (this one has 1048576)",
                "no scenario 'nichts' (see 'spielraum scenario list')",
            ]
        );
        assert_eq!(audit_rows(&path).len(), before);
        // Authors and comments read back.
        let authors = store.edit_authors(&info.name).unwrap();
        assert_eq!(authors.len(), 1);
        assert_eq!(authors[0].author, "anna.berg");
        let comments = store.comments(&info.name).unwrap();
        assert_eq!(comments.len(), 1);
        assert_eq!(
            (
                comments[0].position,
                comments[0].author.as_str(),
                comments[0].text.as_str()
            ),
            (Some(0), "anna.berg", "Zu nah an der Straße?")
        );
        // An administrator reopens the plan; then it takes edits again.
        store
            .set_status(&info.name, Status::Draft, Role::Admin)
            .unwrap();
        store.add_edit(&info.name, &edits[1]).unwrap();
    }

    #[test]
    fn status_moves_follow_the_roles() {
        use crate::accounts::Role::{Admin, Editor, Viewer};
        use Status::{Agreed, Draft, Proposed, Rejected};
        // Written out by hand: (from, to, least role that may), every other move refused.
        let allowed = [
            (Draft, Proposed, Editor),
            (Proposed, Draft, Editor),
            (Proposed, Agreed, Admin),
            (Proposed, Rejected, Admin),
            (Agreed, Draft, Admin),
            (Rejected, Draft, Admin),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                for role in [Viewer, Editor, Admin] {
                    let expected = allowed
                        .iter()
                        .any(|&(f, t, least)| f == from && t == to && role >= least);
                    assert_eq!(
                        from.may_move(to, role),
                        expected,
                        "{from:?} → {to:?} as {role:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_file_stays_a_geopackage_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("a", "").unwrap();
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let registered: Vec<(String, String)> = conn
            .prepare(
                "SELECT table_name, data_type FROM gpkg_contents WHERE table_name LIKE 'spielraum_scen%' ORDER BY 1",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            registered,
            vec![
                (COMMENTS_TABLE.to_string(), "attributes".to_string()),
                (EDITS_TABLE.to_string(), "attributes".to_string()),
                (SCENARIOS_TABLE.to_string(), "attributes".to_string())
            ]
        );
        assert!(crate::read_city(&path).is_ok());
    }

    #[test]
    fn concurrent_writers_on_separate_connections_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        ScenarioStore::open(&path).unwrap().create("a", "").unwrap();
        std::thread::scope(|s| {
            for t in 0..4_i64 {
                let path = &path;
                s.spawn(move || {
                    let mut store = ScenarioStore::open(path).unwrap();
                    for i in 0..25 {
                        let edit = Edit::Remove {
                            osm_id: OsmId::Way(t * 100 + i),
                        };
                        store.add_edit("a", &edit).unwrap();
                    }
                });
            }
        });
        let s = ScenarioStore::open(&path).unwrap().get("a").unwrap();
        assert_eq!(s.info.edit_count, 100);
        // Each writer's edits are all there, in the order it wrote them.
        for t in 0..4_i64 {
            let mine: Vec<i64> = s
                .edits
                .iter()
                .filter_map(|e| match e.target() {
                    Some(OsmId::Way(id)) if id / 100 == t => Some(id % 100),
                    _ => None,
                })
                .collect();
            assert_eq!(mine, (0..25).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_new_import_does_not_take_up_a_stale_wal_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let wal = dir.path().join("city.gpkg-wal");
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("old", "").unwrap();
        // The journal as a killed writer leaves it: committed frames not yet checkpointed.
        let stale = std::fs::read(&wal).unwrap();
        assert!(!stale.is_empty());
        drop(store);
        std::fs::write(&wal, &stale).unwrap();
        crate::write_city(&path, &model::City::default()).unwrap();
        assert!(!wal.exists());
        let store = ScenarioStore::open(&path).unwrap();
        assert_eq!(store.list().unwrap(), vec![]);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_file_is_read_but_not_changed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = city_file(dir.path());
        let mut store = ScenarioStore::open(&path).unwrap();
        store.create("a", "").unwrap();
        drop(store);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let mut store = ScenarioStore::open(&path).unwrap();
        assert!(!store.is_writable());
        assert_eq!(store.list().unwrap().len(), 1);
        let err = store.create("b", "").unwrap_err().to_string();
        assert!(err.contains("read-only"), "{err}");
    }
}
