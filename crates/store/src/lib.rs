//! Spielraum's GeoPackage store: one OGC GeoPackage holds a whole city.
//!
//! [`write_city`]/[`read_city`] for the import's result, [`write_layer`]/[`read_layer`] for later
//! results (indicators, gap areas), [`read_meta`]/[`write_meta`] for the `spielraum_meta` table,
//! [`TileTable`] for the server's persistent tile cache, [`ScenarioStore`] for planning scenarios.
//!
//! New files are written atomically (a locked temporary file renamed into place; stale ones of
//! killed writers are removed, see [`remove_stale_temporaries`]); [`write_city_carrying`] keeps
//! the user data of the file it replaces ([`carry`]); [`CityWriter`] writes the same file while
//! the city is still being read (the import streams its big layers into it);
//! [`write_layers`] writes several layers in one transaction ([`write_layers_styled`] with their
//! QGIS styles, [`layer_styles`]).

pub mod accounts;
pub mod carry;
mod city;
pub mod layer;
pub mod layer_styles;
mod rtree;
pub mod scenario;
pub mod tile_table;
pub mod wkb;
mod writer;

use std::path::{Path, PathBuf};

use model::scenario::CandidateSite;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use accounts::{AccountError, AccountStore, Accounts, Role, User};
pub use carry::{CARRIED_TABLES, Carried, CarriedScenario, Carry};
pub use layer::{Column, ColumnType, Feature, GeometryType, Layer, Value};
pub use layer_styles::LayerStyle;
pub use scenario::{Scenario, ScenarioInfo, ScenarioStore, ScenarioStoreError, Scenarios};
pub use tile_table::{TileLimits, TileTable};
pub use writer::CityWriter;

#[cfg(test)]
mod stale_tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn file_aged(dir: &Path, name: &str, age: Duration) -> std::fs::File {
        let path = dir.join(name);
        std::fs::write(&path, b"half a GeoPackage").unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() - age).unwrap();
        f
    }

    #[test]
    fn a_write_removes_stale_temporaries_of_its_own_naming_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let hour = Duration::from_secs(3600);
        drop(file_aged(d, ".spielraum-abc123.gpkg.tmp", hour));
        drop(file_aged(
            d,
            ".spielraum-fresh1.gpkg.tmp",
            Duration::from_secs(5),
        ));
        // Old, but its writer is alive (holds the lock).
        let held = file_aged(d, ".spielraum-alive1.gpkg.tmp", hour);
        assert!(try_lock_exclusive(&held));
        drop(file_aged(d, ".other-abc123.gpkg.tmp", hour));
        drop(file_aged(d, ".spielraum-abc123.gpkg", hour));
        write_city(&d.join("city.gpkg"), &model::City::default()).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".other-abc123.gpkg.tmp",
                ".spielraum-abc123.gpkg",
                ".spielraum-alive1.gpkg.tmp",
                ".spielraum-fresh1.gpkg.tmp",
                "city.gpkg"
            ]
        );
        drop(held);
        // Once its writer is gone, the old one is stale too.
        assert_eq!(remove_stale_temporaries(d), 1);
        assert!(!d.join(".spielraum-alive1.gpkg.tmp").exists());
    }
}

