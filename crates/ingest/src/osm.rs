//! OpenStreetMap PBF import: facilities, neighbourhoods, buildings, walkable ways and the
//! basemap of one extract, read in three parallel passes (relations, ways, nodes) into a [`City`];
//! in a sorted file each pass decodes only the blobs of its kind.
//!
//! Memory grows with what is kept: relations and ways of interest with a few tags, and the
//! coordinates of only the nodes those ways use (a sorted `(id, lat, lon)` vector).

mod admin;
mod rings;
pub mod tags;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use geo::Centroid;
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point};
use model::scenario::CandidateSite;
use model::{BasemapFeature, Building, City, Facility, OsmId, TaggedNode, WalkWay};
use osmpbf::{BlobDecode, BlobReader, Element, PrimitiveBlock, RelMemberType};
use rayon::prelude::*;

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
    /// The city (population empty: another step estimates it).
    pub city: City,
    /// The admin level used for the neighbourhoods (`None` when there were none).
    pub admin_level: Option<u8>,
    /// Objects skipped and why, each naming the object (`r123: …`).
    pub warnings: Vec<String>,
    /// Areas where a new facility could go ([`tags::candidate_source`]), by OSM id.
    pub candidates: Vec<CandidateSite>,
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

/// A way kept from pass 2 (tags filtered to [`tags::KEPT_KEYS`], empty for pure members).
struct Way {
    id: i64,
    refs: Vec<i64>,
    tags: Tags,
}

/// Per-blob results, merged after each pass.
#[derive(Default)]
struct Part {
    /// The element kinds the blob holds ([`NODES`], [`WAYS`], [`RELATIONS`] bits).
    kinds: u8,
    is_header: bool,
    header_ts: Option<i64>,
    newest_ms: i64,
    rels: Vec<Rel>,
    ways: Vec<Way>,
    coords: Vec<(i64, i32, i32)>,
    nodes: Vec<(i64, Coord<f64>, Tags)>,
}

type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

