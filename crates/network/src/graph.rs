//! The walking graph: which OSM ways are walkable, the child-safe barrier model, CSR storage.
//!
//! Every OSM segment (two consecutive way nodes) is one undirected edge; only the largest component is kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use geo_types::Coord;
use model::geodesy::distance_m;
use model::{TaggedNode, WalkWay};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::NetworkError;

/// Which walking rules the graph follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The rules of domain.md: every walkable way, joined wherever ways share a node.
    #[default]
    Default,
    /// Like `Default`, but primary/trunk/secondary roads (and their links) and railways are crossed
    /// only at crossing nodes, on crossing ways, bridges or tunnels (see the crate README).
    ChildSafe,
}

/// `highway` values that are walkable (domain.md).
const WALKABLE_HIGHWAYS: [&str; 21] = [
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "track",
    "cycleway",
    "bridleway",
    "corridor",
    "road",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "trunk",
    "trunk_link",
];

/// Major roads: barriers in the child-safe profile.
const MAJOR_HIGHWAYS: [&str; 6] = [
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "trunk",
    "trunk_link",
];

/// `railway` values that are barriers in the child-safe profile (trams run in the street: not barriers).
const BARRIER_RAILWAYS: [&str; 6] = [
    "rail",
    "light_rail",
    "narrow_gauge",
    "preserved",
    "monorail",
    "funicular",
];

/// Whether a way is walkable by the rules of domain.md (highway whitelist and foot/access rules).
pub fn is_walkable(way: &WalkWay) -> bool {
    let Some(highway) = way.tag("highway") else {
        return false;
    };
    if !WALKABLE_HIGHWAYS.contains(&highway) {
        return false;
    }
    let foot = way.tag("foot");
    if matches!(foot, Some("no" | "private")) {
        return false;
    }
    let foot_allowed = matches!(foot, Some("yes" | "designated" | "permissive"));
    foot_allowed || !matches!(way.tag("access"), Some("no" | "private"))
}

fn tag_is_set(value: Option<&str>) -> bool {
    matches!(value, Some(v) if v != "no")
}

/// A way the child-safe profile treats as a barrier line: a major road or a railway.
fn is_barrier_class(way: &WalkWay) -> bool {
    way.tag("highway")
        .is_some_and(|h| MAJOR_HIGHWAYS.contains(&h))
        || way
            .tag("railway")
            .is_some_and(|r| BARRIER_RAILWAYS.contains(&r))
}

/// A walkable way that is itself a crossing (it may pass a barrier node).
fn is_crossing_way(way: &WalkWay) -> bool {
    way.tag("footway") == Some("crossing") || tag_is_set(way.tag("crossing"))
}

/// A node where the child-safe profile lets a child cross.
fn is_crossing_node(node: &TaggedNode) -> bool {
    let tag = |k: &str| {
        node.tags
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    tag("highway") == Some("crossing")
        || tag_is_set(tag("crossing"))
        || matches!(tag("railway"), Some("crossing" | "level_crossing"))
}

static NEXT_GRAPH_ID: AtomicU64 = AtomicU64::new(1);

/// A segment in the R-tree: scaled coordinates (`lon · cos(lat0)`, `lat`) and the edge id.
pub(crate) type SegmentEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// The walking graph: undirected, CSR adjacency with `u32` ids, largest connected component only.
///
/// Each edge is one OSM segment with its great-circle length; node coordinates are lon/lat.
#[derive(Debug)]
pub struct WalkGraph {
    pub(crate) id: u64,
    pub(crate) coords: Vec<Coord<f64>>,
    /// CSR offsets into `adj` (length `node_count + 1`).
    pub(crate) offsets: Vec<u32>,
    /// Incident edge ids per node.
    pub(crate) adj: Vec<u32>,
    pub(crate) edge_nodes: Vec<[u32; 2]>,
    pub(crate) edge_len: Vec<f64>,
    /// `cos` of the mean latitude, the x scale of the R-tree.
    pub(crate) cos_lat0: f64,
    pub(crate) rtree: RTree<SegmentEntry>,
}

/// Key of a graph vertex before numbering: an OSM node, or its copy on one side of a barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum VertexKey {
    Node(i64),
    Side(i64, bool),
}