/// Errors of the GeoPackage store; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed on the file.
    #[error("{path}: {source}")]
    Sqlite {
        /// The GeoPackage.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file could not be created, read or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a GeoPackage written by Spielraum (or lacks a layer).
    #[error("{path}: not a Spielraum GeoPackage ({reason}); run 'spielraum import' to create one")]
    NotSpielraum {
        /// The file.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A layer that is not in the file.
    #[error("layer '{0}' is missing")]
    MissingLayer(String),
    /// A table or column name we refuse (letters, digits and `_` only; no gpkg_/rtree_ prefix).
    #[error("invalid table or column name '{0}' (use letters, digits and _)")]
    BadName(String),
    /// Data that does not fit the layer (wrong number of values, undecodable geometry, bad value).
    #[error("{0}")]
    Shape(String),
    /// The volume holding the file has too little free space for an optional write (the tile
    /// cache); nothing was written.
    #[error("{path}: the disk is nearly full ({free} bytes free), nothing more is written to it")]
    DiskNearlyFull {
        /// The GeoPackage.
        path: PathBuf,
        /// The bytes free when this was checked.
        free: u64,
    },
    /// The user data of the file being replaced (scenarios) cannot be copied into the new file.
    #[error("{path}: its scenarios cannot be carried over into the new file ({reason})")]
    CannotCarry {
        /// The file being replaced.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// One of the above, with the file it happened in.
    #[error("{path}: {source}")]
    InFile {
        /// The GeoPackage.
        path: PathBuf,
        /// The error.
        source: Box<StoreError>,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(source: rusqlite::Error) -> Self {
        StoreError::Sqlite {
            path: PathBuf::new(),
            source,
        }
    }
}

impl StoreError {
    /// Attaches `path` to an error that does not name its file yet.
    fn in_file(self, path: &Path) -> StoreError {
        match self {
            StoreError::Sqlite { path: p, source } if p.as_os_str().is_empty() => {
                StoreError::Sqlite {
                    path: path.to_path_buf(),
                    source,
                }
            }
            e @ (StoreError::MissingLayer(_) | StoreError::BadName(_) | StoreError::Shape(_)) => {
                StoreError::InFile {
                    path: path.to_path_buf(),
                    source: Box::new(e),
                }
            }
            other => other,
        }
    }
}

/// How long a connection waits for another one's lock before it fails with "database is locked".
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Opens an existing GeoPackage (read-write or read-only) and checks its application id.
///
/// Writers take their lock when their transaction begins ([`TransactionBehavior::Immediate`]):
/// a transaction that reads first and asks for the write lock later would fail at once, without
/// waiting, when another writer holds it (SQLite's deadlock rule).
fn open(path: &Path, write: bool) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StoreError::from(e).in_file(path))?;
    // Another writer of the file (a second `analyze`, the server) is waited for, not failed on.
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::from(e).in_file(path))?;
    let app: Result<i32, _> = conn.pragma_query_value(None, "application_id", |r| r.get(0));
    match app {
        Ok(layer::APPLICATION_ID) => Ok(conn),
        Ok(_) => Err(StoreError::NotSpielraum {
            path: path.to_path_buf(),
            reason: "not a GeoPackage".into(),
        }),
        Err(_) => Err(StoreError::NotSpielraum {
            path: path.to_path_buf(),
            reason: "not an SQLite file".into(),
        }),
    }
}

/// Writes `city` to a NEW GeoPackage at `path`, atomically: a temporary file in the same folder
/// is renamed over `path` only on success; on error an existing file is untouched. The
/// `candidate_sites` layer is written empty (see [`write_city_with_candidates`]).
pub fn write_city(path: &Path, city: &model::City) -> Result<(), StoreError> {
    write_city_with_candidates(path, city, &[])
}

/// [`write_city`], with the candidate sites for new facilities in the layer `candidate_sites`
/// (Point or (Multi)Polygon; columns `id`, `source`, `name`, `area_m2`).
pub fn write_city_with_candidates(
    path: &Path,
    city: &model::City,
    candidates: &[CandidateSite],
) -> Result<(), StoreError> {
    CityWriter::create(path)?
        .finish_with(city, candidates, None)
        .map(|_| ())
}

/// [`write_city_with_candidates`] onto a file that may hold user data: with [`Carry::Keep`] the
/// [`CARRIED_TABLES`] of the file being replaced are copied into the new one within the atomic
/// write (see [`carry`]), and the scenarios' edits are checked against the new city's
/// facilities; with [`Carry::Replace`] they are dropped (and counted).
pub fn write_city_carrying(
    path: &Path,
    city: &model::City,
    candidates: &[CandidateSite],
    carry: Carry,
) -> Result<Carried, StoreError> {
    CityWriter::create(path)?.finish(city, candidates, carry)
}

/// Reads only the `facilities` layer (quicker than [`read_city`] when that is all one needs).
pub fn read_facilities(path: &Path) -> Result<Vec<model::Facility>, StoreError> {
    let conn = open(path, false)?;
    let layer = layer::read_layer_conn(&conn, "facilities").map_err(|e| e.in_file(path))?;
    city::facilities_from_layer(&layer).map_err(|e| e.in_file(path))
}

/// Reads only the `neighbourhoods` layer.
pub fn read_neighbourhoods(path: &Path) -> Result<Vec<model::Neighbourhood>, StoreError> {
    let conn = open(path, false)?;
    let layer = layer::read_layer_conn(&conn, "neighbourhoods").map_err(|e| e.in_file(path))?;
    city::neighbourhoods_from_layer(&layer).map_err(|e| e.in_file(path))
}