fn kept_tags<'a>(it: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    it.filter(|(k, _)| tags::KEPT_KEYS.contains(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs `f` over every data blob `wanted` by index, in parallel, reporting bytes read.
fn scan(
    path: &Path,
    phase: &str,
    progress: Progress,
    wanted: &(dyn Fn(usize) -> bool + Sync),
    f: &(dyn Fn(&PrimitiveBlock) -> Part + Sync),
) -> Result<Vec<(usize, Part)>, OsmError> {
    let invalid = |e: osmpbf::Error| OsmError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let total = std::fs::metadata(path)
        .map_err(|source| OsmError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let reader = BlobReader::seekable_from_path(path).map_err(invalid)?;
    let done = AtomicU64::new(0);
    progress(phase, 0, total);
    let mut parts: Vec<(usize, Part)> = reader
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| -> Result<Option<(usize, Part)>, OsmError> {
            let blob = blob.map_err(invalid)?;
            if let Some(off) = blob.offset() {
                let seen = done.fetch_max(off.0, Ordering::Relaxed).max(off.0);
                progress(phase, seen, total);
            }
            if !wanted(i) {
                return Ok(None);
            }
            // The decoder panics on some damaged blocks (an unknown relation member type):
            // that is a damaged file, reported as such, not a crash of the import.
            let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match blob.decode().map_err(invalid)? {
                    BlobDecode::OsmHeader(h) => Ok(Some((
                        i,
                        Part {
                            is_header: true,
                            header_ts: h.osmosis_replication_timestamp(),
                            ..Part::default()
                        },
                    ))),
                    BlobDecode::OsmData(block) => Ok(Some((
                        i,
                        Part {
                            kinds: kinds_of(&block),
                            ..f(&block)
                        },
                    ))),
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

/// What the three passes over the file read.
struct Read {
    rels: Vec<Rel>,
    ways: Vec<Way>,
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

    // Pass 2: ways of interest and member ways.
    let parts = scan(
        path,
        "reading ways",
        progress,
        &|i| kinds.get(i).is_some_and(|k| k & WAYS != 0),
        &|block| {
            let mut part = Part::default();
            for group in block.groups() {
                for w in group.ways() {
                    part.newest_ms = part.newest_ms.max(w.info().milli_timestamp().unwrap_or(0));
                    let t = kept_tags(w.tags());
                    let member = member_ways.binary_search(&w.id()).is_ok();
                    if member || is_way_of_interest(&t) {
                        part.ways.push(Way {
                            id: w.id(),
                            refs: w.refs().collect(),
                            tags: if is_way_of_interest(&t) {
                                t
                            } else {
                                Vec::new()
                            },
                        });
                    }
                }
            }
            part
        },
    )?;
    if !as_planned(&parts, plan) {
        return Ok(None);
    }
    let mut ways: Vec<Way> = Vec::new();
    for (_, p) in parts {
        newest_ms = newest_ms.max(p.newest_ms);
        ways.extend(p.ways);
    }
    ways.sort_unstable_by_key(|w| w.id);
    let mut needed: Vec<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();
    needed.par_sort_unstable();
    needed.dedup();

    // Pass 3: node coordinates and tagged nodes.
    let parts = scan(
        path,
        "reading nodes",
        progress,
        &|i| kinds.get(i).is_some_and(|k| k & NODES != 0),
        &|block| {
            let mut part = Part::default();
            let mut cursor = 0;
            let mut visit = |id: i64, lat: i32, lon: i32, ms: i64, t: Tags| {
                part.newest_ms = part.newest_ms.max(ms);
                let is_needed = contains_from(&needed, &mut cursor, id);
                if is_needed {
                    part.coords.push((id, lat, lon));
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
    let mut coords: Vec<(i64, i32, i32)> = Vec::with_capacity(needed.len());
    let mut tagged: Vec<(i64, Coord<f64>, Tags)> = Vec::new();
    for (_, p) in parts {
        newest_ms = newest_ms.max(p.newest_ms);
        coords.extend(p.coords);
        tagged.extend(p.nodes);
    }
    drop(needed);
    coords.par_sort_unstable_by_key(|c| c.0);
    Ok(Some(Read {
        rels,
        ways,
        store: NodeStore::new(coords),
        tagged,
        header_ts,
        newest_ms,
    }))
}

/// Reads `path` into a city (see the module docs). `progress(phase, done, total)` is called
/// from several threads with bytes read.
pub fn read_osm(path: &Path, opts: &OsmOptions, progress: Progress) -> Result<OsmImport, OsmError> {
    let meta = std::fs::metadata(path).map_err(|source| OsmError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() == 0 {
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
    let Read {
        rels,
        ways,
        store,
        tagged,
        header_ts,
        newest_ms,
    } = read;

    let mut b = Build::default();
    build_from_ways(&ways, &store, &mut b);
    build_from_relations(&rels, &ways, &store, &mut b);
    let walk = std::mem::take(&mut b.walk_ways);
    build_from_nodes(tagged, &walk, &mut b);
    b.walk_ways = walk;
    let (neighbourhoods, level, admin_warnings) = admin::choose(b.boundaries, opts.admin_level);
    b.warnings.extend(admin_warnings);
    match level {
        Some(l) => tracing::info!("neighbourhoods: admin_level {l}"),
        None => tracing::info!("neighbourhoods: none"),
    }
    mark_residential(&mut b.buildings, &b.residential);

    let mut city = City {
        facilities: b.facilities,
        neighbourhoods,
        buildings: b.buildings,
        population: Vec::new(),
        walk_ways: b.walk_ways,
        tagged_nodes: b.tagged_nodes,
        basemap: b.basemap,
        metadata: Vec::new(),
    };
    city.facilities.sort_by_key(|f| f.osm_id);
    city.buildings.sort_by_key(|b| b.osm_id);
    city.walk_ways.sort_by_key(|w| w.id);
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

/// Whether the sorted `set` holds `id`, searching forward from `*from` and leaving there the
/// position found. A block's nodes come in increasing id order, so this is usually a short
/// gallop through nearby memory instead of a binary search over the whole set; a smaller id
/// than the previous one restarts from the beginning.
fn contains_from(set: &[i64], from: &mut usize, id: i64) -> bool {
    let start = match from.checked_sub(1).and_then(|p| set.get(p)) {
        Some(&prev) if prev < id => *from,
        _ => 0,
    };
    let rest = &set[start.min(set.len())..];
    let mut end = 1;
    while end < rest.len() && rest[end - 1] < id {
        end *= 2;
    }
    let pos = start + rest[..end.min(rest.len())].partition_point(|&x| x < id);
    *from = pos;
    set.get(pos) == Some(&id)
}

/// Node coordinates sorted by id, ids apart from coordinates: the binary searches then touch
/// half the memory.
struct NodeStore {
    ids: Vec<i64>,
    lat_lon: Vec<(i32, i32)>,
}

impl NodeStore {
    /// From `(id, lat, lon)` sorted by id.
    fn new(sorted: Vec<(i64, i32, i32)>) -> NodeStore {
        let (ids, lat_lon) = sorted
            .into_iter()
            .map(|(id, la, lo)| (id, (la, lo)))
            .unzip();
        NodeStore { ids, lat_lon }
    }

    fn get(&self, id: i64) -> Option<Coord<f64>> {
        let i = self.ids.binary_search(&id).ok()?;
        let (lat, lon) = self.lat_lon[i];
        Some(Coord {
            x: f64::from(lon) * 1e-7,
            y: f64::from(lat) * 1e-7,
        })
    }

    fn line(&self, refs: &[i64]) -> Result<Vec<Coord<f64>>, i64> {
        refs.iter().map(|&r| self.get(r).ok_or(r)).collect()
    }
}

/// Everything built so far.
#[derive(Default)]
struct Build {
    facilities: Vec<Facility>,
    buildings: Vec<Building>,
    walk_ways: Vec<WalkWay>,
    tagged_nodes: Vec<TaggedNode>,
    basemap: Vec<BasemapFeature>,
    residential: Vec<MultiPolygon<f64>>,
    boundaries: Vec<admin::Candidate>,
    candidates: Vec<(OsmId, CandidateSite)>,
    warnings: Vec<String>,
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
    }

    /// Adds what an area (closed way or multipolygon) with tags `t` makes. The area on the ellipsoid is
    /// computed only for facilities, buildings and candidate sites (not for landuse or water).
    fn area(&mut self, id: OsmId, t: &Tags, mut mp: MultiPolygon<f64>) {
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
            });
        }
        let residential = tag(t, "landuse") == Some("residential");
        let basemap_area = tags::basemap_area(t);
        if let Some(bv) = building {
            if let Some(centre) = mp.centroid() {
                self.buildings.push(Building {
                    osm_id: id,
                    building: bv.to_string(),
                    levels: tags::levels(t),
                    footprint_m2: area.unwrap_or(0.0),
                    centre,
                    in_residential_landuse: false,
                });
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

fn build_from_ways(ways: &[Way], store: &NodeStore, out: &mut Build) {
    let built = ways
        .par_iter()
        .filter(|w| !w.tags.is_empty())
        .fold(Build::default, |mut b, w| {
            let id = OsmId::Way(w.id);
            let mut line = match store.line(&w.refs) {
                Ok(l) => l,
                Err(missing) => {
                    b.skip_facility(id, &w.tags, &format!("way lacks node n{missing}"));
                    if let Some(level) = tags::admin_level(&w.tags) {
                        b.boundaries.push(admin::Candidate::failed(
                            id,
                            level,
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
                    b.area(id, &w.tags, mp);
                }
            }
            if walk {
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
        });
    out.merge(built);
}

/// Assembles a relation's rings; `Err` says why it cannot be done.
fn relation_polygon(r: &Rel, ways: &[Way], store: &NodeStore) -> Result<MultiPolygon<f64>, String> {
    let mut outer: Vec<&[i64]> = Vec::new();
    let mut inner: Vec<&[i64]> = Vec::new();
    for &(wid, is_inner) in &r.ways {
        let Ok(i) = ways.binary_search_by_key(&wid, |w| w.id) else {
            return Err(format!("member way w{wid} is missing from the extract"));
        };
        let refs = ways[i].refs.as_slice();
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

fn build_from_relations(rels: &[Rel], ways: &[Way], store: &NodeStore, out: &mut Build) {
    let built = rels
        .par_iter()
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
            match relation_polygon(r, ways, store) {
                Ok(mp) => {
                    if let Some(level) = tags::admin_level(&r.tags) {
                        b.boundaries
                            .push(admin::Candidate::built(id, level, &r.tags, mp.clone()));
                    }
                    if tag(&r.tags, "type") == Some("multipolygon") {
                        b.area(id, &r.tags, mp);
                    }
                }
                Err(why) => {
                    if let Some(level) = tags::admin_level(&r.tags) {
                        b.boundaries
                            .push(admin::Candidate::failed(id, level, why.clone()));
                    }
                    b.skip_facility(id, &r.tags, &why);
                }
            }
            b
        })
        .reduce(Build::default, |mut a, b| {
            a.merge(b);
            a
        });
    out.merge(built);
}

fn build_from_nodes(nodes: Vec<(i64, Coord<f64>, Tags)>, walk_ways: &[WalkWay], out: &mut Build) {
    let mut on_walk: Vec<i64> = walk_ways
        .iter()
        .flat_map(|w| w.nodes.iter().copied())
        .collect();
    on_walk.par_sort_unstable();
    on_walk.dedup();
    for (id, c, t) in nodes {
        if let Some(kind) = tags::facility_kind(&t) {
            out.facilities.push(Facility {
                osm_id: OsmId::Node(id),
                kind,
                name: tag(&t, "name").map(str::to_string),
                access: tag(&t, "access").map(str::to_string),
                geometry: Geometry::Point(Point(c)),
                area_m2: None,
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
        if tags::is_network_node(&t) && on_walk.binary_search(&id).is_ok() {
            out.tagged_nodes.push(TaggedNode {
                id,
                coord: c,
                tags: tags::only(&t, tags::NODE_KEYS),
            });
        }
    }
}

/// Sets `in_residential_landuse` for buildings whose centre lies in a `landuse=residential` area.
fn mark_residential(buildings: &mut [Building], residential: &[MultiPolygon<f64>]) {
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

    #[test]
    fn contains_from_agrees_with_binary_search() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for len in [0, 1, 2, 5, 100, 1000] {
            let mut set: Vec<i64> = (0..len).map(|_| rng.random_range(-50..2000)).collect();
            set.sort_unstable();
            set.dedup();
            // Mostly increasing queries (as in a block) with jumps back, and out-of-range ids.
            let mut cursor = 0;
            let mut id = -60;
            for _ in 0..3000 {
                id = if rng.random_bool(0.05) {
                    rng.random_range(-60..2100)
                } else {
                    id + rng.random_range(0..4)
                };
                let want = set.binary_search(&id).is_ok();
                assert_eq!(contains_from(&set, &mut cursor, id), want, "{id} in {len}");
            }
        }
    }
}
