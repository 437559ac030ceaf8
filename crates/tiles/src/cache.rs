//! The in-memory tile cache: encoded tiles with their gzip form and ETag, bounded in bytes,
//! rendered on first request from a [`TileSet`].
//!
//! When the bound is exceeded the cache is emptied (simple and predictable; tiles re-render fast).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::mercator::TileId;
use crate::source::TileSet;

/// One encoded tile, ready to send.
#[derive(Debug, Clone)]
pub struct CachedTile {
    /// The MVT bytes.
    pub raw: Bytes,
    /// The same bytes gzip-compressed.
    pub gzip: Bytes,
    /// A strong ETag (quoted) derived from the raw bytes.
    pub etag: String,
}

impl CachedTile {
    /// Wraps encoded bytes: compresses them and computes the ETag.
    pub fn new(raw: Vec<u8>) -> CachedTile {
        let mut h = DefaultHasher::new();
        raw.hash(&mut h);
        let etag = format!("\"{:016x}-{}\"", h.finish(), raw.len());
        let mut enc = GzEncoder::new(Vec::with_capacity(raw.len() / 2 + 32), Compression::fast());
        // Writing into a Vec cannot fail.
        let gzip = enc
            .write_all(&raw)
            .and_then(|_| enc.finish())
            .unwrap_or_default();
        CachedTile {
            raw: Bytes::from(raw),
            gzip: Bytes::from(gzip),
            etag,
        }
    }
}

/// A [`TileSet`] with a memory cache in front of it.
#[derive(Debug)]
pub struct TileCache {
    tiles: TileSet,
    map: RwLock<HashMap<TileId, Arc<CachedTile>>>,
    bytes: std::sync::atomic::AtomicUsize,
    max_bytes: usize,
}

impl TileCache {
    /// A cache over `tiles` holding at most about `max_bytes` of tile data.
    pub fn new(tiles: TileSet, max_bytes: usize) -> TileCache {
        TileCache {
            tiles,
            map: RwLock::new(HashMap::new()),
            bytes: Default::default(),
            max_bytes,
        }
    }

    /// The tile set behind the cache.
    pub fn tiles(&self) -> &TileSet {
        &self.tiles
    }

    /// Whether a tile is cached.
    pub fn contains(&self, t: TileId) -> bool {
        self.map.read().map(|m| m.contains_key(&t)).unwrap_or(false)
    }

    /// The tile if it is cached (never renders: cheap enough for an async thread).
    pub fn get_cached(&self, t: TileId) -> Option<Arc<CachedTile>> {
        self.map.read().ok().and_then(|m| m.get(&t).cloned())
    }

    /// The tile, from the cache or rendered now (and then cached).
    pub fn get(&self, t: TileId) -> Arc<CachedTile> {
        if let Some(hit) = self.get_cached(t) {
            return hit;
        }
        let tile = Arc::new(CachedTile::new(self.tiles.render(t)));
        let size = tile.raw.len() + tile.gzip.len() + 64;
        if let Ok(mut m) = self.map.write() {
            use std::sync::atomic::Ordering::Relaxed;
            if self.bytes.load(Relaxed) + size > self.max_bytes {
                m.clear();
                self.bytes.store(0, Relaxed);
            }
            if m.insert(t, tile.clone()).is_none() {
                self.bytes.fetch_add(size, Relaxed);
            }
        }
        tile
    }
}