/// Replaces the social indicator tables (`social_indicators`, `social_indicator_labels`) of the
/// existing GeoPackage at `path` in one transaction (see [`write_layers`]).
pub fn write_social(path: &Path, social: &[model::SocialIndicator]) -> Result<(), StoreError> {
    write_layers(path, &city::social_layers(social))
}

/// Reads the candidate sites written by [`write_city_with_candidates`] (by OSM id).
pub fn read_candidate_sites(path: &Path) -> Result<Vec<CandidateSite>, StoreError> {
    let conn = open(path, false)?;
    let layer = match layer::read_layer_conn(&conn, city::CANDIDATE_LAYER) {
        Err(StoreError::MissingLayer(n)) => {
            return Err(StoreError::NotSpielraum {
                path: path.to_path_buf(),
                reason: format!("layer '{n}' is missing, it was imported by an older version"),
            });
        }
        other => other.map_err(|e| e.in_file(path))?,
    };
    city::candidates_from_layer(&layer).map_err(|e| e.in_file(path))
}

/// The candidate sites of a `candidate_sites` layer read elsewhere (a database).
pub fn candidate_sites_from_layer(layer: &Layer) -> Result<Vec<CandidateSite>, StoreError> {
    city::candidates_from_layer(layer)
}

/// The name of a GeoPackage being written: `.spielraum-XXXXXX.gpkg.tmp` in the folder of the
/// file it will replace.
const TMP_PREFIX: &str = ".spielraum-";
/// See [`TMP_PREFIX`].
const TMP_SUFFIX: &str = ".gpkg.tmp";
/// A temporary file unchanged for this long and not locked is left over by a killed writer.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporary GeoPackages a killed writer left in `dir`, and returns how many.
///
/// Rule: a file named `.spielraum-*.gpkg.tmp` is stale when it was last modified more than
/// 60 s ago and no process holds the exclusive lock (`flock`) every writer
/// keeps on its temporary file until it is renamed; a live writer keeps either. Only files of
/// this naming are considered; failures are ignored (the next writer tries again).
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let old = entry.metadata().ok().filter(|m| m.is_file()).and_then(|m| {
            m.modified()
                .ok()
                .and_then(|t| t.elapsed().ok())
                .map(|age| age > STALE_AFTER)
        });
        if old != Some(true) {
            continue;
        }
        let Ok(file) = std::fs::OpenOptions::new().read(true).open(&path) else {
            continue;
        };
        if try_lock_exclusive(&file) && std::fs::remove_file(&path).is_ok() {
            tracing::info!("removed {}, left by an interrupted writer", path.display());
            removed += 1;
        }
    }
    removed
}

/// Takes the exclusive advisory lock of `file` (kept until the file is closed), if the
/// platform has one; a failure only weakens the stale-file rule to the age alone.
fn lock_exclusive(file: &std::fs::File) {
    let _ = try_lock_exclusive(file);
}

/// Whether the exclusive advisory lock of `file` could be taken now (no other holder).
fn try_lock_exclusive(file: &std::fs::File) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        true
    }
}

/// Writes a new GeoPackage holding `layers` and `meta` atomically (see [`write_city`]), carrying
/// the user data of the file it replaces over if asked to (checked against the facilities).
#[cfg(test)]
fn write_new(
    path: &Path,
    layers: impl Iterator<Item = Layer>,
    meta: &[(String, String)],
    carry: Option<(Carry, &std::collections::HashSet<model::OsmId>)>,
) -> Result<Carried, StoreError> {
    writer::NewFile::create(path)?.finish(meta, carry, |conn| {
        for l in layers {
            layer::write_layer_tx(conn, &l)?;
        }
        Ok(())
    })
}

/// Reads the whole city back from a GeoPackage written by [`write_city`].
pub fn read_city(path: &Path) -> Result<model::City, StoreError> {
    read_city_layers(path, &city::CITY_LAYERS, |_, _| ()).map(|(city, ())| city)
}

/// The layers an analysis reads ([`read_city_for_analysis`]).
const ANALYSIS_LAYERS: [&str; 5] = [
    "facilities",
    "neighbourhoods",
    "population",
    "walk_ways",
    "tagged_nodes",
];

