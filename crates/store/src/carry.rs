//! What a re-import keeps: the tables of user data (scenarios, accounts, API tokens and the audit
//! log: [`CARRIED_TABLES`]) copied from the GeoPackage being replaced into the new one.
//!
//! The copy happens inside the atomic write of the new file ([`crate::write_city_carrying`]):
//! the old file's write lock is held from before the copy until the new file has replaced it,
//! so no edit committed to the old file in between is lost (a server that still has the old
//! file open refuses edits once it notices the replacement, see
//! [`crate::ScenarioStoreError::Replaced`]).
//!
//! Rules: every table in [`CARRIED_TABLES`] that the old file has is copied whole with its
//! schema, its indexes and triggers, its `gpkg_contents` row and its AUTOINCREMENT counter (ids
//! are never reused). [`Carry::Replace`] drops the scenarios but keeps the accounts and the audit
//! log. Edits that refer to a facility (by OSM id) the new city lacks are kept and reported
//! in [`CarriedScenario::missing`]. A file that is not a Spielraum GeoPackage holds nothing to
//! carry. A Spielraum GeoPackage whose tables cannot be read or copied fails the write with
//! [`crate::StoreError::CannotCarry`], leaving the old file untouched.

use std::collections::HashSet;
use std::path::Path;

use model::OsmId;
use model::scenario::{Edit, planned_id};
use rusqlite::{Connection, OptionalExtension};

use crate::StoreError;
use crate::accounts::{AUDIT_TABLE, TOKENS_TABLE, USERS_TABLE};
use crate::scenario::{COMMENTS_TABLE, EDITS_TABLE, SCENARIOS_TABLE};

/// The tables a re-import copies from the file it replaces, parents before children.
pub const CARRIED_TABLES: &[&str] = &[
    SCENARIOS_TABLE,
    EDITS_TABLE,
    COMMENTS_TABLE,
    USERS_TABLE,
    TOKENS_TABLE,
    AUDIT_TABLE,
];

/// Whether a new GeoPackage keeps the user data of the file it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Carry {
    /// Copy the [`CARRIED_TABLES`] over (fail if they cannot be copied).
    #[default]
    Keep,
    /// Drop the scenarios: the new file starts without them (accounts and the audit log are
    /// kept).
    Replace,
}

/// A scenario carried into a new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedScenario {
    /// Its name.
    pub name: String,
    /// How many edits it has.
    pub edits: usize,
    /// The facilities its edits change that the new city does not have (each once, in the
    /// order of the edits).
    pub missing: Vec<OsmId>,
}

/// What a write carried over from the file it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Carried {
    /// The scenarios, by id.
    pub scenarios: Vec<CarriedScenario>,
    /// How many scenarios were dropped ([`Carry::Replace`]).
    pub dropped: usize,
}

impl Carried {
    /// The scenarios with edits on facilities the new city lacks.
    pub fn with_missing(&self) -> impl Iterator<Item = &CarriedScenario> {
        self.scenarios.iter().filter(|s| !s.missing.is_empty())
    }
}

