//! The tile cache: encoded tiles with their gzip form and ETag in memory (bounded in bytes),
//! optionally backed by a persistent [`TileStore`], rendered from a [`TileSet`] on a miss.
//!
//! When the memory bound is exceeded the memory cache is emptied (simple and predictable; the
//! persistent store and fast rendering refill it).
//!
//! Only tiles that the map can ask for are kept: inside the data's bounds and at zoom at most
//! [`KEEP_MAX_ZOOM`] (the style's max zoom; beyond it MapLibre overzooms). Other requests are
//! answered, rendered each time, but neither stored nor kept in memory; empty tiles are never
//! stored and are all one shared value in memory.

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

/// The highest zoom whose tiles are kept (in memory and in the store): the map style's max zoom.
pub const KEEP_MAX_ZOOM: u8 = 16;

/// A [`TileSet`] with a memory cache (and optionally a [`TileStore`]) in front of it.
#[derive(Debug)]
pub struct TileCache {
    tiles: TileSet,
    map: RwLock<HashMap<TileId, Arc<CachedTile>>>,
    bytes: std::sync::atomic::AtomicUsize,
    max_bytes: usize,
    store: Option<Box<dyn TileStore>>,
    rendered: std::sync::atomic::AtomicU64,
    keep_max_zoom: u8,
    bounds: Option<[f64; 4]>,
    empty: Arc<CachedTile>,
}

impl TileCache {
    /// A cache over `tiles` holding at most about `max_bytes` of tile data.
    pub fn new(tiles: TileSet, max_bytes: usize) -> TileCache {
        TileCache {
            map: RwLock::new(HashMap::new()),
            bytes: Default::default(),
            max_bytes,
            store: None,
            rendered: Default::default(),
            keep_max_zoom: KEEP_MAX_ZOOM,
            bounds: tiles.bounds(),
            empty: Arc::new(CachedTile::new(Vec::new())),
            tiles,
        }
    }

    /// Keeps tiles up to zoom `z` instead of [`KEEP_MAX_ZOOM`] (for a style with another max zoom).
    pub fn set_keep_max_zoom(&mut self, z: u8) {
        self.keep_max_zoom = z;
    }

    /// Whether tile `t` is kept once rendered: at zoom at most the kept max zoom and touching
    /// the data's bounds.
    pub fn keeps(&self, t: TileId) -> bool {
        let Some([w, s, e, n]) = self.bounds else {
            return false;
        };
        let [tw, ts, te, tn] = t.lonlat_bounds();
        t.z <= self.keep_max_zoom && tw <= e && te >= w && ts <= n && tn >= s
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

    /// The tile, from the cache or rendered now (and then cached if it is [kept](Self::keeps)).
    pub fn get(&self, t: TileId) -> Arc<CachedTile> {
        if let Some(hit) = self.get_cached(t) {
            return hit;
        }
        if !self.keeps(t) {
            return self.wrap(self.render(t));
        }
        let stored = self.store.as_ref().and_then(|s| s.load(t));
        let raw = stored.unwrap_or_else(|| {
            let raw = self.render(t);
            if let Some(s) = self.store.as_ref().filter(|_| !raw.is_empty()) {
                s.save(t, &raw);
            }
            raw
        });
        let tile = self.wrap(raw);
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

    fn render(&self, t: TileId) -> Vec<u8> {
        self.rendered
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.tiles.render(t)
    }

    /// Encoded bytes as a tile to send; every empty tile is the one shared value.
    fn wrap(&self, raw: Vec<u8>) -> Arc<CachedTile> {
        if raw.is_empty() {
            self.empty.clone()
        } else {
            Arc::new(CachedTile::new(raw))
        }
    }

    /// How many tiles are cached in memory.
    pub fn cached_len(&self) -> usize {
        self.map.read().map(|m| m.len()).unwrap_or(0)
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

    #[test]
    fn out_of_range_requests_are_answered_but_not_kept() {
        let shared = Arc::new(Mutex::new(HashMap::new()));
        let mut cache = TileCache::new(one_point(), usize::MAX);
        cache.set_store(Box::new(SharedStore(shared.clone())));
        // Pseudo-random tiles (a fixed linear congruential sequence): z22 anywhere, and low
        // zooms far from the one point at 9.52°E 47.14°N.
        let mut seed = 12345u64;
        let mut next = |m: u32| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % u64::from(m)) as u32
        };
        for _ in 0..500 {
            let z22 = TileId::new(22, next(1 << 22), next(1 << 22)).unwrap();
            let t = cache.get(z22);
            assert!(t.raw.is_empty());
        }
        // z17 over the point itself: data, answered, but beyond the style's max zoom.
        let deep = TileId::containing(9.52, 47.14, 17);
        assert!(!cache.get(deep).raw.is_empty());
        // z10 tiles in the southern hemisphere: inside the zoom range, outside the bounds.
        for _ in 0..100 {
            let far = TileId::new(10, next(1 << 10), 512 + next(512)).unwrap();
            assert!(cache.get(far).raw.is_empty());
        }
        assert_eq!(shared.lock().unwrap().len(), 0, "nothing stored");
        assert_eq!(cache.cached_len(), 0, "nothing kept in memory");
        assert!(!cache.keeps(deep));
        assert!(cache.keeps(TileId::containing(9.52, 47.14, 16)));
    }

    #[test]
    fn empty_tiles_are_never_stored_and_share_one_value() {
        let shared = Arc::new(Mutex::new(HashMap::new()));
        let mut cache = TileCache::new(one_point(), usize::MAX);
        cache.set_store(Box::new(SharedStore(shared.clone())));
        // At z16 the point's tile has data; the tile two to its east is inside the zoom range
        // but (a point's bounds being the point) outside the bounds; the z2 tile holding the
        // point has data too.
        let t = TileId::containing(9.52, 47.14, 16);
        assert!(!cache.get(t).raw.is_empty());
        let east = TileId::new(16, t.x + 2, t.y).unwrap();
        let a = cache.get(east);
        let b = cache.get(TileId::new(16, t.x, t.y + 2).unwrap());
        assert!(a.raw.is_empty() && Arc::ptr_eq(&a, &b));
        assert_eq!(
            a.etag,
            CachedTile::new(Vec::new()).etag,
            "the same bytes as before"
        );
        assert_eq!(shared.lock().unwrap().len(), 1, "only the tile with data");
    }

    #[test]
    fn an_empty_tile_inside_the_bounds_is_kept_in_memory_only() {
        // Two points 0.5° apart: the z16 tile halfway between them is inside the bounds, empty.
        let set = TileSet::new(vec![SourceLayer {
            name: "facilities".into(),
            features: [9.0, 9.5]
                .iter()
                .map(|&lon| SourceFeature {
                    id: Some(1),
                    geometry: geo_types::Geometry::Point(geo_types::Point::new(lon, 47.0)),
                    properties: vec![],
                    min_zoom: 0,
                })
                .collect(),
        }]);
        let shared = Arc::new(Mutex::new(HashMap::new()));
        let mut cache = TileCache::new(set, usize::MAX);
        cache.set_store(Box::new(SharedStore(shared.clone())));
        let mid = TileId::containing(9.25, 47.0, 16);
        assert!(cache.keeps(mid));
        assert!(cache.get(mid).raw.is_empty());
        assert_eq!(cache.rendered(), 1);
        cache.get(mid);
        assert_eq!(cache.rendered(), 1, "kept in memory");
        assert_eq!(shared.lock().unwrap().len(), 0, "not stored");
    }
}