impl WalkGraph {
    /// Builds the graph from walkable ways (railways only act as barriers for `ChildSafe`).
    ///
    /// Ways failing the foot/access rules are skipped; `nodes` supplies crossing tags.
    pub fn build(
        ways: &[WalkWay],
        nodes: &[TaggedNode],
        profile: Profile,
    ) -> Result<WalkGraph, NetworkError> {
        for way in ways {
            validate(way)?;
        }
        let walkable: Vec<&WalkWay> = ways.iter().filter(|w| is_walkable(w)).collect();
        let barriers = match profile {
            Profile::Default => HashMap::new(),
            Profile::ChildSafe => barrier_nodes(ways, &walkable, nodes),
        };

        let mut keys: HashMap<VertexKey, u32> = HashMap::new();
        let mut coords: Vec<Coord<f64>> = Vec::new();
        let mut edges: Vec<[u32; 2]> = Vec::new();
        for way in &walkable {
            let keeps_nodes = is_barrier_class(way) || is_crossing_way(way);
            // The vertex of node i of the way, seen from its neighbour j.
            let mut vertex = |i: usize, j: usize| -> u32 {
                let id = way.nodes[i];
                let key = match barriers.get(&id) {
                    Some(dir) if !keeps_nodes => {
                        let c = way.coords[i];
                        let o = way.coords[j];
                        let k = (c.y.to_radians()).cos();
                        let (vx, vy) = ((o.x - c.x) * k, o.y - c.y);
                        VertexKey::Side(id, dir.0 * vy - dir.1 * vx > 0.0)
                    }
                    _ => VertexKey::Node(id),
                };
                *keys.entry(key).or_insert_with(|| {
                    coords.push(way.coords[i]);
                    (coords.len() - 1) as u32
                })
            };
            for i in 1..way.nodes.len() {
                if way.nodes[i - 1] == way.nodes[i] {
                    continue;
                }
                let a = vertex(i - 1, i);
                let b = vertex(i, i - 1);
                if a != b {
                    edges.push([a, b]);
                }
            }
        }
        if edges.is_empty() {
            return Err(NetworkError::Empty);
        }
        Ok(Self::from_edges(coords, &edges))
    }

    /// Builds the graph from node coordinates and undirected edges (lengths are great-circle),
    /// keeping the largest connected component. Used by `build` and by generated benchmark networks.
    pub fn from_edges(coords: Vec<Coord<f64>>, edges: &[[u32; 2]]) -> WalkGraph {
        let n = coords.len();
        let keep = largest_component(n, edges);
        let mut new_id = vec![u32::MAX; n];
        let mut kept_coords = Vec::new();
        for (i, c) in coords.iter().enumerate() {
            if keep[i] {
                new_id[i] = kept_coords.len() as u32;
                kept_coords.push(*c);
            }
        }
        let edge_nodes: Vec<[u32; 2]> = edges
            .iter()
            .filter(|[a, b]| keep[*a as usize] && keep[*b as usize] && a != b)
            .map(|[a, b]| [new_id[*a as usize], new_id[*b as usize]])
            .collect();
        let edge_len: Vec<f64> = edge_nodes
            .iter()
            .map(|[a, b]| distance_m(kept_coords[*a as usize], kept_coords[*b as usize]))
            .collect();

        let n = kept_coords.len();
        let mut degree = vec![0u32; n + 1];
        for [a, b] in &edge_nodes {
            degree[*a as usize + 1] += 1;
            degree[*b as usize + 1] += 1;
        }
        for i in 0..n {
            degree[i + 1] += degree[i];
        }
        let offsets = degree;
        let mut fill = offsets.clone();
        let mut adj = vec![0u32; offsets[n] as usize];
        for (e, [a, b]) in edge_nodes.iter().enumerate() {
            for v in [a, b] {
                adj[fill[*v as usize] as usize] = e as u32;
                fill[*v as usize] += 1;
            }
        }

        let mean_lat = kept_coords.iter().map(|c| c.y).sum::<f64>() / n.max(1) as f64;
        let cos_lat0 = mean_lat.to_radians().cos();
        let segments = edge_nodes
            .iter()
            .enumerate()
            .map(|(e, [a, b])| {
                let p = |v: u32| {
                    let c = kept_coords[v as usize];
                    [c.x * cos_lat0, c.y]
                };
                GeomWithData::new(Line::new(p(*a), p(*b)), e as u32)
            })
            .collect();
        WalkGraph {
            id: NEXT_GRAPH_ID.fetch_add(1, Ordering::Relaxed),
            coords: kept_coords,
            offsets,
            adj,
            edge_nodes,
            edge_len,
            cos_lat0,
            rtree: RTree::bulk_load(segments),
        }
    }

    /// Number of nodes (OSM nodes, plus side copies at child-safe barriers).
    pub fn node_count(&self) -> usize {
        self.coords.len()
    }

    /// Number of undirected edges (OSM segments).
    pub fn edge_count(&self) -> usize {
        self.edge_nodes.len()
    }