/// [`read_city`] without the layers only maps need (`buildings` and `basemap` come back empty;
/// they must still exist): what an analysis, a scenario or a suggestion reads, several times
/// faster for a city.
pub fn read_city_for_analysis(path: &Path) -> Result<model::City, StoreError> {
    read_city_layers(path, &ANALYSIS_LAYERS, |_, _| ()).map(|(city, ())| city)
}

/// [`read_city_for_analysis`] that also runs `network` on the walking ways and tagged nodes as
/// soon as they are read, while the other layers are still being read (a walking graph is built
/// alongside the population and facilities instead of after them).
pub fn read_city_for_analysis_and<R: Send>(
    path: &Path,
    network: impl FnOnce(&[model::WalkWay], &[model::TaggedNode]) -> R + Send,
) -> Result<(model::City, R), StoreError> {
    read_city_layers(path, &ANALYSIS_LAYERS, network)
}

/// [`read_city`] that also runs `network` on the walking network as soon as it is read, as
/// [`read_city_for_analysis_and`] does.
pub fn read_city_and<R: Send>(
    path: &Path,
    network: impl FnOnce(&[model::WalkWay], &[model::TaggedNode]) -> R + Send,
) -> Result<(model::City, R), StoreError> {
    read_city_layers(path, &city::CITY_LAYERS, network)
}

/// The city with the layers in `wanted` read, the others of [`city::CITY_LAYERS`] checked to
/// exist and left empty, and what `network` makes of the walking network. The layers are read in
/// parallel, each on its own connection (SQLite readers do not block each other); the network
/// layers first, so that `network` runs while the others are read.
fn read_city_layers<R: Send>(
    path: &Path,
    wanted: &[&str],
    network: impl FnOnce(&[model::WalkWay], &[model::TaggedNode]) -> R + Send,
) -> Result<(model::City, R), StoreError> {
    use rayon::prelude::*;
    let conn = open(path, false)?;
    // All connections opened before any reading, one per layer read.
    let mut readers = Vec::new();
    for &name in &city::CITY_LAYERS {
        let reader = if wanted.contains(&name) {
            Some(open(path, false)?)
        } else {
            None
        };
        let exists = reader.is_some() || layer_exists(&conn, name).map_err(|e| e.in_file(path))?;
        readers.push((name, reader, exists));
    }
    let read = |(name, reader, exists): (&str, Option<Connection>, bool)| match reader {
        Some(reader) => layer::read_layer_conn(&reader, name),
        None if exists => Ok(city::city_schema(name)),
        None => Err(StoreError::MissingLayer(name.to_string())),
    };
    let in_file = |e: StoreError| match e {
        StoreError::MissingLayer(n) => StoreError::NotSpielraum {
            path: path.to_path_buf(),
            reason: format!("layer '{n}' is missing"),
        },
        e => e.in_file(path),
    };
    let (network_readers, other_readers): (Vec<_>, Vec<_>) = readers
        .into_iter()
        .partition(|(name, _, _)| city::NETWORK_LAYERS.contains(name));
    let (net, others) = rayon::join(
        || {
            let mut layers: Vec<Layer> = network_readers
                .into_par_iter()
                .map(read)
                .collect::<Result<_, _>>()?;
            let (Some(tagged), Some(ways)) = (layers.pop(), layers.pop()) else {
                return Err(StoreError::Shape("wrong number of network layers".into()));
            };
            let (ways, nodes) = city::network_from_layers(&ways, &tagged)?;
            let made = network(&ways, &nodes);
            Ok((ways, nodes, made))
        },
        || {
            other_readers
                .into_par_iter()
                .map(read)
                .collect::<Vec<Result<Layer, StoreError>>>()
        },
    );
    let mut layers = Vec::new();
    for l in others {
        layers.push(l.map_err(in_file)?);
    }
    let (ways, nodes, made) = net.map_err(in_file)?;
    let meta = read_meta_conn(&conn).map_err(|e| e.in_file(path))?;
    let mut city =
        city::city_from_layers(layers, (ways, nodes), meta).map_err(|e| e.in_file(path))?;
    city.sources = read_sources(&conn).map_err(|e| e.in_file(path))?;
    city.social = read_social(&conn).map_err(|e| e.in_file(path))?;
    Ok((city, made))
}

