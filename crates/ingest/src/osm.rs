//! OpenStreetMap PBF import: facilities, neighbourhoods, buildings, walkable ways and the
//! basemap of one extract, read in four passes over the file (see below) into a [`City`].
//!
//! Passes (each in parallel over the file's blobs; in a sorted file each decodes only the
//! blobs of its kind): 1. relations of interest; 2. ways of interest, only to learn which nodes
//! they use; 3. the coordinates of exactly those nodes, into a compact node store (`nodes.rs`:
//! about 10 bytes per node, an id set of 2 bytes per id and the PBF's `i32` coordinates);
//! 4. the ways again, now built into geometries blob by blob, in id order. The big layers
//! (walkable ways and the basemap: roads, building footprints, landuse, water, places) go to
//! an [`OsmSink`] as they are built, a few blobs at a time, so that the caller can write them
//! out while the next blobs are built ([`read_osm_into`]); [`read_osm`] collects them into the
//! city instead. Then the relations (multipolygons, boundaries) and the tagged nodes.
//!
//! Memory: the node store, the relation member ways, the buildings (without their polygons,
//! which go to the basemap) and the smaller layers; a file whose ways are not stored in id order
//! is the exception, its ways of interest are held in memory and sorted as before.

mod admin;
mod buildings;
mod nodes;
mod rings;
pub mod tags;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use geo::Centroid;
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point};
use model::scenario::CandidateSite;
use model::{BasemapFeature, City, Facility, OsmId, TaggedNode, WalkWay};
use osmpbf::{Blob, BlobDecode, BlobReader, Element, PrimitiveBlock, RelMemberType};
use rayon::prelude::*;

use buildings::{BuildingRow, Names};
use nodes::{IdSet, NodeStore};
use tags::{Tags, tag};

/// Options of the OSM import.
#[derive(Debug, Clone, Default)]
pub struct OsmOptions {
    /// The `admin_level` of the neighbourhoods; `None` chooses the most detailed level that tiles the extract.
    pub admin_level: Option<u8>,
}

/// What the OSM import produced.
#[derive(Debug, Clone)]
pub struct OsmImport {
    /// The city (population empty: another step estimates it). From [`read_osm_into`] without
    /// the walkable ways and the basemap, which went to the sink.
    pub city: City,
    /// The admin level used for the neighbourhoods (`None` when there were none).
    pub admin_level: Option<u8>,
    /// Objects skipped and why, each naming the object (`r123: …`).
    pub warnings: Vec<String>,
    /// Areas where a new facility could go ([`tags::candidate_source`]), by OSM id.
    pub candidates: Vec<CandidateSite>,
}

/// What a sink refused a batch with (it ends the import).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// The next rows of the two big layers, in their final order: walkable ways by id, and basemap
/// features (from ways by id, then from relations by id, then places in file order).
#[derive(Debug, Default)]
pub struct Streamed {
    /// Walkable ways (and railways), continuing the previous batch.
    pub walk_ways: Vec<WalkWay>,
    /// Basemap features, continuing the previous batch.
    pub basemap: Vec<BasemapFeature>,
}

/// Takes the walkable ways and the basemap while the extract is read ([`read_osm_into`]):
/// called on the reading thread, in order, while the next blobs are built.
pub trait OsmSink {
    /// Takes the next rows; an error stops the import ([`OsmError::Sink`]). The sink may move
    /// them out of `batch`; what it leaves is freed by the import's worker threads, which
    /// allocated it (that keeps the freeing off the sink's thread).
    fn take(&mut self, batch: &mut Streamed) -> Result<(), SinkError>;
}

/// The sink that keeps everything in memory (what [`read_osm`] uses).
#[derive(Debug, Default)]
struct Collect(Streamed);

impl OsmSink for Collect {
    fn take(&mut self, batch: &mut Streamed) -> Result<(), SinkError> {
        self.0.walk_ways.append(&mut batch.walk_ways);
        self.0.basemap.append(&mut batch.basemap);
        Ok(())
    }
}

/// Hands `batch` to `sink`, then frees what it left on a worker thread.
fn deliver(sink: &mut dyn OsmSink, mut batch: Streamed) -> Result<(), OsmError> {
    let taken = sink.take(&mut batch);
    if !(batch.walk_ways.is_empty() && batch.basemap.is_empty()) {
        rayon::spawn(move || drop(batch));
    }
    taken.map_err(OsmError::Sink)
}

/// Errors reading a PBF file; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum OsmError {
    /// The file cannot be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{path}: the file is empty (expected an OpenStreetMap .osm.pbf extract)")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not PBF or is damaged (e.g. truncated).
    #[error("{path}: not a valid OpenStreetMap PBF file ({message})")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// The [`OsmSink`] refused a batch (its own error, e.g. a failed write).
    #[error(transparent)]
    Sink(SinkError),
}

/// Blob kind bit: the blob holds nodes.
const NODES: u8 = 1;
/// Blob kind bit: the blob holds ways.
const WAYS: u8 = 2;
/// Blob kind bit: the blob holds relations.
const RELATIONS: u8 = 4;

/// The element kinds in `block`.
fn kinds_of(block: &PrimitiveBlock) -> u8 {
    let mut kinds = 0;
    for g in block.groups() {
        if g.nodes().len() > 0 || g.dense_nodes().len() > 0 {
            kinds |= NODES;
        }
        if g.ways().len() > 0 {
            kinds |= WAYS;
        }
        if g.relations().len() > 0 {
            kinds |= RELATIONS;
        }
    }
    kinds
}

/// A relation kept from pass 1.
struct Rel {
    id: i64,
    tags: Tags,
    /// Member ways with `true` for role `inner`.
    ways: Vec<(i64, bool)>,
}

/// A way kept for building (tags filtered to [`tags::KEPT_KEYS`], empty for pure members).
struct Way {
    id: i64,
    refs: Vec<i64>,
    tags: Tags,
}

/// The ids of the ways one blob keeps (see [`kept_way`]), as pass 2 saw them.
#[derive(Debug, Clone, Copy)]
struct WayBlob {
    /// The blob's index in the file.
    index: usize,
    /// Where the blob starts in the file.
    offset: u64,
    /// The first and last id kept.
    first: i64,
    last: i64,
    /// Whether the ids kept strictly increase through the blob.
    increasing: bool,
}