/// The old file's tables to carry (those of [`CARRIED_TABLES`] it has; with [`Carry::Replace`]
/// only the account tables), or `None` when it is not a Spielraum GeoPackage.
pub(crate) fn tables_in(old: &Path, carry: Carry) -> Result<Option<Vec<&'static str>>, StoreError> {
    let conn = match crate::open(old, false) {
        Ok(c) => c,
        Err(StoreError::NotSpielraum { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for t in CARRIED_TABLES {
        if carry == Carry::Replace && !crate::accounts::ACCOUNT_TABLES.contains(t) {
            continue;
        }
        if has_table(&conn, "main", t).map_err(|e| StoreError::from(e).in_file(old))? {
            found.push(*t);
        }
    }
    Ok(Some(found))
}

/// How many scenarios the old file holds (0 when it has none or cannot be read).
pub(crate) fn scenario_count(old: &Path) -> usize {
    crate::open(old, false)
        .ok()
        .and_then(|c| {
            c.query_row(
                &format!("SELECT COUNT(*) FROM {SCENARIOS_TABLE}"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .ok()
        })
        .map_or(0, |n| n.max(0) as usize)
}

fn has_table(conn: &Connection, schema: &str, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!("SELECT COUNT(*) FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?1"),
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Copies `tables` from the file `old` into the new file open on `conn` (outside any
/// transaction), then checks the carried scenarios against `facilities`.
pub(crate) fn copy_into(
    conn: &mut Connection,
    old: &Path,
    tables: &[&str],
    facilities: &HashSet<OsmId>,
) -> Result<Carried, StoreError> {
    let cannot = |reason: String| StoreError::CannotCarry {
        path: old.to_path_buf(),
        reason,
    };
    conn.execute(
        "ATTACH DATABASE ?1 AS old",
        [old.to_string_lossy().as_ref()],
    )
    .map_err(|e| cannot(e.to_string()))?;
    let copied = copy_tables(conn, tables).map_err(|e| cannot(e.to_string()));
    let detached = conn.execute_batch("DETACH DATABASE old");
    copied?;
    detached.map_err(|e| cannot(e.to_string()))?;
    let scenarios = check(conn, old, facilities)?;
    Ok(Carried {
        scenarios,
        dropped: 0,
    })
}

fn copy_tables(conn: &mut Connection, tables: &[&str]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for t in tables {
        let create: String = tx.query_row(
            "SELECT sql FROM old.sqlite_master WHERE type = 'table' AND name = ?1",
            [t],
            |r| r.get(0),
        )?;
        tx.execute_batch(&create)?;
        let schema = |kind: &str| -> rusqlite::Result<Vec<String>> {
            tx.prepare(
                "SELECT sql FROM old.sqlite_master
                 WHERE type = ?1 AND tbl_name = ?2 AND sql IS NOT NULL",
            )?
            .query_map([kind, t], |r| r.get(0))?
            .collect()
        };
        for sql in schema("index")? {
            tx.execute_batch(&sql)?;
        }
        tx.execute(&format!("INSERT INTO main.{t} SELECT * FROM old.{t}"), [])?;
        // Triggers after the rows (the audit log's refuse changes, not inserts, but a trigger
        // must never fire on the copy).
        for sql in schema("trigger")? {
            tx.execute_batch(&sql)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO main.gpkg_contents SELECT * FROM old.gpkg_contents
             WHERE table_name = ?1",
            [t],
        )?;
        if has_table(&tx, "old", "sqlite_sequence")? {
            let seq: Option<i64> = tx
                .query_row(
                    "SELECT seq FROM old.sqlite_sequence WHERE name = ?1",
                    [t],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(seq) = seq {
                tx.execute("DELETE FROM main.sqlite_sequence WHERE name = ?1", [t])?;
                tx.execute(
                    "INSERT INTO main.sqlite_sequence (name, seq) VALUES (?1, ?2)",
                    rusqlite::params![t, seq],
                )?;
            }
        }
    }
    tx.commit()
}

/// The carried scenarios with the facilities their edits change that are not in `facilities`.
fn check(
    conn: &Connection,
    old: &Path,
    facilities: &HashSet<OsmId>,
) -> Result<Vec<CarriedScenario>, StoreError> {
    if !has_table(conn, "main", SCENARIOS_TABLE).map_err(StoreError::from)? {
        return Ok(Vec::new());
    }
    let infos = crate::scenario::list_conn(conn).map_err(|e| StoreError::CannotCarry {
        path: old.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for info in infos {
        let edits =
            crate::scenario::edits_conn(old, conn, &info).map_err(|e| StoreError::CannotCarry {
                path: old.to_path_buf(),
                reason: e.to_string(),
            })?;
        out.push(CarriedScenario {
            name: info.name,
            edits: edits.len(),
            missing: missing(&edits, facilities),
        });
    }
    Ok(out)
}

/// The facilities `edits` change that are neither in `facilities` nor planned by an earlier edit.
fn missing(edits: &[Edit], facilities: &HashSet<OsmId>) -> Vec<OsmId> {
    let mut planned = HashSet::new();
    let mut out = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        match e {
            Edit::Add(p) => {
                planned.insert(planned_id(p, i + 1));
            }
            other => {
                if let Some(id) = other.target()
                    && !facilities.contains(&id)
                    && !planned.contains(&id)
                    && !out.contains(&id)
                {
                    out.push(id);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScenarioStore;
    use geo_types::Point;
    use model::scenario::{Access, PlannedFacility};
    use model::{City, Facility, FacilityKind};

    fn city_with(ids: &[OsmId]) -> City {
        City {
            facilities: ids
                .iter()
                .map(|&osm_id| Facility {
                    osm_id,
                    kind: FacilityKind::Playground,
                    name: None,
                    access: None,
                    geometry: Point::new(9.52, 47.14).into(),
                    area_m2: None,
                    opening_hours: None,
                })
                .collect(),
            ..City::default()
        }
    }

    fn edits() -> Vec<Edit> {
        vec![
            Edit::Remove {
                osm_id: OsmId::Way(42),
            },
            Edit::Add(PlannedFacility {
                kind: FacilityKind::Playground,
                name: Some("neu".into()),
                geometry: Point::new(9.52, 47.14).into(),
                area_m2: None,
                access: Access::Public,
            }),
            // The facility planned by the edit above (second edit: n-2).
            Edit::Enlarge {
                osm_id: OsmId::Node(-2),
                area_m2: 500.0,
            },
            Edit::SetAccess {
                osm_id: OsmId::Relation(7),
                access: Access::Public,
            },
            Edit::Enlarge {
                osm_id: OsmId::Node(3),
                area_m2: 10.0,
            },
            Edit::SetAccess {
                osm_id: OsmId::Relation(7),
                access: Access::Private,
            },
        ]
    }

    #[test]
    fn a_rewrite_keeps_the_scenarios_and_names_the_missing_facilities() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg");
        let before = [OsmId::Way(42), OsmId::Relation(7), OsmId::Node(3)];
        crate::write_city(&path, &city_with(&before)).unwrap();
        let (kept, gone_id) = {
            let mut store = ScenarioStore::open(&path).unwrap();
            let gone = store.create("gone", "").unwrap();
            store.create("Schulhof", "offen").unwrap();
            for e in edits() {
                store.add_edit("Schulhof", &e).unwrap();
            }
            store.create("leer", "").unwrap();
            store.delete("gone").unwrap();
            (store.get("Schulhof").unwrap(), gone.id)
        };
        // The new import lacks the relation 7; way 42 and node 3 are still there.
        let after = city_with(&[OsmId::Way(42), OsmId::Node(3)]);
        let carried = crate::write_city_carrying(&path, &after, &[], Carry::Keep).unwrap();
        assert_eq!(
            carried.scenarios,
            vec![
                CarriedScenario {
                    name: "Schulhof".into(),
                    edits: 6,
                    missing: vec![OsmId::Relation(7)],
                },
                CarriedScenario {
                    name: "leer".into(),
                    edits: 0,
                    missing: vec![],
                },
            ]
        );
        assert_eq!(carried.with_missing().count(), 1);
        let mut store = ScenarioStore::open(&path).unwrap();
        assert_eq!(store.get("Schulhof").unwrap(), kept, "the same rows");
        assert_eq!(store.list().unwrap().len(), 2);
        assert_eq!(
            crate::read_facilities(&path).unwrap().len(),
            2,
            "the new city"
        );
        // Ids are not reused: the deleted scenario's id stays taken.
        let next = store.create("danach", "").unwrap();
        assert!(next.id > gone_id + 2, "{} after {}", next.id, gone_id);
    }

    #[test]
    fn replace_drops_the_scenarios_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg");
        crate::write_city(&path, &city_with(&[])).unwrap();
        {
            let mut store = ScenarioStore::open(&path).unwrap();
            store.create("a", "").unwrap();
            store.create("b", "").unwrap();
        }
        let carried =
            crate::write_city_carrying(&path, &city_with(&[]), &[], Carry::Replace).unwrap();
        assert_eq!(carried.dropped, 2);
        assert!(carried.scenarios.is_empty());
        assert!(
            ScenarioStore::open(&path)
                .unwrap()
                .list()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn nothing_to_carry_from_a_file_that_is_not_ours_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg");
        let carried =
            crate::write_city_carrying(&path, &City::default(), &[], Carry::Keep).unwrap();
        assert_eq!(carried, Carried::default());
        std::fs::write(&path, "not a GeoPackage").unwrap();
        let carried =
            crate::write_city_carrying(&path, &City::default(), &[], Carry::Keep).unwrap();
        assert_eq!(carried, Carried::default());
        assert!(crate::read_city(&path).is_ok());
    }

    #[test]
    fn unreadable_scenario_rows_refuse_the_write_and_leave_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg");
        crate::write_city(&path, &city_with(&[OsmId::Way(1)])).unwrap();
        {
            let mut store = ScenarioStore::open(&path).unwrap();
            store.create("a", "").unwrap();
            store
                .add_edit(
                    "a",
                    &Edit::Remove {
                        osm_id: OsmId::Way(1),
                    },
                )
                .unwrap();
        }
        // A gap in the positions: the scenario cannot be read back.
        let conn = Connection::open(&path).unwrap();
        conn.execute(&format!("UPDATE {EDITS_TABLE} SET position = 5"), [])
            .unwrap();
        drop(conn);
        let err =
            crate::write_city_carrying(&path, &City::default(), &[], Carry::Keep).unwrap_err();
        assert!(matches!(err, StoreError::CannotCarry { .. }), "{err}");
        assert_eq!(crate::read_facilities(&path).unwrap().len(), 1, "untouched");
    }

    #[test]
    fn a_store_open_on_the_replaced_file_refuses_changes_but_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.gpkg");
        crate::write_city(&path, &city_with(&[])).unwrap();
        let mut running = ScenarioStore::open(&path).unwrap();
        running.create("a", "").unwrap();
        assert!(!running.is_replaced());
        crate::write_city_carrying(&path, &city_with(&[]), &[], Carry::Keep).unwrap();
        let err = running.create("b", "").unwrap_err();
        assert!(
            matches!(err, crate::ScenarioStoreError::Replaced(_)),
            "{err}"
        );
        assert!(err.to_string().contains("the GeoPackage was replaced"));
        assert!(running.is_replaced());
        assert_eq!(running.list().unwrap().len(), 1, "reading goes on");
        // The new file has the scenario and takes changes from a store opened on it.
        let mut reopened = ScenarioStore::open(&path).unwrap();
        reopened.create("b", "").unwrap();
        assert_eq!(reopened.list().unwrap().len(), 2);
    }
}