/// The names of the layers a city is made of, in the order [`write_city`] writes them; with
/// [`city_layer_schema`] and [`city_from_layer_set`], what another store (PostGIS) needs to hold
/// a city in the same tables.
pub const CITY_LAYER_NAMES: [&str; 7] = city::CITY_LAYERS;

/// The layers an analysis needs of a city ([`read_city_for_analysis`]); the others of
/// [`CITY_LAYER_NAMES`] may be given empty.
pub const ANALYSIS_LAYER_NAMES: [&str; 5] = ANALYSIS_LAYERS;

/// The table names of the attribute tables a city may also have: its data sources and its
/// social indicators with their labels.
pub const CITY_TABLE_NAMES: [&str; 3] = [
    city::SOURCES_LAYER,
    city::SOCIAL_LAYER,
    city::SOCIAL_LABELS_LAYER,
];

/// The empty layer `name` of [`CITY_LAYER_NAMES`]: its geometry type and columns.
pub fn city_layer_schema(name: &str) -> Layer {
    city::city_schema(name)
}

/// A city put together from its tables as generic [`Layer`]s (each of [`CITY_LAYER_NAMES`]
/// must be among `layers`, those of [`CITY_TABLE_NAMES`] may be) and its `spielraum_meta`
/// entries: what [`read_city`] does after reading a GeoPackage, for a city held elsewhere.
pub fn city_from_layer_set(
    mut layers: Vec<Layer>,
    meta: Vec<(String, String)>,
) -> Result<model::City, StoreError> {
    let mut take = |name: &str| {
        layers
            .iter()
            .position(|l| l.name == name)
            .map(|i| layers.swap_remove(i))
    };
    let mut city_layers = Vec::new();
    for name in city::CITY_LAYERS {
        city_layers.push(take(name).ok_or_else(|| StoreError::MissingLayer(name.to_string()))?);
    }
    let sources = take(city::SOURCES_LAYER);
    let social = take(city::SOCIAL_LAYER);
    let labels = take(city::SOCIAL_LABELS_LAYER);
    let tagged = city_layers.pop().expect("seven layers");
    let ways = city_layers.pop().expect("seven layers");
    let network = city::network_from_layers(&ways, &tagged)?;
    let mut city = city::city_from_layers(city_layers, network, meta)?;
    if let Some(sources) = sources {
        city.sources = city::sources_from_layer(&sources)?;
    }
    if let Some(social) = social {
        let labels = labels.unwrap_or_else(|| city::social_layers(&[])[1].clone());
        city.social = city::social_from_layers(&social, &labels)?;
    }
    Ok(city)
}

/// The social indicators (`social_indicators` and its labels); empty for a city imported
/// without `--social`.
fn read_social(conn: &Connection) -> Result<Vec<model::SocialIndicator>, StoreError> {
    if !layer_exists(conn, city::SOCIAL_LAYER)? {
        return Ok(Vec::new());
    }
    let labels = if layer_exists(conn, city::SOCIAL_LABELS_LAYER)? {
        layer::read_layer_conn(conn, city::SOCIAL_LABELS_LAYER)?
    } else {
        city::social_layers(&[])[1].clone()
    };
    city::social_from_layers(&layer::read_layer_conn(conn, city::SOCIAL_LAYER)?, &labels)
}

/// The `data_sources` table; empty for a file written before sources were recorded.
fn read_sources(conn: &Connection) -> Result<Vec<model::provenance::DataSource>, StoreError> {
    if !layer_exists(conn, city::SOURCES_LAYER)? {
        return Ok(Vec::new());
    }
    city::sources_from_layer(&layer::read_layer_conn(conn, city::SOURCES_LAYER)?)
}

/// Whether the GeoPackage lists a feature table `name`.
fn layer_exists(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM gpkg_contents WHERE table_name = ?1",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Writes `layer` into the existing GeoPackage at `path` in one transaction, replacing a
/// previous layer of the same name (its table, index and registry rows).
pub fn write_layer(path: &Path, layer: &Layer) -> Result<(), StoreError> {
    write_layers(path, std::slice::from_ref(layer))
}

/// Writes `layers` into the existing GeoPackage at `path` in ONE transaction (all or none),
/// each replacing a previous layer of the same name. The transaction waits for other writers
/// (busy timeout); if it cannot get the lock in time it fails and the file keeps its layers.
pub fn write_layers(path: &Path, layers: &[Layer]) -> Result<(), StoreError> {
    write_layers_styled(path, layers, &[])
}

/// [`write_layers`], and in the same transaction the QGIS `styles` of layers of the file
/// ([`layer_styles`]: replacing earlier rows of the same table and style name).
pub fn write_layers_styled(
    path: &Path,
    layers: &[Layer],
    styles: &[LayerStyle],
) -> Result<(), StoreError> {
    let mut conn = open(path, true)?;
    let run = |conn: &mut Connection| -> Result<(), StoreError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for layer in layers {
            layer::write_layer_tx(&tx, layer)?;
        }
        layer_styles::write_styles_tx(&tx, styles)?;
        tx.commit()?;
        Ok(())
    };
    run(&mut conn).map_err(|e| e.in_file(path))
}

