//! Schema migrations: the numbered steps that bring a schema from empty (or an older version)
//! to [`CURRENT_VERSION`], each in a transaction of its own that also records it in
//! `spielraum_schema_version`. Only `spielraum db migrate` runs them; every other command
//! refuses a schema that is not at this version ([`crate::Database::check_version`]).
//!
//! The city's layers are not part of the migrations: like a GeoPackage's, they are written
//! whole by the import (and the analysis' result layers by `analyze`), with the columns the
//! program of that import gives them.

use crate::{Database, PgError};

/// One step: its version, what it does (for the log), and its statements (`{schema}` stands
/// for the quoted schema name).
struct Step {
    version: i32,
    what: &'static str,
    sql: &'static str,
}

/// Every step, oldest first. A released step is never changed; a change is a new step.
const STEPS: &[Step] = &[
    Step {
        version: 1,
        what: "the schema, its version table and the city's metadata table",
        sql: "
        CREATE SCHEMA IF NOT EXISTS {schema};
        CREATE TABLE {schema}.spielraum_schema_version (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now(),
            program text NOT NULL
        );
        CREATE TABLE {schema}.spielraum_meta (
            position integer PRIMARY KEY,
            key text NOT NULL UNIQUE,
            value text NOT NULL
        );
    ",
    },
    Step {
        version: 2,
        what: "planning scenarios with edits and comments, accounts, the audit log, the tile cache, region job results",
        sql: "
        CREATE TABLE {schema}.spielraum_scenarios (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            description text NOT NULL DEFAULT '',
            created text NOT NULL,
            updated text NOT NULL,
            edit_count bigint NOT NULL DEFAULT 0,
            author text NOT NULL DEFAULT '',
            department text NOT NULL DEFAULT '',
            status text NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'proposed', 'agreed', 'rejected'))
        );
        CREATE TABLE {schema}.spielraum_scenario_edits (
            scenario_id bigint NOT NULL REFERENCES {schema}.spielraum_scenarios (id),
            position bigint NOT NULL,
            edit text NOT NULL CHECK (edit IN ('add', 'remove', 'set_access', 'enlarge',
                'play_street', 'open_after_hours')),
            osm_id text, kind text, name text, access text, area_m2 double precision,
            geometry geometry(Geometry, 4326),
            author text NOT NULL DEFAULT '',
            created text NOT NULL DEFAULT '',
            timing text,
            PRIMARY KEY (scenario_id, position)
        );
        CREATE INDEX ON {schema}.spielraum_scenario_edits USING GIST (geometry);
        CREATE TABLE {schema}.spielraum_scenario_comments (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            scenario_id bigint NOT NULL REFERENCES {schema}.spielraum_scenarios (id),
            position bigint,
            author text NOT NULL,
            at text NOT NULL,
            text text NOT NULL
        );
        CREATE TABLE {schema}.spielraum_audit (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at text NOT NULL,
            actor text NOT NULL,
            action text NOT NULL,
            target text NOT NULL,
            detail text NOT NULL
        );
        CREATE TABLE {schema}.spielraum_users (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            login text NOT NULL UNIQUE,
            display_name text NOT NULL,
            department text NOT NULL DEFAULT '',
            role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
            password_hash text NOT NULL,
            disabled boolean NOT NULL DEFAULT false,
            created text NOT NULL,
            updated text NOT NULL
        );
        CREATE TABLE {schema}.spielraum_api_tokens (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES {schema}.spielraum_users (id),
            name text NOT NULL,
            token_hash text NOT NULL UNIQUE,
            created text NOT NULL,
            revoked boolean NOT NULL DEFAULT false
        );
        CREATE TABLE {schema}.spielraum_sessions (
            id_hash text PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES {schema}.spielraum_users (id),
            csrf text NOT NULL,
            created text NOT NULL,
            expires text NOT NULL,
            revoked boolean NOT NULL DEFAULT false
        );
        CREATE TABLE {schema}.spielraum_tiles (
            version text NOT NULL,
            z integer NOT NULL,
            x bigint NOT NULL,
            y bigint NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (version, z, x, y)
        );
        CREATE TABLE {schema}.spielraum_region_results (
            plan_id text NOT NULL,
            job integer NOT NULL,
            result text NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (plan_id, job)
        );
        -- The audit log is append-only, as in the GeoPackage.
        CREATE FUNCTION {schema}.spielraum_audit_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
        CREATE TRIGGER spielraum_audit_append_only BEFORE UPDATE OR DELETE
            ON {schema}.spielraum_audit
            FOR EACH ROW EXECUTE FUNCTION {schema}.spielraum_audit_append_only();
    ",
    },
];

