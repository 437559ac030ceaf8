//! Walking distances for the static page: what `/api/reach` needs to name the nearest public
//! facility of a kind on foot, precomputed and cut into chunks the page fetches on a tap.
//!
//! The folder `walk/` of the bundle holds `index.json` (the chunk grid, the kinds, the public
//! facilities with their label and a point to highlight) and one little-endian binary file per
//! chunk of about 1 km × 1 km, `walk/{column}_{row}.bin`, with every walking-graph edge within
//! [`MARGIN_M`] of the chunk, its end nodes and, per kind, each node's distance to the nearest
//! facility of that kind (the multi-source field the server's nearest queries read), the
//! facilities' access points on those edges and the outlines of area facilities there. The
//! page snaps the tap to the nearest edge exactly as the server does (`network::WalkGraph::snap`)
//! and adds the same pieces, so its answer equals the live one up to the coordinates' rounding
//! to 1e-7° (about 1 cm): within [`TOLERANCE_M`]. A tap farther than [`MARGIN_M`] from every
//! path of its chunk gets no walking answer. Format: docs/interfaces.md ("Static export").

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use analysis::names::{MAX_STREET_DISTANCE_M, Streets, point_on};
use geo_types::{Coord, MultiPolygon};
use model::{City, Facility, FacilityKind};
use network::{Targets, WalkGraph};
use serde_json::json;

use crate::{ExportError, io};

/// Edge length of a chunk, in metres (north–south; east–west the same on the ground).
pub const CHUNK_M: f64 = 1000.0;

/// Edges this far around a chunk are in its file: a tap whose nearest path is nearer is
/// answered exactly.
pub const MARGIN_M: f64 = 250.0;

/// How far the static page's walking distance may be from `/api/reach`'s for the same point,
/// in metres (coordinates rounded to 1e-7°, distances stored as 32-bit floats).
pub const TOLERANCE_M: f64 = 1.0;

/// Metres per degree of latitude on the mean sphere.
const M_PER_DEG: f64 = 111_195.08;

/// First bytes of every chunk file.
const MAGIC: &[u8; 4] = b"SRW1";

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkSummary {
    /// Chunk files.
    pub chunks: usize,
    /// Bytes of all chunk files.
    pub bytes: u64,
}

/// One chunk's edges (graph edge ids).
type Chunks = BTreeMap<(i64, i64), Vec<u32>>;