/// Reads layer `name` (a feature or attribute table) from the GeoPackage at `path`.
pub fn read_layer(path: &Path, name: &str) -> Result<Layer, StoreError> {
    let conn = open(path, false)?;
    layer::read_layer_conn(&conn, name).map_err(|e| e.in_file(path))
}

/// The names of the GeoPackage's layers and attribute tables (`gpkg_contents`), in the order
/// they were registered.
pub fn layer_names(path: &Path) -> Result<Vec<String>, StoreError> {
    let conn = open(path, false)?;
    let run = || -> Result<Vec<String>, StoreError> {
        let mut stmt = conn.prepare("SELECT table_name FROM gpkg_contents ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    };
    run().map_err(|e| e.in_file(path))
}

/// The rows of the GeoPackage's `layer_styles` table (none when it has none).
pub fn read_layer_styles(path: &Path) -> Result<Vec<LayerStyle>, StoreError> {
    let conn = open(path, false)?;
    layer_styles::read_styles_conn(&conn).map_err(|e| e.in_file(path))
}

/// Reads all `spielraum_meta` rows (key, value) in the order they were written.
pub fn read_meta(path: &Path) -> Result<Vec<(String, String)>, StoreError> {
    let conn = open(path, false)?;
    read_meta_conn(&conn).map_err(|e| e.in_file(path))
}

/// Sets `spielraum_meta` rows (inserting or replacing each key) in one transaction.
pub fn write_meta(path: &Path, entries: &[(String, String)]) -> Result<(), StoreError> {
    let mut conn = open(path, true)?;
    let run = |conn: &mut Connection| -> Result<(), StoreError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_meta_tx(&tx, entries)?;
        tx.commit()?;
        Ok(())
    };
    run(&mut conn).map_err(|e| e.in_file(path))
}

fn write_meta_tx(conn: &Connection, entries: &[(String, String)]) -> Result<(), StoreError> {
    let mut stmt =
        conn.prepare("INSERT OR REPLACE INTO spielraum_meta (key, value) VALUES (?1, ?2)")?;
    for (k, v) in entries {
        stmt.execute([k, v])?;
    }
    Ok(())
}

fn read_meta_conn(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT key, value FROM spielraum_meta ORDER BY rowid")
        .map_err(|_| StoreError::MissingLayer("spielraum_meta".into()))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon, polygon};
    use model::{
        BasemapFeature, Building, City, Facility, FacilityKind, Neighbourhood, OsmId,
        PopulationSource, PopulationUnit, TaggedNode, WalkWay,
    };

    fn square(x: f64, y: f64, d: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d)]
    }

    fn tags(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A small hand-made city touching every field (None and Some, every layer).
    fn small_city() -> City {
        let hole = LineString::from(vec![
            (9.501, 47.101),
            (9.502, 47.101),
            (9.502, 47.102),
            (9.501, 47.101),
        ]);
        let with_hole = Polygon::new(square(9.5, 47.1, 0.01).exterior().clone(), vec![hole]);
        City {
            facilities: vec![
                Facility {
                    osm_id: OsmId::Node(1),
                    kind: FacilityKind::Playground,
                    name: Some("Spielplatz Äule".into()),
                    access: None,
                    geometry: Geometry::Point(Point::new(9.52, 47.14)),
                    area_m2: None,
                    opening_hours: None,
                },
                Facility {
                    osm_id: OsmId::Relation(7),
                    kind: FacilityKind::OpenSpace,
                    name: None,
                    access: Some("private".into()),
                    geometry: Geometry::MultiPolygon(MultiPolygon(vec![
                        with_hole.clone(),
                        square(9.6, 47.2, 0.001),
                    ])),
                    area_m2: Some(1234.5),
                    opening_hours: None,
                },
            ],
            neighbourhoods: vec![Neighbourhood {
                id: "r8".into(),
                name: "Vaduz".into(),
                admin_level: Some(8),
                geometry: MultiPolygon(vec![square(9.4, 47.0, 0.2)]),
                population: None,
            }],
            buildings: vec![Building {
                osm_id: OsmId::Way(3),
                building: "house".into(),
                levels: Some(2.5),
                footprint_m2: 120.25,
                centre: Point::new(9.51, 47.11),
                in_residential_landuse: true,
            }],
            population: vec![PopulationUnit {
                location: Point::new(9.51, 47.12),
                residents: 3.5,
                ages: [0.5, 0.25, 0.0],
                source: PopulationSource::Buildings,
            }],
            walk_ways: vec![WalkWay {
                id: 11,
                nodes: vec![1, -2, 3],
                coords: vec![
                    Coord { x: 9.5, y: 47.1 },
                    Coord { x: 9.51, y: 47.1 },
                    Coord { x: 9.51, y: 47.2 },
                ],
                tags: tags(&[
                    ("foot", "yes"),
                    ("highway", "footway"),
                    ("name", "Weg \"x\""),
                ]),
            }],
            tagged_nodes: vec![TaggedNode {
                id: -2,
                coord: Coord { x: 9.51, y: 47.1 },
                tags: tags(&[("highway", "crossing")]),
            }],
            basemap: vec![BasemapFeature {
                layer: "roads".into(),
                class: "primary".into(),
                name: Some("Landstrasse".into()),
                geometry: Geometry::LineString(LineString::from(vec![(9.5, 47.1), (9.6, 47.2)])),
            }],
            metadata: tags(&[("source_file", "x.osm.pbf"), ("admin_level", "8")]),
            sources: vec![
                model::provenance::DataSource {
                    layer: "facilities".into(),
                    kind: model::provenance::SourceKind::OpenStreetMap,
                    location: "x.osm.pbf".into(),
                    format: "OSM PBF".into(),
                    crs: "EPSG:4326".into(),
                    retrieved: "2026-12-01T10:00:00Z".into(),
                    data_as_of: Some("2026-11-30T21:00:00Z".into()),
                    licence: Some("ODbL 1.0".into()),
                    attribution: None,
                },
                model::provenance::DataSource {
                    layer: "neighbourhoods".into(),
                    kind: model::provenance::SourceKind::Url,
                    location: "https://example.org/ogc/collections/lor?f=json".into(),
                    format: "OGC API Features".into(),
                    crs: "EPSG:25833".into(),
                    retrieved: "2026-12-02T08:15:00Z".into(),
                    data_as_of: None,
                    licence: None,
                    attribution: Some("© Amt für Statistik Berlin-Brandenburg".into()),
                },
            ],
            social: vec![
                model::SocialIndicator {
                    key: "sgb2".into(),
                    label_de: "Anteil SGB II".into(),
                    label_en: "Share SGB II".into(),
                    values: [("r8".to_string(), 0.25)].into_iter().collect(),
                },
                // No area has a value: the label row alone keeps it.
                model::SocialIndicator {
                    key: "single_parent".into(),
                    label_de: "Alleinerziehende".into(),
                    label_en: "Single parents".into(),
                    values: Default::default(),
                },
            ],
        }
    }

    #[test]
    fn city_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        let city = small_city();
        write_city(&path, &city).unwrap();
        assert_eq!(read_city(&path).unwrap(), city);
        let empty = City::default();
        write_city(&path, &empty).unwrap();
        assert_eq!(read_city(&path).unwrap(), empty);
        // Only the GeoPackage is left in the folder (no temporary files).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn file_is_a_geopackage_with_an_rtree_per_feature_layer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        write_city(&path, &small_city()).unwrap();
        let conn = Connection::open(&path).unwrap();
        let app: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(app, 0x47504B47);
        let srs: Vec<i64> = conn
            .prepare("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(srs, vec![-1, 0, 4326]);
        // The rtree of facilities holds the bbox of the multipolygon (hand-computed:
        // x 9.5..9.601, y 47.1..47.201), within the float32 rounding of SQLite's rtree.
        let (minx, maxx, miny, maxy): (f64, f64, f64, f64) = conn
            .query_row(
                "SELECT minx, maxx, miny, maxy FROM rtree_facilities_geom WHERE id = 2",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        for (a, b) in [(minx, 9.5), (maxx, 9.601), (miny, 47.1), (maxy, 47.201)] {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        let ext: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // facilities, neighbourhoods, population, buildings, basemap, candidate_sites
        assert_eq!(ext, 6);
    }

    #[test]
    fn candidate_sites_round_trip_and_are_present_when_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        write_city(&path, &City::default()).unwrap();
        assert_eq!(read_candidate_sites(&path).unwrap(), vec![]);
        let sites = vec![
            CandidateSite {
                id: "w5".into(),
                source: "landuse=brownfield".into(),
                name: Some("Alte Ziegelei".into()),
                geometry: Geometry::MultiPolygon(MultiPolygon(vec![square(9.5, 47.1, 0.001)])),
                area_m2: 8430.5,
            },
            CandidateSite {
                id: "c2".into(),
                source: "file".into(),
                name: None,
                geometry: Geometry::Point(Point::new(9.52, 47.14)),
                area_m2: 0.0,
            },
        ];
        write_city_with_candidates(&path, &small_city(), &sites).unwrap();
        assert_eq!(read_candidate_sites(&path).unwrap(), sites);
        assert_eq!(read_city(&path).unwrap(), small_city());
        assert_eq!(read_facilities(&path).unwrap(), small_city().facilities);
        let conn = Connection::open(&path).unwrap();
        let indexed: i64 = conn
            .query_row("SELECT COUNT(*) FROM rtree_candidate_sites_geom", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(indexed, 2);
    }

    #[test]
    fn an_error_mid_write_leaves_the_existing_file_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        write_city(&path, &small_city()).unwrap();
        let before = std::fs::read(&path).unwrap();
        let mut layers: Vec<Layer> = city::CITY_LAYERS
            .iter()
            .map(|n| city::city_layer(&City::default(), n))
            .collect();
        // The third layer has a feature with too few values: the first two are written, then it fails.
        layers[2].features.push(Feature {
            geometry: None,
            values: vec![],
        });
        let err = write_new(&path, layers.into_iter(), &[], None).unwrap_err();
        assert!(err.to_string().contains("c.gpkg"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_layer_replaces_a_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        write_city(&path, &City::default()).unwrap();
        let mut l = Layer {
            name: "gaps".into(),
            geometry_type: Some(GeometryType::Polygon),
            columns: vec![
                Column::new("children", ColumnType::Real),
                Column::new("label", ColumnType::Text),
            ],
            features: vec![
                Feature {
                    geometry: Some(Geometry::Polygon(square(1.0, 2.0, 1.0))),
                    values: vec![Value::Real(2.5), Value::Null],
                },
                Feature {
                    geometry: None,
                    values: vec![Value::Null, Value::Text("x".into())],
                },
            ],
        };
        write_layer(&path, &l).unwrap();
        assert_eq!(read_layer(&path, "gaps").unwrap(), l);
        l.features.truncate(1);
        write_layer(&path, &l).unwrap();
        assert_eq!(read_layer(&path, "gaps").unwrap(), l);
        let conn = Connection::open(&path).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM rtree_gaps_geom", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        // The city is still readable and meta can be added.
        write_meta(&path, &[("analysis".into(), "done".into())]).unwrap();
        assert_eq!(
            read_meta(&path).unwrap(),
            vec![("analysis".to_string(), "done".to_string())]
        );
        assert!(read_city(&path).is_ok());
        assert!(matches!(
            read_layer(&path, "nope"),
            Err(StoreError::InFile { .. })
        ));
        l.name = "bad name; DROP".into();
        assert!(write_layer(&path, &l).is_err());
    }

    #[test]
    fn foreign_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.gpkg");
        std::fs::write(&text, "hello, this is not SQLite\n").unwrap();
        let err = read_city(&text).unwrap_err().to_string();
        assert!(err.contains("notes.gpkg") && err.contains("not"), "{err}");
        let plain = dir.path().join("plain.sqlite");
        Connection::open(&plain)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = read_city(&plain).unwrap_err().to_string();
        assert!(
            err.contains("plain.sqlite") && err.contains("not a GeoPackage"),
            "{err}"
        );
        let err = read_city(&dir.path().join("missing.gpkg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.gpkg"), "{err}");
    }
}