/// Per-blob results, merged after each pass.
#[derive(Default)]
struct Part {
    /// The element kinds the blob holds ([`NODES`], [`WAYS`], [`RELATIONS`] bits).
    kinds: u8,
    /// Where the blob starts in the file.
    offset: Option<u64>,
    is_header: bool,
    header_ts: Option<i64>,
    newest_ms: i64,
    rels: Vec<Rel>,
    /// Pass 2: the nodes the kept ways use (sorted, without duplicates), and their ids.
    refs: Vec<i64>,
    way_ids: Option<(i64, i64, bool)>,
    /// Ways kept whole (only for a file whose ways are not in id order).
    ways: Vec<Way>,
    nodes: Vec<(i64, Coord<f64>, Tags)>,
}

type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

fn kept_tags<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    it.filter(|(k, _)| tags::KEPT_KEYS.contains(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn invalid(path: &Path) -> impl Fn(osmpbf::Error) -> OsmError + '_ {
    move |e| OsmError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The bounding box an extract's header states, WGS84 `[min lon, min lat, max lon, max lat]`
/// (`None` when the header has none or the file cannot be read: the caller then asks for
/// everything). Reads only the first blob.
pub fn header_bbox(path: &Path) -> Option<[f64; 4]> {
    let mut reader = BlobReader::from_path(path).ok()?;
    let blob = reader.next()?.ok()?;
    match blob.decode().ok()? {
        BlobDecode::OsmHeader(h) => {
            let b = h.bbox()?;
            let bbox = [b.left, b.top.min(b.bottom), b.right, b.top.max(b.bottom)];
            (bbox.iter().all(|v| v.is_finite()) && bbox[0] < bbox[2] && bbox[1] < bbox[3])
                .then_some(bbox)
        }
        _ => None,
    }
}

/// Decodes blob `i` and runs `f` on it if it holds data (`None` for other blobs). The decoder
/// panics on some damaged blocks (an unknown relation member type): that is a damaged file,
/// reported as such, not a crash of the import.
fn decode<T>(
    path: &Path,
    i: usize,
    blob: &Blob,
    header: impl FnOnce(&osmpbf::HeaderBlock) -> T,
    f: impl FnOnce(&PrimitiveBlock) -> T,
) -> Result<Option<T>, OsmError> {
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match blob.decode().map_err(invalid(path))? {
            BlobDecode::OsmHeader(h) => Ok(Some(header(&h))),
            BlobDecode::OsmData(block) => Ok(Some(f(&block))),
            BlobDecode::Unknown(_) => Ok(None),
        }
    }));
    decoded.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("the decoder failed");
        Err(OsmError::Invalid {
            path: path.to_path_buf(),
            message: format!("damaged block {i}: {what}"),
        })
    })
}

fn file_size(path: &Path) -> Result<u64, OsmError> {
    Ok(std::fs::metadata(path)
        .map_err(|source| OsmError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len())
}

/// Runs `f` over every data blob `wanted` by index, in parallel, reporting bytes read.
fn scan(
    path: &Path,
    phase: &str,
    progress: Progress,
    wanted: &(dyn Fn(usize) -> bool + Sync),
    f: &(dyn Fn(&PrimitiveBlock) -> Part + Sync),
) -> Result<Vec<(usize, Part)>, OsmError> {
    let total = file_size(path)?;
    let reader = BlobReader::seekable_from_path(path).map_err(invalid(path))?;
    let done = AtomicU64::new(0);
    progress(phase, 0, total);
    let mut parts: Vec<(usize, Part)> = reader
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| -> Result<Option<(usize, Part)>, OsmError> {
            let blob = blob.map_err(invalid(path))?;
            let offset = blob.offset().map(|o| o.0);
            if let Some(off) = offset {
                let seen = done.fetch_max(off, Ordering::Relaxed).max(off);
                progress(phase, seen, total);
            }
            if !wanted(i) {
                return Ok(None);
            }
            let part = decode(
                path,
                i,
                &blob,
                |h| Part {
                    is_header: true,
                    header_ts: h.osmosis_replication_timestamp(),
                    ..Part::default()
                },
                |block| Part {
                    kinds: kinds_of(block),
                    offset,
                    ..f(block)
                },
            )?;
            Ok(part.map(|p| (i, p)))
        })
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    // In file order, so that what is built from them does not depend on thread timing.
    parts.sort_unstable_by_key(|p| p.0);
    progress(phase, total, total);
    Ok(parts)
}

/// Pass 1: relations of interest.
fn relations_of(block: &PrimitiveBlock) -> Part {
    let mut part = Part::default();
    for group in block.groups() {
        for r in group.relations() {
            part.newest_ms = part.newest_ms.max(r.info().milli_timestamp().unwrap_or(0));
            let t = kept_tags(r.tags());
            let ty = tag(&t, "type");
            let area = ty == Some("multipolygon") && tags::is_area_of_interest(&t);
            let boundary =
                matches!(ty, Some("boundary" | "multipolygon")) && tags::admin_level(&t).is_some();
            let site = ty != Some("multipolygon") && tags::facility_kind(&t).is_some();
            if area || boundary || site {
                let ways = r
                    .members()
                    .filter(|m| m.member_type == RelMemberType::Way)
                    .map(|m| (m.member_id, m.role().is_ok_and(|r| r == "inner")))
                    .collect();
                part.rels.push(Rel {
                    id: r.id(),
                    tags: t,
                    ways,
                });
            }
        }
    }
    part
}

fn is_way_of_interest(t: &Tags) -> bool {
    tags::is_area_of_interest(t)
        || tags::is_walk_way(t)
        || tags::basemap_line(t).is_some()
        || tags::admin_level(t).is_some()
        || tags::facility_kind(t).is_some()
}

fn is_node_of_interest(t: &Tags) -> bool {
    tags::facility_kind(t).is_some() || tags::place(t).is_some() || tags::is_network_node(t)
}

/// The tags a way is kept with: its kept tags if it is of interest, none if it is only a
/// member of a relation of interest (`member_ways`, sorted), `None` if it is not kept.
fn kept_way(w: &osmpbf::Way, member_ways: &[i64]) -> Option<Tags> {
    let t = kept_tags(w.tags());
    if is_way_of_interest(&t) {
        Some(t)
    } else if member_ways.binary_search(&w.id()).is_ok() {
        Some(Vec::new())
    } else {
        None
    }
}

/// The kept ways of a block, in block order.
fn ways_of(block: &PrimitiveBlock, member_ways: &[i64]) -> Vec<Way> {
    let mut ways = Vec::new();
    for group in block.groups() {
        for w in group.ways() {
            if let Some(tags) = kept_way(&w, member_ways) {
                ways.push(Way {
                    id: w.id(),
                    refs: w.refs().collect(),
                    tags,
                });
            }
        }
    }
    ways
}

