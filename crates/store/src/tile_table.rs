//! The persistent tile cache: encoded vector tiles in a table of the city's GeoPackage.
//!
//! MBTiles-style columns (`zoom_level`, `tile_column`, `tile_row` counted from the south as in
//! MBTiles, `tile_data`), plus the version of the data and code the tiles were rendered from:
//! tiles of another version are dropped when the table is opened.
//!
//! The table is bounded ([`TileLimits`]): past [`TileLimits::max_bytes`] of tile data the
//! oldest rows are deleted, and no row is written while the volume holding the GeoPackage is
//! nearly full (checked every [`TileLimits::check_every`] writes); writes then fail with
//! [`StoreError::DiskNearlyFull`] without touching the file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// The table's name (registered in `gpkg_contents` as an attribute table).
pub const TILE_TABLE: &str = "spielraum_tiles";

/// The bounds of a [`TileTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileLimits {
    /// The most tile data the table holds, in bytes (default 512 MiB); past it the oldest rows
    /// are deleted until a tenth of the cap is free.
    pub max_bytes: u64,
    /// No tile is written while the volume has less free space than this (default 1 GiB) …
    pub min_free_bytes: u64,
    /// … or, if smaller, than this share of the volume's size in percent (default 5 %): on a
    /// small volume the lower of the two applies.
    pub min_free_percent: f64,
    /// The free space is checked at the first write and then every this many writes
    /// (default 256).
    pub check_every: u32,
}

impl Default for TileLimits {
    fn default() -> Self {
        TileLimits {
            max_bytes: 512 << 20,
            min_free_bytes: 1 << 30,
            min_free_percent: 5.0,
            check_every: 256,
        }
    }
}

impl TileLimits {
    /// Whether `free` bytes free on a volume of `total` bytes is below the threshold.
    pub fn nearly_full(&self, free: u64, total: u64) -> bool {
        let share = (total as f64 * self.min_free_percent / 100.0) as u64;
        free < self.min_free_bytes.min(share)
    }
}

/// A tile table in an existing GeoPackage, safe to share between threads.
#[derive(Debug)]
pub struct TileTable {
    path: PathBuf,
    limits: TileLimits,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    conn: Connection,
    /// Bytes of tile data in the table (as counted at open, plus what was written since).
    bytes: u64,
    /// Writes asked for since the free space was last checked.
    since_check: u32,
    /// The free space when writing stopped, while the volume is nearly full.
    stopped: Option<u64>,
}

impl TileTable {
    /// Opens (creating if needed) the tile table of the GeoPackage at `path` for tiles of
    /// `version` with the default [`TileLimits`]; tiles stored for another version are deleted.
    pub fn open(path: &Path, version: &str) -> Result<TileTable, StoreError> {
        TileTable::open_with_limits(path, version, TileLimits::default())
    }

    /// [`TileTable::open`] with the given limits.
    pub fn open_with_limits(
        path: &Path,
        version: &str,
        limits: TileLimits,
    ) -> Result<TileTable, StoreError> {
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
        let bytes = stored_bytes(&conn).map_err(err)?;
        let table = TileTable {
            path: path.to_path_buf(),
            limits,
            inner: Mutex::new(Inner {
                conn,
                bytes,
                since_check: 0,
                stopped: None,
            }),
        };
        if bytes > limits.max_bytes {
            let mut inner = table.lock()?;
            table.evict(&mut inner)?;
        }
        Ok(table)
    }