/// The schema version this program reads and writes.
pub const CURRENT_VERSION: i32 = 2;

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The version before (`None`: the schema held no Spielraum tables).
    pub from: Option<i32>,
    /// The version after.
    pub to: i32,
    /// The steps applied: version and what it does.
    pub applied: Vec<(i32, &'static str)>,
    /// Whether PostGIS was installed into the database first.
    pub created_postgis: bool,
}

/// The schema's version: `None` when it has no version table.
pub(crate) async fn version(db: &Database) -> Result<Option<i32>, PgError> {
    let client = db.client().await?;
    let table = format!("{}.spielraum_schema_version", db.schema());
    let exists = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .map_err(|e| db.failed(e))?;
    if !exists.get::<_, bool>(0) {
        return Ok(None);
    }
    let row = client
        .query_one(&format!("SELECT max(version) FROM {table}"), &[])
        .await
        .map_err(|e| db.failed(e))?;
    Ok(row.get::<_, Option<i32>>(0))
}

/// Brings the schema to version `to` (default [`CURRENT_VERSION`]), installing PostGIS into
/// the database first if it is not there. A schema newer than this program is refused and
/// left alone; so is a `to` below the schema's version (migrations only go forward).
pub async fn migrate(db: &Database, to: Option<i32>) -> Result<Migrated, PgError> {
    let target = to.unwrap_or(CURRENT_VERSION);
    let url = db.shown().to_string();
    if !(1..=CURRENT_VERSION).contains(&target) {
        return Err(PgError::Database {
            url,
            why: format!(
                "there is no schema version {target} (this spielraum knows 1 to {CURRENT_VERSION})"
            ),
        });
    }
    let mut client = db.client().await?;
    let mut created_postgis = false;
    if !db.has_postgis().await? {
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS postgis")
            .await
            .map_err(|e| PgError::Database {
                url: url.clone(),
                why: format!("cannot install PostGIS: {}", crate::say(&e)),
            })?;
        created_postgis = true;
    }
    let from = version(db).await?;
    if let Some(v) = from
        && v > CURRENT_VERSION
    {
        return Err(PgError::NewerSchema {
            url,
            schema: db.schema().to_string(),
            found: v,
            known: CURRENT_VERSION,
        });
    }
    if let Some(v) = from
        && v > target
    {
        return Err(PgError::Database {
            url,
            why: format!(
                "schema '{}' is at version {v}, above {target}: migrations only go forward",
                db.schema()
            ),
        });
    }
    let mut applied = Vec::new();
    for step in STEPS
        .iter()
        .filter(|s| s.version > from.unwrap_or(0) && s.version <= target)
    {
        let tx = client.transaction().await.map_err(|e| db.failed(e))?;
        // Two migrations at once: the second waits, then finds the step done.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&db.schema()],
        )
        .await
        .map_err(|e| db.failed(e))?;
        let done = {
            let table = format!("{}.spielraum_schema_version", db.schema());
            let exists: bool = tx
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
                .await
                .map_err(|e| db.failed(e))?
                .get(0);
            exists
                && tx
                    .query_opt(
                        &format!("SELECT 1 FROM {table} WHERE version = $1"),
                        &[&step.version],
                    )
                    .await
                    .map_err(|e| db.failed(e))?
                    .is_some()
        };
        if done {
            continue;
        }
        let sql = step
            .sql
            .replace("{schema}", &format!("\"{}\"", db.schema()));
        tx.batch_execute(&sql)
            .await
            .map_err(|e| PgError::Database {
                url: url.clone(),
                why: format!("migration {} failed: {}", step.version, crate::say(&e)),
            })?;
        tx.execute(
            &format!(
                "INSERT INTO \"{}\".spielraum_schema_version (version, program) VALUES ($1, $2)",
                db.schema()
            ),
            &[
                &step.version,
                &concat!("spielraum ", env!("CARGO_PKG_VERSION")),
            ],
        )
        .await
        .map_err(|e| db.failed(e))?;
        tx.commit().await.map_err(|e| db.failed(e))?;
        applied.push((step.version, step.what));
    }
    Ok(Migrated {
        from,
        to: target.max(from.unwrap_or(0)),
        applied,
        created_postgis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_one_to_current_without_gaps() {
        let versions: Vec<i32> = STEPS.iter().map(|s| s.version).collect();
        let expected: Vec<i32> = (1..=CURRENT_VERSION).collect();
        assert_eq!(versions, expected);
    }
}
