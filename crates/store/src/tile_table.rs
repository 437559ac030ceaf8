//! The persistent tile cache: encoded vector tiles in a table of the city's GeoPackage.
//!
//! MBTiles-style columns (`zoom_level`, `tile_column`, `tile_row` counted from the south as in
//! MBTiles, `tile_data`), plus the version of the data and code the tiles were rendered from:
//! tiles of another version are dropped when the table is opened.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// The table's name (registered in `gpkg_contents` as an attribute table).
pub const TILE_TABLE: &str = "spielraum_tiles";

/// A tile table in an existing GeoPackage, safe to share between threads.
#[derive(Debug)]
pub struct TileTable {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl TileTable {
    /// Opens (creating if needed) the tile table of the GeoPackage at `path` for tiles of
    /// `version`; tiles stored for another version are deleted.
    pub fn open(path: &Path, version: &str) -> Result<TileTable, StoreError> {
        let conn = crate::open(path, true)?;
        let err = |e: rusqlite::Error| StoreError::from(e).in_file(path);
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS {TILE_TABLE} (
               zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL,
               tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL,
               PRIMARY KEY (zoom_level, tile_column, tile_row));
             INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
               VALUES ('{TILE_TABLE}', 'attributes', '{TILE_TABLE}',
                       'Vector tile cache of spielraum serve (MBTiles-style rows)');
             CREATE TABLE IF NOT EXISTS spielraum_meta (key TEXT PRIMARY KEY, value TEXT);"
        ))
        .map_err(err)?;
        let stored: Option<String> = conn
            .query_row(
                "SELECT value FROM spielraum_meta WHERE key = 'tile_cache_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if stored.as_deref() != Some(version) {
            conn.execute(&format!("DELETE FROM {TILE_TABLE}"), [])
                .map_err(err)?;
            conn.execute(
                "INSERT OR REPLACE INTO spielraum_meta (key, value) VALUES ('tile_cache_version', ?1)",
                [version],
            )
            .map_err(err)?;
        }
        conn.execute_batch("COMMIT").map_err(err)?;
        Ok(TileTable {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The raw bytes of tile z/x/y (row counted from the north, as in URLs), if stored.
    pub fn load(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.lock()?;
        conn.prepare_cached(&format!(
            "SELECT tile_data FROM {TILE_TABLE} WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3"
        ))
        .and_then(|mut s| {
            s.query_row(params![z, x, tms_row(z, y)], |r| r.get(0))
                .optional()
        })
        .map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// Stores tile z/x/y (replacing an earlier copy).
    pub fn save(&self, z: u8, x: u32, y: u32, data: &[u8]) -> Result<(), StoreError> {
        let conn = self.lock()?;
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO {TILE_TABLE} (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)"
        ))
        .and_then(|mut s| s.execute(params![z, x, tms_row(z, y), data]))
        .map(|_| ())
        .map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// How many tiles are stored.
    pub fn len(&self) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        conn.query_row(&format!("SELECT COUNT(*) FROM {TILE_TABLE}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.unsigned_abs())
        .map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// Whether no tile is stored.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Shape("tile table lock poisoned".into()))
    }
}

/// MBTiles counts rows from the south: row = 2^z − 1 − y.
fn tms_row(z: u8, y: u32) -> u32 {
    ((1u64 << z) - 1 - u64::from(y)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_city(dir: &Path) -> PathBuf {
        let path = dir.join("city.gpkg");
        crate::write_city(&path, &model::City::default()).unwrap();
        path
    }

    #[test]
    fn tiles_survive_a_reopen_of_the_same_version_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = empty_city(dir.path());
        let t = TileTable::open(&path, "v1").unwrap();
        assert!(t.is_empty().unwrap());
        t.save(14, 8626, 5777, b"tile bytes").unwrap();
        assert_eq!(
            t.load(14, 8626, 5777).unwrap().as_deref(),
            Some(&b"tile bytes"[..])
        );
        assert_eq!(t.load(14, 8626, 5778).unwrap(), None);
        drop(t);
        let again = TileTable::open(&path, "v1").unwrap();
        assert_eq!(again.len().unwrap(), 1);
        drop(again);
        let newer = TileTable::open(&path, "v2").unwrap();
        assert!(
            newer.is_empty().unwrap(),
            "tiles of another version are dropped"
        );
    }

    #[test]
    fn rows_are_stored_from_the_south_as_in_mbtiles() {
        // z1 has rows 0 (north) and 1 (south); MBTiles stores the northern one as row 1.
        assert_eq!(tms_row(1, 0), 1);
        assert_eq!(tms_row(1, 1), 0);
        assert_eq!(tms_row(0, 0), 0);
        let dir = tempfile::tempdir().unwrap();
        let path = empty_city(dir.path());
        let t = TileTable::open(&path, "v").unwrap();
        t.save(3, 4, 1, b"x").unwrap();
        drop(t);
        let conn = Connection::open(&path).unwrap();
        let row: u32 = conn
            .query_row(&format!("SELECT tile_row FROM {TILE_TABLE}"), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(row, 6); // 2^3 − 1 − 1
    }
}