/// Pass 2 on one block: the nodes its kept ways use, the range of their ids, the newest time.
fn way_refs_of(block: &PrimitiveBlock, member_ways: &[i64]) -> Part {
    let mut part = Part::default();
    let mut ids: Option<(i64, i64, bool)> = None;
    for group in block.groups() {
        for w in group.ways() {
            part.newest_ms = part.newest_ms.max(w.info().milli_timestamp().unwrap_or(0));
            if kept_way(&w, member_ways).is_some() {
                let id = w.id();
                part.refs.extend(w.refs());
                ids = Some(match ids {
                    None => (id, id, true),
                    Some((first, last, up)) => (first, id, up && id > last),
                });
            }
        }
    }
    part.refs.sort_unstable();
    part.refs.dedup();
    part.refs.shrink_to_fit();
    part.way_ids = ids;
    part
}

/// The ids in several sorted lists, merged without duplicates. Each list is freed as soon as
/// it is copied, so at most about twice their size is held.
fn merge_sorted(lists: Vec<Vec<i64>>) -> IdSet {
    let mut all = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for list in lists {
        all.extend_from_slice(&list);
    }
    all.par_sort_unstable();
    all.dedup();
    IdSet::from_sorted(all)
}

/// Nodes with the tags the network reads (crossings, barriers): which of them lie on a
/// walkable way that was built (only those become [`TaggedNode`]s).
struct NetworkNodes {
    /// Their ids, sorted.
    ids: Vec<i64>,
    on_walk: Vec<AtomicBool>,
}