/// Writes `dir/walk/` for `city` on its walking graph `graph` (default profile, as
/// `serve` answers reach queries). Nothing is written when the city has no public facility.
pub fn write(dir: &Path, city: &City, graph: &WalkGraph) -> Result<WalkSummary, ExportError> {
    let public = map::reach::public_facilities(city);
    let kinds: Vec<FacilityKind> = FacilityKind::ALL
        .into_iter()
        .filter(|k| public.iter().any(|f| f.kind == *k))
        .collect();
    if kinds.is_empty() || graph.edge_count() == 0 {
        return Ok(WalkSummary::default());
    }
    // Per kind: the field on the nodes (labels as indices into `public`) and the access points.
    let mut fields = Vec::new();
    let mut access: HashMap<u32, Vec<Access>> = HashMap::new();
    for (k, kind) in kinds.iter().enumerate() {
        let of_kind: Vec<u32> = (0..public.len() as u32)
            .filter(|&i| public[i as usize].kind == *kind)
            .collect();
        let facilities: Vec<&Facility> = of_kind.iter().map(|&i| public[i as usize]).collect();
        let targets = Targets::from_facilities(graph, &facilities);
        let (dist, label) = network::node_field(graph, &targets);
        let label: Vec<u32> = label
            .into_iter()
            .map(|t| of_kind.get(t as usize).copied().unwrap_or(u32::MAX))
            .collect();
        fields.push((dist, label));
        for (t, s) in targets.access_snaps() {
            access.entry(s.edge).or_default().push(Access {
                kind: k as u32,
                facility: of_kind[t as usize],
                to_a_m: s.to_a_m,
                offset_m: s.offset_m,
            });
        }
    }
    let areas: Vec<(u32, u32, MultiPolygon<f64>)> = public
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let k = kinds.iter().position(|k| *k == f.kind)?;
            Some((k as u32, i as u32, network::area_of(f)?))
        })
        .collect();

    let grid = Grid::new(graph);
    let chunks = grid.chunks(graph);
    let folder = dir.join("walk");
    std::fs::create_dir_all(&folder).map_err(io(format!("cannot create {}", folder.display())))?;
    let mut summary = WalkSummary::default();
    for ((cx, cy), edges) in &chunks {
        let bytes = chunk_bytes(
            graph,
            edges,
            &fields,
            &access,
            &areas,
            grid.bounds(*cx, *cy),
        );
        let path = folder.join(format!("{cx}_{cy}.bin"));
        std::fs::write(&path, &bytes).map_err(io(format!("cannot write {}", path.display())))?;
        summary.chunks += 1;
        summary.bytes += bytes.len() as u64;
    }

    let points: Vec<Coord<f64>> = public
        .iter()
        .filter_map(|f| point_on(&f.geometry))
        .collect();
    let streets = Streets::around(city, &points);
    let facilities: Vec<serde_json::Value> = public
        .iter()
        .map(|f| {
            let at = point_on(&f.geometry);
            let street = at
                .and_then(|p| streets.nearest(p, MAX_STREET_DISTANCE_M))
                .map(|(s, _)| s.to_string());
            json!({
                "osm_id": f.osm_id.to_string(),
                "kind": f.kind.as_str(),
                "name": f.name,
                "street": street,
                "at": at.map(|p| [round7(p.x), round7(p.y)]),
            })
        })
        .collect();
    let index = json!({
        "version": 1,
        "chunk": {
            "origin": [grid.origin.x, grid.origin.y],
            "size": [grid.dx, grid.dy],
            "files": chunks.keys().map(|(x, y)| format!("{x}_{y}")).collect::<Vec<_>>(),
        },
        "margin_m": MARGIN_M,
        "tolerance_m": TOLERANCE_M,
        "kinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "facilities": facilities,
    });
    let path = folder.join("index.json");
    std::fs::write(&path, index.to_string() + "\n")
        .map_err(io(format!("cannot write {}", path.display())))?;
    Ok(summary)
}

/// An access point of a facility on an edge.
struct Access {
    kind: u32,
    facility: u32,
    to_a_m: f64,
    offset_m: f64,
}

/// The chunk grid: chunks of [`CHUNK_M`] from a south-west origin, in degrees.
struct Grid {
    origin: Coord<f64>,
    dx: f64,
    dy: f64,
    /// Degrees of [`MARGIN_M`] east–west (at the data's latitude farthest from the equator) and
    /// north–south.
    mx: f64,
    my: f64,
}

impl Grid {
    fn new(graph: &WalkGraph) -> Grid {
        let (mut x0, mut y0, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for v in 0..graph.node_count() as u32 {
            let c = graph.node_coord(v);
            x0 = x0.min(c.x);
            y0 = y0.min(c.y);
            y1 = y1.max(c.y);
        }
        let mid = (y0 + y1) / 2.0;
        let far = y0.abs().max(y1.abs()).min(85.0);
        let dy = CHUNK_M / M_PER_DEG;
        let dx = dy / mid.to_radians().cos();
        // Round the grid to whole chunks of a fixed raster, so that chunk names are stable.
        let origin = Coord {
            x: (x0 / dx).floor() * dx,
            y: (y0 / dy).floor() * dy,
        };
        let my = MARGIN_M / M_PER_DEG;
        Grid {
            origin,
            dx,
            dy,
            mx: my / far.to_radians().cos(),
            my,
        }
    }

    /// Every chunk with the edges within the margin of it.
    fn chunks(&self, graph: &WalkGraph) -> Chunks {
        let mut chunks = Chunks::new();
        for e in 0..graph.edge_count() as u32 {
            let [a, b] = graph.edge_ends(e);
            let (a, b) = (graph.node_coord(a), graph.node_coord(b));
            let cell = |x: f64, y: f64| {
                (
                    ((x - self.origin.x) / self.dx).floor() as i64,
                    ((y - self.origin.y) / self.dy).floor() as i64,
                )
            };
            let (x0, y0) = cell(a.x.min(b.x) - self.mx, a.y.min(b.y) - self.my);
            let (x1, y1) = cell(a.x.max(b.x) + self.mx, a.y.max(b.y) + self.my);
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    chunks.entry((cx, cy)).or_default().push(e);
                }
            }
        }
        chunks
    }

    /// A chunk's box with the margin: [min lon, min lat, max lon, max lat].
    fn bounds(&self, cx: i64, cy: i64) -> [f64; 4] {
        let x = self.origin.x + cx as f64 * self.dx;
        let y = self.origin.y + cy as f64 * self.dy;
        [
            x - self.mx,
            y - self.my,
            x + self.dx + self.mx,
            y + self.dy + self.my,
        ]
    }
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