    /// Sum of all edge lengths in metres.
    pub fn total_length_m(&self) -> f64 {
        self.edge_len.iter().sum()
    }

    /// The lon/lat of node `v`.
    pub fn node_coord(&self, v: u32) -> Coord<f64> {
        self.coords[v as usize]
    }

    /// The two end nodes of edge `e`.
    pub fn edge_ends(&self, e: u32) -> [u32; 2] {
        self.edge_nodes[e as usize]
    }

    /// The great-circle length of edge `e` in metres.
    pub fn edge_length_m(&self, e: u32) -> f64 {
        self.edge_len[e as usize]
    }

    /// The edges incident to node `v`.
    pub(crate) fn incident(&self, v: u32) -> &[u32] {
        &self.adj[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }

    /// The other end of edge `e` seen from `v`.
    pub(crate) fn other(&self, e: u32, v: u32) -> u32 {
        let [a, b] = self.edge_nodes[e as usize];
        if a == v { b } else { a }
    }
}

fn validate(way: &WalkWay) -> Result<(), NetworkError> {
    if way.nodes.len() != way.coords.len() {
        return Err(NetworkError::WayLengthMismatch {
            way: way.id,
            nodes: way.nodes.len(),
            coords: way.coords.len(),
        });
    }
    for (node, c) in way.nodes.iter().zip(&way.coords) {
        if !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0) {
            return Err(NetworkError::InvalidCoordinate {
                way: way.id,
                node: *node,
                lon: c.x,
                lat: c.y,
            });
        }
    }
    Ok(())
}

/// Child-safe barrier nodes: nodes that some walkable way uses and that lie on a major road or a
/// railway *line* (an interior node of such a way, or a node where two of them meet; the plain end
/// of a major road, where it turns into a minor one, is no barrier) and are not crossing nodes.
/// Each comes with the local direction (x east scaled by cos(lat), y north) of the first barrier way.
fn barrier_nodes(
    ways: &[WalkWay],
    walkable: &[&WalkWay],
    nodes: &[TaggedNode],
) -> HashMap<i64, (f64, f64)> {
    let crossings: std::collections::HashSet<i64> = nodes
        .iter()
        .filter(|n| is_crossing_node(n))
        .map(|n| n.id)
        .collect();
    let used: std::collections::HashSet<i64> = walkable
        .iter()
        .filter(|w| !is_barrier_class(w))
        .flat_map(|w| w.nodes.iter().copied())
        .collect();
    // (times on a barrier line: 2 for an interior node, 1 for an end; direction of the first way).
    let mut seen: HashMap<i64, (u32, (f64, f64))> = HashMap::new();
    for way in ways.iter().filter(|w| is_barrier_class(w)) {
        let last = way.nodes.len().saturating_sub(1);
        for (i, id) in way.nodes.iter().enumerate() {
            if crossings.contains(id) || !used.contains(id) {
                continue;
            }
            let from = way.coords[i.saturating_sub(1)];
            let to = way.coords[(i + 1).min(last)];
            let k = way.coords[i].y.to_radians().cos();
            let dir = ((to.x - from.x) * k, to.y - from.y);
            let weight = if i == 0 || i == last { 1 } else { 2 };
            let entry = seen.entry(*id).or_insert((0, dir));
            entry.0 += weight;
            if entry.1 == (0.0, 0.0) {
                entry.1 = dir;
            }
        }
    }
    seen.into_iter()
        .filter(|(_, (count, dir))| *count >= 2 && *dir != (0.0, 0.0))
        .map(|(id, (_, dir))| (id, dir))
        .collect()
}

/// Marks the nodes of the largest connected component (by node count; ties: the one with the lowest node).
fn largest_component(n: usize, edges: &[[u32; 2]]) -> Vec<bool> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut v: u32) -> u32 {
        while parent[v as usize] != v {
            let p = parent[v as usize];
            parent[v as usize] = parent[p as usize];
            v = p;
        }
        v
    }
    for [a, b] in edges {
        let (ra, rb) = (find(&mut parent, *a), find(&mut parent, *b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[hi as usize] = lo;
        }
    }
    let mut size = vec![0u32; n];
    let roots: Vec<u32> = (0..n as u32).map(|v| find(&mut parent, v)).collect();
    for r in &roots {
        size[*r as usize] += 1;
    }
    // The largest size; the first root (lowest node) with it wins.
    let best = (0..n).max_by_key(|r| (size[*r], std::cmp::Reverse(*r)));
    match best {
        Some(best) => roots.iter().map(|r| *r as usize == best).collect(),
        None => Vec::new(),
    }
}