    /// The raw bytes of tile z/x/y (row counted from the north, as in URLs), if stored.
    pub fn load(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let inner = self.lock()?;
        inner
            .conn
            .prepare_cached(&format!(
            "SELECT tile_data FROM {TILE_TABLE} WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3"
        ))
            .and_then(|mut s| {
                s.query_row(params![z, x, tms_row(z, y)], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// Stores tile z/x/y (replacing an earlier copy), then deletes the oldest rows if the table
    /// holds more than [`TileLimits::max_bytes`]. Fails with [`StoreError::DiskNearlyFull`],
    /// writing nothing, while the volume is nearly full.
    pub fn save(&self, z: u8, x: u32, y: u32, data: &[u8]) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        if inner.since_check == 0 {
            inner.stopped = self.volume_nearly_full();
            inner.since_check = 0;
        }
        inner.since_check = (inner.since_check + 1) % self.limits.check_every.max(1);
        if let Some(free) = inner.stopped {
            return Err(StoreError::DiskNearlyFull {
                path: self.path.clone(),
                free,
            });
        }
        let written = inner
            .conn
            .prepare_cached(&format!(
            "INSERT OR REPLACE INTO {TILE_TABLE} (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)"
        ))
            .and_then(|mut s| s.execute(params![z, x, tms_row(z, y), data]));
        if let Err(e) = written {
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                // Checked again after the next `check_every` writes.
                inner.stopped = Some(0);
            }
            return Err(StoreError::from(e).in_file(&self.path));
        }
        inner.bytes += data.len() as u64;
        if inner.bytes > self.limits.max_bytes {
            self.evict(&mut inner)?;
        }
        Ok(())
    }

    /// How many tiles are stored.
    pub fn len(&self) -> Result<u64, StoreError> {
        let inner = self.lock()?;
        inner
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM {TILE_TABLE}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.unsigned_abs())
            .map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// Whether no tile is stored.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Bytes of tile data stored.
    pub fn stored_bytes(&self) -> Result<u64, StoreError> {
        let inner = self.lock()?;
        stored_bytes(&inner.conn).map_err(|e| StoreError::from(e).in_file(&self.path))
    }

    /// Deletes the oldest rows (smallest rowid: `INSERT OR REPLACE` gives a rewritten tile a
    /// new one) until at most nine tenths of the cap is used.
    fn evict(&self, inner: &mut Inner) -> Result<(), StoreError> {
        let err = |e: rusqlite::Error| StoreError::from(e).in_file(&self.path);
        let target = self.limits.max_bytes / 10 * 9;
        let mut excess = inner.bytes.saturating_sub(target);
        let mut last = None;
        {
            let mut stmt = inner
                .conn
                .prepare(&format!(
                    "SELECT rowid, length(tile_data) FROM {TILE_TABLE} ORDER BY rowid"
                ))
                .map_err(err)?;
            let mut rows = stmt.query([]).map_err(err)?;
            while excess > 0
                && let Some(r) = rows.next().map_err(err)?
            {
                let len: i64 = r.get(1).map_err(err)?;
                excess = excess.saturating_sub(len.unsigned_abs());
                last = Some(r.get::<_, i64>(0).map_err(err)?);
            }
        }
        if let Some(last) = last {
            inner
                .conn
                .execute(
                    &format!("DELETE FROM {TILE_TABLE} WHERE rowid <= ?1"),
                    [last],
                )
                .map_err(err)?;
        }
        inner.bytes = stored_bytes(&inner.conn).map_err(err)?;
        Ok(())
    }

    /// The free bytes of the GeoPackage's volume if it is nearly full.
    fn volume_nearly_full(&self) -> Option<u64> {
        let (free, total) = volume_space(&self.path)?;
        self.limits.nearly_full(free, total).then_some(free)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Shape("tile table lock poisoned".into()))
    }
}

fn stored_bytes(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        &format!("SELECT COALESCE(SUM(length(tile_data)), 0) FROM {TILE_TABLE}"),
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(i64::unsigned_abs)
}

/// The bytes available to this user and the size of the volume holding `path`, if known.
#[cfg(unix)]
pub fn volume_space(path: &Path) -> Option<(u64, u64)> {
    let s = rustix::fs::statvfs(path).ok()?;
    Some((
        s.f_bavail.saturating_mul(s.f_frsize),
        s.f_blocks.saturating_mul(s.f_frsize),
    ))
}

/// The bytes available to this user and the size of the volume holding `path`, if known.
#[cfg(not(unix))]
pub fn volume_space(_path: &Path) -> Option<(u64, u64)> {
    None
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

    #[test]
    fn the_free_space_rule_by_hand() {
        let l = TileLimits::default();
        const MIB: u64 = 1 << 20;
        const GIB: u64 = 1 << 30;
        // A large volume: 1 GiB is the smaller threshold (5 % of 100 GiB is 5 GiB).
        assert!(l.nearly_full(500 * MIB, 100 * GIB));
        assert!(!l.nearly_full(2 * GIB, 100 * GIB));
        // A 4 GiB volume: 5 % (204.8 MiB) is the smaller threshold.
        assert!(!l.nearly_full(300 * MIB, 4 * GIB));
        assert!(l.nearly_full(200 * MIB, 4 * GIB));
    }

    #[test]
    fn the_cap_evicts_the_oldest_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = empty_city(dir.path());
        let limits = TileLimits {
            max_bytes: 10_000,
            ..TileLimits::default()
        };
        let t = TileTable::open_with_limits(&path, "v", limits).unwrap();
        let tile = vec![7u8; 1000];
        for x in 0..10 {
            t.save(14, x, 0, &tile).unwrap();
        }
        assert_eq!(t.len().unwrap(), 10, "exactly at the cap: nothing evicted");
        // The eleventh tile passes the cap: the oldest rows go until at most 9,000 bytes remain,
        // i.e. two of the 1,000-byte tiles.
        t.save(14, 10, 0, &tile).unwrap();
        assert_eq!(t.len().unwrap(), 9);
        assert_eq!(t.stored_bytes().unwrap(), 9000);
        assert_eq!(t.load(14, 0, 0).unwrap(), None, "the oldest is gone");
        assert_eq!(t.load(14, 1, 0).unwrap(), None);
        assert!(t.load(14, 2, 0).unwrap().is_some());
        assert!(t.load(14, 10, 0).unwrap().is_some(), "the newest is kept");
        // Many more writes never take the table past its cap.
        for x in 11..200 {
            t.save(14, x, 0, &tile).unwrap();
            assert!(t.stored_bytes().unwrap() <= 10_000);
        }
        drop(t);
        // A smaller cap on reopening shrinks the table at once.
        let small = TileLimits {
            max_bytes: 5_000,
            ..limits
        };
        let t = TileTable::open_with_limits(&path, "v", small).unwrap();
        assert!(t.stored_bytes().unwrap() <= 4_500);
    }

    #[test]
    fn a_nearly_full_volume_stops_the_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = empty_city(dir.path());
        // Any volume with anything on it has less free space than its whole size.
        let limits = TileLimits {
            min_free_bytes: u64::MAX,
            min_free_percent: 100.0,
            check_every: 4,
            ..TileLimits::default()
        };
        let t = TileTable::open_with_limits(&path, "v", limits).unwrap();
        for x in 0..10 {
            let e = t.save(14, x, 0, b"tile").unwrap_err();
            assert!(matches!(e, StoreError::DiskNearlyFull { .. }), "{e}");
        }
        assert!(t.is_empty().unwrap(), "nothing was written");
        drop(t);
        // With room to spare the same file takes tiles again.
        let t = TileTable::open_with_limits(
            &path,
            "v",
            TileLimits {
                min_free_bytes: 0,
                ..limits
            },
        )
        .unwrap();
        t.save(14, 0, 0, b"tile").unwrap();
        assert_eq!(t.len().unwrap(), 1);
    }
}
