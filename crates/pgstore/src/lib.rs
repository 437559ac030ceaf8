//! Spielraum's PostgreSQL/PostGIS store: a city held in one schema of a PostgreSQL database,
//! in the same tables a city GeoPackage has (the layers with PostGIS geometry columns in
//! WGS 84, SRID 4326, each with a GiST index), so that QGIS and the city's other tools read it
//! as they read any PostGIS layer.
//!
//! [`Database::open`] connects (a pool of connections, [`conninfo`] for the connection string)
//! and checks that the schema is at this program's version; [`migrate`] brings a schema there,
//! only when asked (`spielraum db migrate`). [`Database::write_layers`] replaces layers in one
//! transaction, [`Database::read_layer`] and [`Database::read_city`] read them back exactly
//! (numbers bit for bit, geometries as written), [`Database::push_geopackage`] copies an
//! imported GeoPackage's city into the schema. [`PgScenarios`] and [`PgAccounts`] keep the
//! planning scenarios and the workspace's accounts there (with the audit log), and
//! [`Database::load_tile`] the servers' tile cache, for every server on the database.
//!
//! The API is async (the server's runtime); [`block_on`] runs one call for the command line.

pub mod accounts;
pub mod conninfo;
mod layers;
pub mod migrate;
pub mod scenarios;
pub mod tls;
mod tx;

use std::future::Future;

pub use accounts::PgAccounts;
pub use conninfo::{ConnInfo, DEFAULT_SCHEMA, is_database_url};
pub use migrate::{CURRENT_VERSION, Migrated};
pub use scenarios::PgScenarios;

/// Errors of the PostgreSQL store; each names the database (without its password).
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The connection string cannot be read.
    #[error("bad connection string {url}: {why}")]
    Url {
        /// The string, without its password.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// No connection could be made.
    #[error("cannot connect to {url}: {why}")]
    Connect {
        /// The database.
        url: String,
        /// What the driver said.
        why: String,
    },
    /// The database has no PostGIS.
    #[error(
        "{url}: the database has no PostGIS extension (run `spielraum db migrate` as a user who may create it, or ask the database administrator for CREATE EXTENSION postgis)"
    )]
    NoPostgis {
        /// The database.
        url: String,
    },
    /// The schema holds no Spielraum tables yet.
    #[error(
        "{url}: schema '{schema}' is not set up for Spielraum: run `spielraum db migrate {url}` first"
    )]
    NotMigrated {
        /// The database.
        url: String,
        /// The schema.
        schema: String,
    },
    /// The schema is older than this program.
    #[error(
        "{url}: schema '{schema}' is at version {found}, this spielraum needs version {needed}: run `spielraum db migrate {url}`"
    )]
    OldSchema {
        /// The database.
        url: String,
        /// The schema.
        schema: String,
        /// Its version.
        found: i32,
        /// This program's version.
        needed: i32,
    },
    /// The schema was written by a newer program.
    #[error(
        "{url}: schema '{schema}' is at version {found}, newer than this spielraum knows ({known}): use a newer spielraum"
    )]
    NewerSchema {
        /// The database.
        url: String,
        /// The schema.
        schema: String,
        /// Its version.
        found: i32,
        /// The newest version this program knows.
        known: i32,
    },
    /// A layer the command needs is missing.
    #[error("{url}: schema '{schema}' has no layer '{layer}' (import a city into it first)")]
    MissingLayer {
        /// The database.
        url: String,
        /// The schema.
        schema: String,
        /// The layer.
        layer: String,
    },
    /// The database refused a statement.
    #[error("{url}: {why}")]
    Database {
        /// The database.
        url: String,
        /// What it said.
        why: String,
    },
    /// The GeoPackage side of a copy failed, or a layer does not make a city.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// One line from a driver error: the server's message (with its detail) or the cause.
pub(crate) fn say(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        };
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text.replace('\n', " ")
}

/// A city's schema in a PostgreSQL database, with a pool of connections.
#[derive(Clone)]
pub struct Database {
    info: ConnInfo,
    pool: deadpool_postgres::Pool,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.info.shown)
    }
}

impl Database {
    /// Connects to `url` and checks that its schema is at [`CURRENT_VERSION`] with PostGIS:
    /// what every command but `db migrate` needs.
    pub async fn open(url: &str) -> Result<Database, PgError> {
        let db = Database::connect(url).await?;
        db.check_version().await?;
        Ok(db)
    }

    /// Connects to `url` (one connection is made at once, so a database that cannot be reached
    /// is an error here) without checking the schema.
    pub async fn connect(url: &str) -> Result<Database, PgError> {
        let info = ConnInfo::parse(url)?;
        let tls = info.tls.client_config().map_err(|why| PgError::Connect {
            url: info.shown.clone(),
            why,
        })?;
        let manager = deadpool_postgres::Manager::from_config(
            info.config.clone(),
            tokio_postgres_rustls::MakeRustlsConnect::new(tls),
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(8)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| PgError::Connect {
                url: info.shown.clone(),
                why: e.to_string(),
            })?;
        let db = Database { info, pool };
        drop(db.client().await?);
        Ok(db)
    }

    /// The connection string without its password.
    pub fn shown(&self) -> &str {
        &self.info.shown
    }

    /// The schema that holds the city.
    pub fn schema(&self) -> &str {
        &self.info.schema
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, PgError> {
        self.pool.get().await.map_err(|e| PgError::Connect {
            url: self.info.shown.clone(),
            why: match e {
                deadpool_postgres::PoolError::Backend(e) => say(&e),
                e => e.to_string(),
            },
        })
    }

    /// A driver error as [`PgError::Database`] naming this database.
    pub(crate) fn failed(&self, e: tokio_postgres::Error) -> PgError {
        PgError::Database {
            url: self.info.shown.clone(),
            why: say(&e),
        }
    }

    /// Whether PostGIS is installed in the database.
    pub async fn has_postgis(&self) -> Result<bool, PgError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'postgis'", &[])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.is_some())
    }

    /// The schema's version: `None` when it holds no Spielraum tables.
    pub async fn version(&self) -> Result<Option<i32>, PgError> {
        migrate::version(self).await
    }

    /// Checks PostGIS and the schema version ([`PgError::NoPostgis`],
    /// [`PgError::NotMigrated`], [`PgError::OldSchema`], [`PgError::NewerSchema`]).
    pub async fn check_version(&self) -> Result<(), PgError> {
        if !self.has_postgis().await? {
            return Err(PgError::NoPostgis {
                url: self.info.shown.clone(),
            });
        }
        let (url, schema) = (self.info.shown.clone(), self.info.schema.clone());
        match self.version().await? {
            None => Err(PgError::NotMigrated { url, schema }),
            Some(v) if v < CURRENT_VERSION => Err(PgError::OldSchema {
                url,
                schema,
                found: v,
                needed: CURRENT_VERSION,
            }),
            Some(v) if v > CURRENT_VERSION => Err(PgError::NewerSchema {
                url,
                schema,
                found: v,
                known: CURRENT_VERSION,
            }),
            Some(_) => Ok(()),
        }
    }
}

/// Runs `future` to its end on the store's own runtime (one for the process, whose worker
/// drives the pool's connections between calls): the async API for synchronous callers, the
/// command line and the server's blocking threads. Not for use on an async task.
pub fn block_on<F: Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("spielraum-pg")
                .enable_all()
                .build()
                .expect("a Tokio runtime")
        })
        .block_on(future)
}