impl NetworkNodes {
    fn new(tagged: &[(i64, Coord<f64>, Tags)]) -> NetworkNodes {
        let mut ids: Vec<i64> = tagged
            .iter()
            .filter(|(_, _, t)| tags::is_network_node(t))
            .map(|n| n.0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let on_walk = ids.iter().map(|_| AtomicBool::new(false)).collect();
        NetworkNodes { ids, on_walk }
    }

    /// Marks the nodes of a built walkable way.
    fn mark(&self, refs: &[i64]) {
        if self.ids.is_empty() {
            return;
        }
        for r in refs {
            if let Ok(i) = self.ids.binary_search(r) {
                self.on_walk[i].store(true, Ordering::Relaxed);
            }
        }
    }

    fn on_walk(&self, id: i64) -> bool {
        self.ids
            .binary_search(&id)
            .is_ok_and(|i| self.on_walk[i].load(Ordering::Relaxed))
    }
}

/// What the first three passes over the file read.
struct Read {
    rels: Vec<Rel>,
    /// Member ways of the relations kept, sorted.
    member_ways: Vec<i64>,
    /// The blobs with kept ways, in file order.
    way_blobs: Vec<WayBlob>,
    /// The element kinds of every blob, by index.
    kinds: Vec<u8>,
    store: NodeStore,
    tagged: Vec<(i64, Coord<f64>, Tags)>,
    header_ts: Option<i64>,
    newest_ms: i64,
}

/// Whether every decoded blob held only the kinds `plan` predicted for it (always without a plan).
fn as_planned(parts: &[(usize, Part)], plan: Option<&[u8]>) -> bool {
    plan.is_none_or(|plan| {
        parts
            .iter()
            .all(|(i, p)| p.kinds & !plan.get(*i).copied().unwrap_or(0) == 0)
    })
}

/// Predicts the element kinds of every blob (by index; 0 for non-data blobs), assuming the file
/// is sorted nodes, then ways, then relations (as osmium and Geofabrik write them; a blob at a
/// boundary may hold two kinds): a binary search decodes only O(log n) blobs to find where ways
/// and relations start.
/// `None` when a probed blob is empty; the passes check every blob against the plan.
fn plan_sorted(path: &Path) -> Result<Option<Vec<u8>>, OsmError> {
    let invalid = |e: osmpbf::Error| OsmError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut reader = BlobReader::seekable_from_path(path).map_err(invalid)?;
    let mut blobs = Vec::new(); // (blob index, offset) of the data blobs
    let mut count = 0;
    while let Some(h) = reader.next_header_skip_blob() {
        let (header, offset) = h.map_err(invalid)?;
        if matches!(header.blob_type(), osmpbf::BlobType::OsmData)
            && let Some(offset) = offset
        {
            blobs.push((count, offset));
        }
        count += 1;
    }
    let mut probed = std::collections::HashMap::new();
    let mut kind = |j: usize| -> Result<u8, OsmError> {
        if let Some(&k) = probed.get(&j) {
            return Ok(k);
        }
        let blob = reader.blob_from_offset(blobs[j].1).map_err(invalid)?;
        let k = match blob.decode().map_err(invalid)? {
            BlobDecode::OsmData(block) => kinds_of(&block),
            _ => 0,
        };
        probed.insert(j, k);
        Ok(k)
    };
    // partition_point by hand, as the probe can fail; `None` for an empty block.
    let first = |kind: &mut dyn FnMut(usize) -> Result<u8, OsmError>,
                 before: u8|
     -> Result<Option<usize>, OsmError> {
        let (mut lo, mut hi) = (0, blobs.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = kind(mid)?;
            if k == 0 {
                return Ok(None);
            }
            if k & !before == 0 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(Some(lo))
    };
    // The first blob with ways or relations, and the first with relations.
    let Some(ways_from) = first(&mut kind, NODES)? else {
        return Ok(None);
    };
    let Some(rels_from) = first(&mut kind, NODES | WAYS)? else {
        return Ok(None);
    };
    // Blobs strictly between the boundaries hold one kind; the boundary blobs themselves may
    // mix kinds in separate groups (osmium does), so they get what the probe saw.
    let mut plan = vec![0; count];
    for (j, &(i, _)) in blobs.iter().enumerate() {
        plan[i] = if j < ways_from {
            NODES
        } else if j == ways_from || j == rels_from {
            kind(j)?
        } else if j < rels_from {
            WAYS
        } else {
            RELATIONS
        };
    }
    Ok(Some(plan))
}

/// Reads the file in three passes (relations, ways, nodes). With a `plan` (see [`plan_sorted`])
/// each pass decodes only the blobs of its kind, so every blob is decoded once; `Ok(None)` when
/// a blob turns out to hold other kinds than planned. Without a plan, pass 1 decodes every blob.
fn read_passes(
    path: &Path,
    progress: Progress,
    plan: Option<&[u8]>,
) -> Result<Option<Read>, OsmError> {
    // Pass 1: relations, blob kinds, header. With a plan, only the relation (and header) blobs.
    let planned = |i: usize| plan.map(|p| p.get(i).copied().unwrap_or(0));
    let parts = scan(
        path,
        "reading relations",
        progress,
        &|i| planned(i).is_none_or(|k| k == 0 || k & RELATIONS != 0),
        &relations_of,
    )?;
    if !as_planned(&parts, plan) {
        return Ok(None);
    }
    let mut kinds = plan.map(<[u8]>::to_vec).unwrap_or_default();
    let mut rels = Vec::new();
    let mut header_ts = None;
    let mut newest_ms = 0;
    let mut saw_header = false;
    for (i, p) in parts {
        if plan.is_none() {
            if i >= kinds.len() {
                kinds.resize(i + 1, 0);
            }
            kinds[i] = p.kinds;
        }
        saw_header |= p.is_header;
        header_ts = header_ts.or(p.header_ts);
        newest_ms = newest_ms.max(p.newest_ms);
        rels.extend(p.rels);
    }
    if !saw_header {
        return Err(OsmError::Invalid {
            path: path.to_path_buf(),
            message: "no OSMHeader block".into(),
        });
    }
    rels.sort_unstable_by_key(|r| r.id);
    let mut member_ways: Vec<i64> = rels
        .iter()
        .flat_map(|r| r.ways.iter().map(|w| w.0))
        .collect();
    member_ways.sort_unstable();
    member_ways.dedup();

    // Pass 2: the nodes used by the ways of interest and the member ways.
    let parts = scan(
        path,
        "reading ways",
        progress,
        &|i| kinds.get(i).is_some_and(|k| k & WAYS != 0),
        &|block| way_refs_of(block, &member_ways),
    )?;
    if !as_planned(&parts, plan) {
        return Ok(None);
    }
    let mut way_blobs = Vec::new();
    let mut refs = Vec::with_capacity(parts.len());
    for (index, p) in parts {
        newest_ms = newest_ms.max(p.newest_ms);
        if let (Some((first, last, increasing)), Some(offset)) = (p.way_ids, p.offset) {
            way_blobs.push(WayBlob {
                index,
                offset,
                first,
                last,
                increasing,
            });
        }
        refs.push(p.refs);
    }
    let store = NodeStore::new(merge_sorted(refs));
    tracing::debug!(
        "node store: {} nodes, {} MB",
        store.ids().len(),
        store.heap_bytes() / 1_000_000
    );

    // Pass 3: node coordinates (into the store) and tagged nodes.
    let parts = scan(
        path,
        "reading nodes",
        progress,
        &|i| kinds.get(i).is_some_and(|k| k & NODES != 0),
        &|block| {
            let mut part = Part::default();
            let mut cursor = None;
            let mut visit = |id: i64, lat: i32, lon: i32, ms: i64, t: Tags| {
                part.newest_ms = part.newest_ms.max(ms);
                if let Some(rank) = store.ids().rank_from(&mut cursor, id) {
                    store.set(rank, lat, lon);
                }
                if !t.is_empty() && is_node_of_interest(&t) {
                    let c = Coord {
                        x: f64::from(lon) * 1e-7,
                        y: f64::from(lat) * 1e-7,
                    };
                    part.nodes.push((id, c, t));
                }
            };
            block.for_each_element(|e| match e {
                Element::DenseNode(n) => visit(
                    n.id(),
                    n.decimicro_lat(),
                    n.decimicro_lon(),
                    n.info().map_or(0, |i| i.milli_timestamp()),
                    kept_tags(n.tags()),
                ),
                Element::Node(n) => visit(
                    n.id(),
                    n.decimicro_lat(),
                    n.decimicro_lon(),
                    n.info().milli_timestamp().unwrap_or(0),
                    kept_tags(n.tags()),
                ),
                _ => {}
            });
            part
        },
    )?;
    if !as_planned(&parts, plan) {
        return Ok(None);
    }
    let mut tagged: Vec<(i64, Coord<f64>, Tags)> = Vec::new();
    for (_, p) in parts {
        newest_ms = newest_ms.max(p.newest_ms);
        tagged.extend(p.nodes);
    }
    Ok(Some(Read {
        rels,
        member_ways,
        way_blobs,
        kinds,
        store,
        tagged,
        header_ts,
        newest_ms,
    }))
}

/// What building the ways needs from the first passes.
struct Context<'a> {
    store: &'a NodeStore,
    /// Member ways of the relations kept, sorted.
    member_ways: &'a [i64],
    network: &'a NetworkNodes,
    names: &'a Names,
}

/// Blobs (or chunks of ways) built at a time per thread and handed to the sink together.
const WINDOW_PER_THREAD: usize = 1;
/// Ways per chunk when a file's ways are sorted in memory.
const CHUNK: usize = 8000;

/// Runs `produce` on a thread of its own and `consume` on this one, one item ahead: the sink
/// writes a batch while the next is built, and no more than that one waits (a rendezvous
/// channel), which bounds the memory in flight. Stops at the first error of either.
fn pipeline<T: Send>(
    mut produce: impl FnMut() -> Option<Result<T, OsmError>> + Send,
    mut consume: impl FnMut(T) -> Result<(), OsmError>,
) -> Result<(), OsmError> {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<T, OsmError>>(0);
        s.spawn(move || {
            while let Some(item) = produce() {
                let failed = item.is_err();
                // A closed channel: the consumer stopped (its error is returned).
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        let mut result = Ok(());
        for item in rx.iter() {
            if let Err(e) = item.and_then(&mut consume) {
                result = Err(e);
                break;
            }
        }
        drop(rx);
        result
    })
}

/// The blobs with kept ways ordered by their first id, and whether reading them in that order
/// gives every kept way in strictly increasing id order.
fn in_id_order(way_blobs: &[WayBlob]) -> (Vec<WayBlob>, bool) {
    let mut blobs = way_blobs.to_vec();
    blobs.sort_by_key(|b| (b.first, b.index));
    let in_order =
        blobs.iter().all(|b| b.increasing) && blobs.windows(2).all(|w| w[0].last < w[1].first);
    (blobs, in_order)
}

/// Pass 4: builds the kept ways in id order, a window of blobs at a time (in parallel), and
/// hands their walkable ways and basemap features to `sink` in order; the rest goes to `out`.
/// A file whose blobs do not hold the ways in id order (blobs may come in any order, as long
/// as their id ranges do not overlap) has its kept ways read whole and sorted in memory.
fn stream_ways(
    path: &Path,
    read: &Read,
    cx: &Context,
    progress: Progress,
    sink: &mut dyn OsmSink,
    out: &mut Build,
) -> Result<(), OsmError> {
    let window = rayon::current_num_threads().max(1) * WINDOW_PER_THREAD;
    let (blobs, in_order) = in_id_order(&read.way_blobs);
    let mut consume = |built: Vec<Build>| -> Result<(), OsmError> {
        for mut b in built {
            let batch = Streamed {
                walk_ways: std::mem::take(&mut b.walk_ways),
                basemap: std::mem::take(&mut b.basemap),
            };
            deliver(sink, batch)?;
            out.merge(b);
        }
        Ok(())
    };
    let phase = "building ways";
    if in_order {
        let total = file_size(path)?;
        progress(phase, 0, total);
        let mut reader = BlobReader::seekable_from_path(path).map_err(invalid(path))?;
        let mut windows = blobs.chunks(window);
        let mut done = 0;
        pipeline(
            || {
                let w = windows.next()?;
                let mut read_blobs = || -> Result<Vec<Build>, OsmError> {
                    let raw = w
                        .iter()
                        .map(|b| reader.blob_from_offset(osmpbf::ByteOffset(b.offset)))
                        .collect::<Result<Vec<Blob>, _>>()
                        .map_err(invalid(path))?;
                    let built = raw
                        .par_iter()
                        .zip(w)
                        .map(|(blob, b)| {
                            let ways = decode(
                                path,
                                b.index,
                                blob,
                                |_| Vec::new(),
                                |block| ways_of(block, cx.member_ways),
                            )?;
                            Ok(build_ways(&ways.unwrap_or_default(), cx))
                        })
                        .collect::<Result<Vec<Build>, OsmError>>()?;
                    done = w.iter().map(|b| b.offset).fold(done, u64::max);
                    progress(phase, done, total);
                    Ok(built)
                };
                Some(read_blobs())
            },
            &mut consume,
        )?;
        progress(phase, total, total);
        return Ok(());
    }
    tracing::info!("the ways of the extract are not stored in id order: sorting them in memory");
    let parts = scan(
        path,
        "reading ways",
        progress,
        &|i| read.kinds.get(i).is_some_and(|k| k & WAYS != 0),
        &|block| Part {
            ways: ways_of(block, cx.member_ways),
            ..Part::default()
        },
    )?;
    let mut ways: Vec<Way> = Vec::new();
    for (_, p) in parts {
        ways.extend(p.ways);
    }
    ways.sort_unstable_by_key(|w| w.id);
    let total = ways.len() as u64;
    progress(phase, 0, total);
    let mut windows = ways.chunks(CHUNK * window);
    let mut done = 0;
    pipeline(
        || {
            let w = windows.next()?;
            let built = w.par_chunks(CHUNK).map(|c| build_ways(c, cx)).collect();
            done += w.len() as u64;
            progress(phase, done, total);
            Some(Ok(built))
        },
        &mut consume,
    )?;
    Ok(())
}

/// Reads `path` into a city (see the module docs). `progress(phase, done, total)` is called
/// from several threads with bytes read.
pub fn read_osm(path: &Path, opts: &OsmOptions, progress: Progress) -> Result<OsmImport, OsmError> {
    let mut collect = Collect::default();
    let mut import = read_osm_into(path, opts, progress, &mut collect)?;
    import.city.walk_ways = collect.0.walk_ways;
    import.city.basemap = collect.0.basemap;
    Ok(import)
}

/// [`read_osm`], handing the walkable ways and the basemap to `sink` as they are built (in
/// their final order, see [`Streamed`]) instead of keeping them: the city returned lacks them.
/// Nothing goes to the sink before the file has been read through once and found sound, so
/// a damaged or unsorted file is found before anything is written.
pub fn read_osm_into(
    path: &Path,
    opts: &OsmOptions,
    progress: Progress,
    sink: &mut dyn OsmSink,
) -> Result<OsmImport, OsmError> {
    if file_size(path)? == 0 {
        return Err(OsmError::Empty {
            path: path.to_path_buf(),
        });
    }
    let plan = plan_sorted(path)?;
    let read = match read_passes(path, progress, plan.as_deref())? {
        Some(read) => read,
        // The file is not sorted as the plan assumed: read it again, learning every blob's kinds.
        None => read_passes(path, progress, None)?.ok_or_else(|| OsmError::Invalid {
            path: path.to_path_buf(),
            message: "blob kinds changed between passes".into(),
        })?,
    };
    let network = NetworkNodes::new(&read.tagged);
    let names = Names::default();
    let mut b = Build::default();
    {
        let cx = Context {
            store: &read.store,
            member_ways: &read.member_ways,
            network: &network,
            names: &names,
        };
        stream_ways(path, &read, &cx, progress, sink, &mut b)?;
    }
    let Read {
        rels,
        store,
        tagged,
        header_ts,
        newest_ms,
        ..
    } = read;
    let mut members = std::mem::take(&mut b.members);
    members.sort_by_key(|m| m.0);
    let mut from_relations = build_from_relations(&rels, &members, &store, &names);
    drop((members, store, rels));
    // The basemap features of relations, then of nodes, go to the sink like the ways'.
    let basemap_only = |basemap| Streamed {
        walk_ways: Vec::new(),
        basemap,
    };
    deliver(
        sink,
        basemap_only(std::mem::take(&mut from_relations.basemap)),
    )?;
    b.merge(from_relations);
    build_from_nodes(tagged, &network, &mut b);
    deliver(sink, basemap_only(std::mem::take(&mut b.basemap)))?;

    let (neighbourhoods, level, admin_warnings) = admin::choose(b.boundaries, opts.admin_level);
    b.warnings.extend(admin_warnings);
    match level {
        Some(l) => tracing::info!("neighbourhoods: admin_level {l}"),
        None => tracing::info!("neighbourhoods: none"),
    }
    mark_residential(&mut b.buildings, &b.residential);
    drop(b.residential);
    b.buildings.sort_by_key(BuildingRow::osm_id);
    let values = names.into_values();
    let buildings = b
        .buildings
        .into_iter()
        .map(|r| r.to_building(&values))
        .collect();

    let mut city = City {
        facilities: b.facilities,
        neighbourhoods,
        buildings,
        population: Vec::new(),
        walk_ways: Vec::new(),
        tagged_nodes: b.tagged_nodes,
        basemap: Vec::new(),
        metadata: Vec::new(),
        sources: Vec::new(),
        social: Vec::new(),
    };
    city.facilities.sort_by_key(|f| f.osm_id);
    city.tagged_nodes.sort_by_key(|n| n.id);
    let timestamp = header_ts
        .map(|s| s.saturating_mul(1000))
        .or((newest_ms > 0).then_some(newest_ms));
    city.metadata = metadata(path, timestamp, level);
    b.candidates.sort_by_key(|c| c.0);
    Ok(OsmImport {
        city,
        admin_level: level,
        warnings: b.warnings,
        candidates: b.candidates.into_iter().map(|c| c.1).collect(),
    })
}

fn rfc3339_ms(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

fn metadata(path: &Path, ts_ms: Option<i64>, level: Option<u8>) -> Vec<(String, String)> {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut m = vec![(
        "source_file".to_string(),
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    )];
    if let Some(ts) = ts_ms {
        m.push(("source_timestamp".into(), rfc3339_ms(ts)));
    }
    if let Some(l) = level {
        m.push(("admin_level".into(), l.to_string()));
    }
    m.push(("imported_at".into(), now));
    m
}

/// Everything built so far.
#[derive(Default)]
struct Build {
    facilities: Vec<Facility>,
    buildings: Vec<BuildingRow>,
    walk_ways: Vec<WalkWay>,
    tagged_nodes: Vec<TaggedNode>,
    basemap: Vec<BasemapFeature>,
    residential: Vec<MultiPolygon<f64>>,
    boundaries: Vec<admin::Candidate>,
    candidates: Vec<(OsmId, CandidateSite)>,
    warnings: Vec<String>,
    /// Member ways of the relations kept: id and nodes.
    members: Vec<(i64, Vec<i64>)>,
}

impl Build {
    fn merge(&mut self, o: Build) {
        self.facilities.extend(o.facilities);
        self.buildings.extend(o.buildings);
        self.walk_ways.extend(o.walk_ways);
        self.tagged_nodes.extend(o.tagged_nodes);
        self.basemap.extend(o.basemap);
        self.residential.extend(o.residential);
        self.boundaries.extend(o.boundaries);
        self.candidates.extend(o.candidates);
        self.warnings.extend(o.warnings);
        self.members.extend(o.members);
    }

    /// Adds what an area (closed way or multipolygon) with tags `t` makes. The area on the ellipsoid is
    /// computed only for facilities, buildings and candidate sites (not for landuse or water).
    fn area(&mut self, id: OsmId, t: &Tags, mut mp: MultiPolygon<f64>, names: &Names) {
        let facility = tags::facility_kind(t);
        let building = tags::building(t);
        let candidate = tags::candidate_source(t);
        let area = (facility.is_some() || building.is_some() || candidate.is_some())
            .then(|| model::geodesy::multipolygon_area_m2(&mp));
        if let Some(source) = candidate {
            self.candidates.push((
                id,
                CandidateSite {
                    id: id.to_string(),
                    source,
                    name: tag(t, "name").map(str::to_string),
                    geometry: Geometry::MultiPolygon(mp.clone()),
                    area_m2: area.unwrap_or(0.0),
                },
            ));
        }
        if let Some(kind) = facility {
            self.facilities.push(Facility {
                osm_id: id,
                kind,
                name: tag(t, "name").map(str::to_string),
                access: tag(t, "access").map(str::to_string),
                geometry: Geometry::MultiPolygon(mp.clone()),
                area_m2: area,
                opening_hours: tag(t, "opening_hours").map(str::to_string),
            });
        }
        let residential = tag(t, "landuse") == Some("residential");
        let basemap_area = tags::basemap_area(t);
        if let Some(bv) = building {
            if let Some(centre) = mp.centroid() {
                self.buildings.extend(BuildingRow::new(
                    id,
                    names.intern(bv),
                    tags::levels(t),
                    area.unwrap_or(0.0),
                    centre,
                ));
            }
            // The polygon itself goes along unless a later layer still needs it.
            let geometry = if residential || basemap_area.is_some() {
                mp.clone()
            } else {
                std::mem::replace(&mut mp, MultiPolygon(Vec::new()))
            };
            self.basemap.push(BasemapFeature {
                layer: "buildings".into(),
                class: "building".into(),
                name: None,
                geometry: Geometry::MultiPolygon(geometry),
            });
        }
        if residential {
            self.residential.push(mp.clone());
        }
        if let Some((layer, class)) = basemap_area {
            self.basemap.push(BasemapFeature {
                layer: layer.into(),
                class,
                name: tag(t, "name").map(str::to_string),
                geometry: Geometry::MultiPolygon(mp),
            });
        }
    }

    fn skip_facility(&mut self, id: OsmId, t: &Tags, why: &str) {
        if let Some(kind) = tags::facility_kind(t) {
            self.warnings.push(format!("{id}: {kind} {why}, skipped"));
        }
    }
}

fn closed(refs: &[i64]) -> bool {
    refs.len() >= 4 && refs.first() == refs.last()
}

/// Builds `ways` (sorted by id), in parallel; what they make comes in their order.
fn build_ways(ways: &[Way], cx: &Context) -> Build {
    ways.par_iter()
        .fold(Build::default, |mut b, w| {
            if cx.member_ways.binary_search(&w.id).is_ok() {
                b.members.push((w.id, w.refs.clone()));
            }
            if w.tags.is_empty() {
                return b;
            }
            let id = OsmId::Way(w.id);
            let mut line = match cx.store.line(&w.refs) {
                Ok(l) => l,
                Err(missing) => {
                    b.skip_facility(id, &w.tags, &format!("way lacks node n{missing}"));
                    if let Some(level) = tags::admin_level(&w.tags) {
                        b.boundaries.push(admin::Candidate::failed(
                            id,
                            level,
                            &w.tags,
                            format!("lacks node n{missing} (cut at the extract's edge)"),
                        ));
                    }
                    if tags::is_walk_way(&w.tags) {
                        b.warnings.push(format!(
                            "{id}: way lacks node n{missing}, left out of the walking network"
                        ));
                    }
                    return b;
                }
            };
            let is_closed = closed(&w.refs);
            let walk = tags::is_walk_way(&w.tags);
            let basemap_line = tags::basemap_line(&w.tags);
            // Each use but the last gets a copy of the line.
            let mut use_line = |more: bool| {
                if more {
                    line.clone()
                } else {
                    std::mem::take(&mut line)
                }
            };
            let area = if is_closed {
                rings::multipolygon(vec![use_line(walk || basemap_line.is_some())], vec![]).ok()
            } else {
                b.skip_facility(id, &w.tags, "way is not closed");
                None
            };
            if let Some(mp) = area {
                if let Some(level) = tags::admin_level(&w.tags) {
                    b.boundaries
                        .push(admin::Candidate::built(id, level, &w.tags, mp.clone()));
                }
                if tags::is_area_of_interest(&w.tags) {
                    b.area(id, &w.tags, mp, cx.names);
                }
            }
            if walk {
                cx.network.mark(&w.refs);
                b.walk_ways.push(WalkWay {
                    id: w.id,
                    nodes: w.refs.clone(),
                    coords: use_line(basemap_line.is_some()),
                    tags: tags::only(&w.tags, tags::WALK_KEYS),
                });
            }
            if let Some((layer, class)) = basemap_line {
                b.basemap.push(BasemapFeature {
                    layer: layer.into(),
                    class,
                    name: tag(&w.tags, "name").map(str::to_string),
                    geometry: Geometry::LineString(LineString(use_line(false))),
                });
            }
            b
        })
        .reduce(Build::default, |mut a, b| {
            a.merge(b);
            a
        })
}

/// Assembles a relation's rings; `Err` says why it cannot be done.
fn relation_polygon(
    r: &Rel,
    members: &[(i64, Vec<i64>)],
    store: &NodeStore,
) -> Result<MultiPolygon<f64>, String> {
    let mut outer: Vec<&[i64]> = Vec::new();
    let mut inner: Vec<&[i64]> = Vec::new();
    for &(wid, is_inner) in &r.ways {
        let Ok(i) = members.binary_search_by_key(&wid, |w| w.0) else {
            return Err(format!("member way w{wid} is missing from the extract"));
        };
        let refs = members[i].1.as_slice();
        if let Err(missing) = store.line(refs) {
            return Err(format!("member way w{wid} lacks node n{missing}"));
        }
        if is_inner { &mut inner } else { &mut outer }.push(refs);
    }
    let to_coords = |rings: Vec<Vec<i64>>| -> Result<Vec<Vec<Coord<f64>>>, String> {
        rings
            .iter()
            .map(|r| store.line(r).map_err(|n| format!("node n{n} is missing")))
            .collect()
    };
    let outer = rings::join_rings(&outer).map_err(|e| format!("multipolygon {e}"))?;
    let inner = rings::join_rings(&inner).map_err(|e| format!("multipolygon inner {e}"))?;
    rings::multipolygon(to_coords(outer)?, to_coords(inner)?)
        .map_err(|e| format!("multipolygon has {e}"))
}

fn build_from_relations(
    rels: &[Rel],
    members: &[(i64, Vec<i64>)],
    store: &NodeStore,
    names: &Names,
) -> Build {
    rels.par_iter()
        .fold(Build::default, |mut b, r| {
            let id = OsmId::Relation(r.id);
            if tag(&r.tags, "type") != Some("multipolygon") && tags::admin_level(&r.tags).is_none()
            {
                b.skip_facility(
                    id,
                    &r.tags,
                    &format!(
                        "relation of type={} is not a facility",
                        tag(&r.tags, "type").unwrap_or("(none)")
                    ),
                );
                return b;
            }
            match relation_polygon(r, members, store) {
                Ok(mp) => {
                    if let Some(level) = tags::admin_level(&r.tags) {
                        b.boundaries
                            .push(admin::Candidate::built(id, level, &r.tags, mp.clone()));
                    }
                    if tag(&r.tags, "type") == Some("multipolygon") {
                        b.area(id, &r.tags, mp, names);
                    }
                }
                Err(why) => {
                    if let Some(level) = tags::admin_level(&r.tags) {
                        b.boundaries.push(admin::Candidate::failed(
                            id,
                            level,
                            &r.tags,
                            why.clone(),
                        ));
                    }
                    b.skip_facility(id, &r.tags, &why);
                }
            }
            b
        })
        .reduce(Build::default, |mut a, b| {
            a.merge(b);
            a
        })
}

/// Facilities, places and the tagged nodes on walkable ways from the nodes of interest.
fn build_from_nodes(nodes: Vec<(i64, Coord<f64>, Tags)>, network: &NetworkNodes, out: &mut Build) {
    for (id, c, t) in nodes {
        if let Some(kind) = tags::facility_kind(&t) {
            out.facilities.push(Facility {
                osm_id: OsmId::Node(id),
                kind,
                name: tag(&t, "name").map(str::to_string),
                access: tag(&t, "access").map(str::to_string),
                geometry: Geometry::Point(Point(c)),
                area_m2: None,
                opening_hours: tag(&t, "opening_hours").map(str::to_string),
            });
        }
        if let Some(p) = tags::place(&t) {
            out.basemap.push(BasemapFeature {
                layer: "places".into(),
                class: p.into(),
                name: tag(&t, "name").map(str::to_string),
                geometry: Geometry::Point(Point(c)),
            });
        }
        if tags::is_network_node(&t) && network.on_walk(id) {
            out.tagged_nodes.push(TaggedNode {
                id,
                coord: c,
                tags: tags::only(&t, tags::NODE_KEYS),
            });
        }
    }
}

/// Sets `in_residential_landuse` for buildings whose centre lies in a `landuse=residential` area.
fn mark_residential(buildings: &mut [BuildingRow], residential: &[MultiPolygon<f64>]) {
    let locator = model::index::AreaLocator::new(residential);
    buildings.par_iter_mut().for_each(|b| {
        b.in_residential_landuse = locator.locate(b.centre).is_some();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo extract with its data blobs in reverse order (relations, ways, nodes): not
    /// sorted, so the plan must be rejected and the full three passes give the same city.
    #[test]
    fn unsorted_files_read_the_same_as_sorted_ones() {
        let demo =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/liechtenstein-2015.osm.pbf");
        let bytes = std::fs::read(&demo).unwrap();
        let mut reader = BlobReader::seekable_from_path(&demo).unwrap();
        let mut starts = Vec::new();
        while let Some(h) = reader.next_header_skip_blob() {
            starts.push(h.unwrap().1.unwrap().0 as usize);
        }
        starts.push(bytes.len());
        let blobs: Vec<&[u8]> = starts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
        assert!(blobs.len() > 3, "the demo has several data blobs");
        let mut reordered = blobs[0].to_vec(); // the OSMHeader stays first
        for b in blobs[1..].iter().rev() {
            reordered.extend_from_slice(b);
        }
        let dir = tempfile::tempdir().unwrap();
        let unsorted = dir.path().join("reversed.osm.pbf");
        std::fs::write(&unsorted, reordered).unwrap();

        assert!(
            plan_sorted(&demo).unwrap().is_some(),
            "osmium writes sorted files"
        );
        // Blobs in any order still stream: their id ranges do not overlap.
        assert!(streams_in_id_order(&unsorted));
        let read = |p: &Path| read_osm(p, &OsmOptions::default(), &|_, _, _| {}).unwrap();
        let (a, b) = (read(&demo), read(&unsorted));
        assert_eq!(a.city.facilities, b.city.facilities);
        assert_eq!(a.city.neighbourhoods, b.city.neighbourhoods);
        assert_eq!(a.city.buildings, b.city.buildings);
        assert_eq!(a.city.walk_ways, b.city.walk_ways);
        assert_eq!(a.city.tagged_nodes, b.city.tagged_nodes);
        assert_eq!(a.candidates, b.candidates);
        // Places come in file order; everything else in the same order.
        let sorted = |c: &City| {
            let mut v: Vec<String> = c.basemap.iter().map(|f| format!("{f:?}")).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&a.city), sorted(&b.city));
        assert_eq!(a.warnings.len(), b.warnings.len());
        assert!(!a.city.buildings.is_empty() && !a.city.facilities.is_empty());
    }

    fn demo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/liechtenstein-2015.osm.pbf")
    }

    fn quiet(_: &str, _: u64, _: u64) {}

    /// Whether pass 4 can read the ways of `path` blob by blob in id order.
    fn streams_in_id_order(path: &Path) -> bool {
        let plan = plan_sorted(path).unwrap();
        let read = match read_passes(path, &quiet, plan.as_deref()).unwrap() {
            Some(r) => r,
            None => read_passes(path, &quiet, None).unwrap().unwrap(),
        };
        assert!(!read.way_blobs.is_empty());
        in_id_order(&read.way_blobs).1
    }

    /// The demo written by osmium with its ways in reverse id order (nodes and relations as
    /// they were): no blob holds its ways in id order, so pass 4 reads them whole and sorts
    /// them, and the city is the same, row for row and in the same order.
    #[test]
    fn ways_out_of_id_order_are_sorted_and_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let opl = dir.path().join("demo.opl");
        let osmium = |args: &[&str]| {
            let out = std::process::Command::new("osmium")
                .args(args)
                .output()
                .expect("osmium (Debian package osmium-tool) runs: .ci/run installs it");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        osmium(&[
            "cat",
            demo().to_str().unwrap(),
            "-f",
            "opl",
            "-o",
            opl.to_str().unwrap(),
        ]);
        let text = std::fs::read_to_string(&opl).unwrap();
        let of = |kind: char| text.lines().filter(move |l| l.starts_with(kind));
        let mut reordered: Vec<&str> = of('n').collect();
        let ways: Vec<&str> = of('w').collect();
        assert!(ways.len() > 1000, "the demo has many ways");
        reordered.extend(ways.iter().rev());
        reordered.extend(of('r'));
        let unsorted_opl = dir.path().join("ways-reversed.opl");
        std::fs::write(&unsorted_opl, reordered.join("\n") + "\n").unwrap();
        let unsorted = dir.path().join("ways-reversed.osm.pbf");
        osmium(&[
            "cat",
            unsorted_opl.to_str().unwrap(),
            "-o",
            unsorted.to_str().unwrap(),
        ]);

        assert!(streams_in_id_order(&demo()));
        assert!(!streams_in_id_order(&unsorted));
        let read = |p: &Path| read_osm(p, &OsmOptions::default(), &quiet).unwrap();
        let (a, b) = (read(&demo()), read(&unsorted));
        assert_eq!(a.city.facilities, b.city.facilities);
        assert_eq!(a.city.neighbourhoods, b.city.neighbourhoods);
        assert_eq!(a.city.buildings, b.city.buildings);
        assert_eq!(a.city.walk_ways, b.city.walk_ways);
        assert_eq!(a.city.tagged_nodes, b.city.tagged_nodes);
        assert_eq!(a.city.basemap, b.city.basemap);
        assert_eq!(a.candidates, b.candidates);
        assert_eq!(a.warnings, b.warnings);
        assert!(!a.city.walk_ways.is_empty() && !a.city.basemap.is_empty());
    }

    /// Records what it is given; fails at batch `fail_at` if set.
    #[derive(Default)]
    struct Recorder {
        batches: usize,
        got: Streamed,
        fail_at: Option<usize>,
    }

    impl OsmSink for Recorder {
        fn take(&mut self, batch: &mut Streamed) -> Result<(), SinkError> {
            self.batches += 1;
            if Some(self.batches) == self.fail_at {
                return Err("the disk is full".into());
            }
            // Takes only the basemap, leaving the walkable ways to be freed by the reader.
            self.got.walk_ways.extend(batch.walk_ways.iter().cloned());
            self.got.basemap.append(&mut batch.basemap);
            Ok(())
        }
    }

    #[test]
    fn the_sink_gets_the_big_layers_in_order_and_can_stop_the_import() {
        let whole = read_osm(&demo(), &OsmOptions::default(), &quiet).unwrap();
        let mut sink = Recorder::default();
        let streamed = read_osm_into(&demo(), &OsmOptions::default(), &quiet, &mut sink).unwrap();
        // In several batches, together the layers read_osm keeps, in the same order.
        assert!(sink.batches > 2, "{} batches", sink.batches);
        assert_eq!(sink.got.walk_ways, whole.city.walk_ways);
        assert_eq!(sink.got.basemap, whole.city.basemap);
        assert!(streamed.city.walk_ways.is_empty() && streamed.city.basemap.is_empty());
        assert_eq!(streamed.city.buildings, whole.city.buildings);
        assert_eq!(streamed.city.facilities, whole.city.facilities);
        assert_eq!(streamed.warnings, whole.warnings);

        let mut failing = Recorder {
            fail_at: Some(2),
            ..Recorder::default()
        };
        let err = read_osm_into(&demo(), &OsmOptions::default(), &quiet, &mut failing).unwrap_err();
        assert!(
            matches!(&err, OsmError::Sink(e) if e.to_string() == "the disk is full"),
            "{err}"
        );
        assert_eq!(failing.batches, 2, "the import stops at the refused batch");
    }
}
