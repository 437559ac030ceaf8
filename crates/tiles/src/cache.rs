//! The tile cache: encoded tiles with their gzip form and ETag in memory (bounded in bytes),
//! optionally backed by a persistent [`TileStore`], rendered from a [`TileSet`] on a miss.
//!
//! When the memory bound is exceeded the memory cache is emptied (simple and predictable; the
//! persistent store and fast rendering refill it).

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
        let gzip = gzip(&raw, Compression::fast());
        CachedTile {
            raw: Bytes::from(raw),
            gzip: Bytes::from(gzip),
            etag,
        }
    }
}

/// `raw` gzip-compressed at `level`.
pub fn gzip(raw: &[u8], level: Compression) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(raw.len() / 2 + 32), level);
    // Writing into a Vec cannot fail.
    enc.write_all(raw)
        .and_then(|_| enc.finish())
        .unwrap_or_default()
}

/// A persistent place for encoded tiles (e.g. a table in the GeoPackage), keyed by tile id.
///
/// Implementations must only return tiles rendered from the same data and code version.
pub trait TileStore: Send + Sync + std::fmt::Debug {
    /// The raw MVT bytes of a stored tile, if any.
    fn load(&self, t: TileId) -> Option<Vec<u8>>;
    /// Stores a freshly rendered tile (best effort: failures are the store's to report).
    fn save(&self, t: TileId, raw: &[u8]);
}

/// A [`TileSet`] with a memory cache (and optionally a [`TileStore`]) in front of it.
#[derive(Debug)]
pub struct TileCache {
    tiles: TileSet,
    map: RwLock<HashMap<TileId, Arc<CachedTile>>>,
    bytes: std::sync::atomic::AtomicUsize,
    max_bytes: usize,
    store: Option<Box<dyn TileStore>>,
    rendered: std::sync::atomic::AtomicU64,
}

impl TileCache {
    /// A cache over `tiles` holding at most about `max_bytes` of tile data.
    pub fn new(tiles: TileSet, max_bytes: usize) -> TileCache {
        TileCache {
            tiles,
            map: RwLock::new(HashMap::new()),
            bytes: Default::default(),
            max_bytes,
            store: None,
            rendered: Default::default(),
        }
    }

    /// Backs the memory cache with a persistent store: misses are looked up there first, and
    /// rendered tiles are saved there.
    pub fn set_store(&mut self, store: Box<dyn TileStore>) {
        self.store = Some(store);
    }

    /// How many tiles this cache has rendered (not found in memory or the store).
    pub fn rendered(&self) -> u64 {
        self.rendered.load(std::sync::atomic::Ordering::Relaxed)
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
        let stored = self.store.as_ref().and_then(|s| s.load(t));
        let raw = stored.unwrap_or_else(|| {
            self.rendered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let raw = self.tiles.render(t);
            if let Some(s) = &self.store {
                s.save(t, &raw);
            }
            raw
        });
        let tile = Arc::new(CachedTile::new(raw));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFeature, SourceLayer};
    use std::sync::Mutex;

    /// A store in memory, shared between caches like a table in a file would be.
    #[derive(Debug, Default)]
    struct SharedStore(Arc<Mutex<HashMap<TileId, Vec<u8>>>>);

    impl TileStore for SharedStore {
        fn load(&self, t: TileId) -> Option<Vec<u8>> {
            self.0.lock().ok()?.get(&t).cloned()
        }
        fn save(&self, t: TileId, raw: &[u8]) {
            if let Ok(mut m) = self.0.lock() {
                m.insert(t, raw.to_vec());
            }
        }
    }

    fn one_point() -> TileSet {
        TileSet::new(vec![SourceLayer {
            name: "facilities".into(),
            features: vec![SourceFeature {
                id: Some(1),
                geometry: geo_types::Geometry::Point(geo_types::Point::new(9.52, 47.14)),
                properties: vec![],
                min_zoom: 0,
            }],
        }])
    }

    #[test]
    fn a_second_cache_reads_what_the_first_rendered_into_the_store() {
        let shared = Arc::new(Mutex::new(HashMap::new()));
        let t = TileId::containing(9.52, 47.14, 14);
        let mut first = TileCache::new(one_point(), usize::MAX);
        first.set_store(Box::new(SharedStore(shared.clone())));
        let a = first.get(t);
        assert!(!a.raw.is_empty());
        assert_eq!(first.rendered(), 1);
        first.get(t);
        assert_eq!(
            first.rendered(),
            1,
            "the memory cache answers the second request"
        );
        assert_eq!(shared.lock().unwrap().len(), 1);

        let mut second = TileCache::new(one_point(), usize::MAX);
        second.set_store(Box::new(SharedStore(shared)));
        let b = second.get(t);
        assert_eq!(second.rendered(), 0, "read from the store, not rendered");
        assert_eq!(a.raw, b.raw);
        assert_eq!(a.etag, b.etag);
    }
}
