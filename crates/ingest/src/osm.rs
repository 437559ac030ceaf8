//! OpenStreetMap PBF import: facilities, neighbourhoods, buildings, walkable ways and the
//! basemap of one extract, read in three parallel passes (relations, ways, nodes) into a [`City`].
//!
//! Memory grows with what is kept: relations and ways of interest with a few tags, and the
//! coordinates of only the nodes those ways use (a sorted `(id, lat, lon)` vector).

mod admin;
mod rings;
pub mod tags;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use geo::{Centroid, Intersects};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point};
use model::{BasemapFeature, Building, City, Facility, OsmId, TaggedNode, WalkWay};
use osmpbf::{BlobDecode, BlobReader, Element, PrimitiveBlock, RelMemberType};
use rayon::prelude::*;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

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
    kinds: (bool, bool, bool),
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
    let parts: Vec<(usize, Part)> = reader
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
            match blob.decode().map_err(invalid)? {
                BlobDecode::OsmHeader(h) => Ok(Some((
                    i,
                    Part {
                        is_header: true,
                        header_ts: h.osmosis_replication_timestamp(),
                        ..Part::default()
                    },
                ))),
                BlobDecode::OsmData(block) => Ok(Some((i, f(&block)))),
                BlobDecode::Unknown(_) => Ok(None),
            }
        })
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    progress(phase, total, total);
    Ok(parts)
}

/// Pass 1: relations of interest, plus what each blob holds.
fn relations_of(block: &PrimitiveBlock) -> Part {
    let mut part = Part::default();
    for group in block.groups() {
        part.kinds.0 |= group.nodes().len() > 0 || group.dense_nodes().len() > 0;
        part.kinds.1 |= group.ways().len() > 0;
        part.kinds.2 |= group.relations().len() > 0;
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
    // Pass 1: relations, blob kinds, header.
    let parts = scan(
        path,
        "reading relations",
        progress,
        &|_| true,
        &relations_of,
    )?;
    let mut kinds = Vec::new();
    let mut rels = Vec::new();
    let mut header_ts = None;
    let mut newest_ms = 0;
    let mut saw_header = false;
    for (i, p) in parts {
        if i >= kinds.len() {
            kinds.resize(i + 1, (false, false, false));
        }
        kinds[i] = p.kinds;
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
        &|i| kinds.get(i).is_some_and(|k| k.1),
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
        &|i| kinds.get(i).is_some_and(|k| k.0),
        &|block| {
            let mut part = Part::default();
            let mut visit = |id: i64, lat: i32, lon: i32, ms: i64, t: Tags| {
                part.newest_ms = part.newest_ms.max(ms);
                let is_needed = needed.binary_search(&id).is_ok();
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
    let mut coords: Vec<(i64, i32, i32)> = Vec::with_capacity(needed.len());
    let mut tagged: Vec<(i64, Coord<f64>, Tags)> = Vec::new();
    for (_, p) in parts {
        newest_ms = newest_ms.max(p.newest_ms);
        coords.extend(p.coords);
        tagged.extend(p.nodes);
    }
    drop(needed);
    coords.par_sort_unstable_by_key(|c| c.0);
    let store = NodeStore(coords);

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
    Ok(OsmImport {
        city,
        admin_level: level,
        warnings: b.warnings,
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

/// Node coordinates sorted by id.
struct NodeStore(Vec<(i64, i32, i32)>);

impl NodeStore {
    fn get(&self, id: i64) -> Option<Coord<f64>> {
        let i = self.0.binary_search_by_key(&id, |c| c.0).ok()?;
        let (_, lat, lon) = self.0[i];
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
        self.warnings.extend(o.warnings);
    }

    /// Adds what an area (closed way or multipolygon) with tags `t` makes.
    fn area(&mut self, id: OsmId, t: &Tags, mp: MultiPolygon<f64>) {
        let geometry = Geometry::MultiPolygon(mp);
        let area = model::geodesy::area_m2(&geometry);
        if let Some(kind) = tags::facility_kind(t) {
            self.facilities.push(Facility {
                osm_id: id,
                kind,
                name: tag(t, "name").map(str::to_string),
                access: tag(t, "access").map(str::to_string),
                geometry: geometry.clone(),
                area_m2: Some(area),
            });
        }
        let Geometry::MultiPolygon(mp) = &geometry else {
            return;
        };
        if let Some(bv) = tags::building(t) {
            if let Some(centre) = mp.centroid() {
                self.buildings.push(Building {
                    osm_id: id,
                    building: bv.to_string(),
                    levels: tags::levels(t),
                    footprint_m2: area,
                    centre,
                    in_residential_landuse: false,
                });
            }
            self.basemap.push(BasemapFeature {
                layer: "buildings".into(),
                class: "building".into(),
                name: None,
                geometry: geometry.clone(),
            });
        }
        if tag(t, "landuse") == Some("residential") {
            self.residential.push(mp.clone());
        }
        if let Some((layer, class)) = tags::basemap_area(t) {
            self.basemap.push(BasemapFeature {
                layer: layer.into(),
                class,
                name: tag(t, "name").map(str::to_string),
                geometry,
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
            let line = match store.line(&w.refs) {
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
            let area = if is_closed {
                rings::multipolygon(vec![line.clone()], vec![]).ok()
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
            if tags::is_walk_way(&w.tags) {
                b.walk_ways.push(WalkWay {
                    id: w.id,
                    nodes: w.refs.clone(),
                    coords: line.clone(),
                    tags: tags::only(&w.tags, tags::WALK_KEYS),
                });
            }
            if let Some((layer, class)) = tags::basemap_line(&w.tags) {
                b.basemap.push(BasemapFeature {
                    layer: layer.into(),
                    class,
                    name: tag(&w.tags, "name").map(str::to_string),
                    geometry: Geometry::LineString(LineString(line)),
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
    use geo::BoundingRect;
    let items: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = residential
        .iter()
        .enumerate()
        .filter_map(|(i, mp)| {
            let r = mp.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(items);
    buildings.par_iter_mut().for_each(|b| {
        let p = [b.centre.x(), b.centre.y()];
        b.in_residential_landuse = tree
            .locate_in_envelope_intersecting(&AABB::from_point(p))
            .any(|item| residential[item.data].intersects(&b.centre));
    });
}