fn fixed7(x: f64) -> i32 {
    (x * 1e7).round() as i32
}

/// One chunk file:
/// `SRW1`, then u32 counts: nodes N, edges E, kinds K, access points A, areas R; then N × (i32
/// lon, i32 lat in 1e-7°); K × N × (f32 metres, u32 facility); E × (u32 node, u32 node); A ×
/// (u32 edge, u32 kind, u32 facility, f32 metres from the edge's first node, f32 offset); R ×
/// (u32 kind, u32 facility, u32 rings, each ring u32 n then n × (i32, i32)). Indices of nodes
/// and edges are the chunk's own; facility indices are those of `index.json`. No facility:
/// u32::MAX with an infinite distance.
fn chunk_bytes(
    graph: &WalkGraph,
    edges: &[u32],
    fields: &[(Vec<f64>, Vec<u32>)],
    access: &HashMap<u32, Vec<Access>>,
    areas: &[(u32, u32, MultiPolygon<f64>)],
    bounds: [f64; 4],
) -> Vec<u8> {
    let mut local: HashMap<u32, u32> = HashMap::new();
    let mut nodes: Vec<u32> = Vec::new();
    let mut edge_nodes = Vec::with_capacity(edges.len());
    for &e in edges {
        let [a, b] = graph.edge_ends(e);
        let mut id = |v: u32| {
            *local.entry(v).or_insert_with(|| {
                nodes.push(v);
                (nodes.len() - 1) as u32
            })
        };
        edge_nodes.push([id(a), id(b)]);
    }
    let accesses: Vec<(u32, &Access)> = edges
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            access
                .get(e)
                .into_iter()
                .flatten()
                .map(move |a| (i as u32, a))
        })
        .collect();
    let in_chunk: Vec<&(u32, u32, MultiPolygon<f64>)> = areas
        .iter()
        .filter(|(_, _, mp)| {
            use geo::BoundingRect;
            mp.bounding_rect().is_some_and(|r| {
                r.max().x >= bounds[0]
                    && r.min().x <= bounds[2]
                    && r.max().y >= bounds[1]
                    && r.min().y <= bounds[3]
            })
        })
        .collect();

    let mut out = Vec::new();
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    let i32le = |out: &mut Vec<u8>, v: i32| out.extend_from_slice(&v.to_le_bytes());
    let f32le = |out: &mut Vec<u8>, v: f64| out.extend_from_slice(&(v as f32).to_le_bytes());
    out.extend_from_slice(MAGIC);
    for n in [
        nodes.len(),
        edges.len(),
        fields.len(),
        accesses.len(),
        in_chunk.len(),
    ] {
        u32le(&mut out, n as u32);
    }
    for &v in &nodes {
        let c = graph.node_coord(v);
        i32le(&mut out, fixed7(c.x));
        i32le(&mut out, fixed7(c.y));
    }
    for (dist, label) in fields {
        for &v in &nodes {
            f32le(&mut out, dist[v as usize]);
            u32le(&mut out, label[v as usize]);
        }
    }
    for [a, b] in edge_nodes {
        u32le(&mut out, a);
        u32le(&mut out, b);
    }
    for (e, a) in accesses {
        u32le(&mut out, e);
        u32le(&mut out, a.kind);
        u32le(&mut out, a.facility);
        f32le(&mut out, a.to_a_m);
        f32le(&mut out, a.offset_m);
    }
    for (kind, facility, mp) in in_chunk {
        u32le(&mut out, *kind);
        u32le(&mut out, *facility);
        let rings: Vec<&geo_types::LineString<f64>> =
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .collect();
        u32le(&mut out, rings.len() as u32);
        for r in rings {
            u32le(&mut out, r.0.len() as u32);
            for c in &r.0 {
                i32le(&mut out, fixed7(c.x));
                i32le(&mut out, fixed7(c.y));
            }
        }
    }
    out
}
