//! The walking graph: which OSM ways are walkable, the child-safe barrier model, CSR storage.
//!
//! Every OSM segment (two consecutive way nodes) is one undirected edge; only the largest component is kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use geo_types::Coord;
use model::geodesy::distance_m;
use model::{BARRIER_RAILWAYS, TaggedNode, WALKABLE_HIGHWAYS, WalkWay};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

/// Errors in building the walking graph.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NetworkError {
    /// A way whose node list and coordinate list differ in length.
    #[error("way {way}: {nodes} node ids but {coords} coordinates")]
    WayLengthMismatch {
        /// OSM way id.
        way: i64,
        /// Number of node ids.
        nodes: usize,
        /// Number of coordinates.
        coords: usize,
    },
    /// A way with a coordinate that is not a valid lon/lat.
    #[error("way {way}: node {node} has an invalid coordinate ({lon}, {lat})")]
    InvalidCoordinate {
        /// OSM way id.
        way: i64,
        /// OSM node id.
        node: i64,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// `WalkGraph::from_edges`: an edge names a node that is not in the coordinate list.
    #[error("edge {edge} names node {node}, but there are only {nodes} nodes")]
    EdgeNodeOutOfRange {
        /// Index of the edge in the edge list.
        edge: usize,
        /// The node id it names.
        node: u32,
        /// Number of coordinates given.
        nodes: usize,
    },
    /// `WalkGraph::from_edges`: a node coordinate that is not a valid lon/lat.
    #[error("node {node} has an invalid coordinate ({lon}, {lat})")]
    InvalidNodeCoordinate {
        /// Index of the node in the coordinate list.
        node: usize,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// `WalkGraph::from_edges`: more nodes than `u32` ids can number.
    #[error("{nodes} nodes: more than u32 ids can number")]
    TooManyNodes {
        /// Number of coordinates given.
        nodes: usize,
    },
    /// No walkable way at all: nothing to build a graph from.
    #[error(
        "no walkable ways: the walking network is empty (was the extract imported with its roads?)"
    )]
    Empty,
}

/// Which walking rules the graph follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The rules of domain.md: every walkable way, joined wherever ways share a node.
    #[default]
    Default,
    /// Like `Default`, but primary/trunk/secondary roads (and their links) and railways are crossed
    /// only at crossing nodes, on crossing ways, bridges or tunnels; main roads are walked along
    /// as two pavements, each joined to the side streets on its side (see the crate README).
    ChildSafe,
}

/// Major roads: barriers in the child-safe profile.
const MAJOR_HIGHWAYS: [&str; 6] = [
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "trunk",
    "trunk_link",
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
        || matches!(
            tag("railway"),
            Some("crossing" | "level_crossing" | "tram_crossing" | "tram_level_crossing")
        )
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
    /// The walking rules the graph was built with.
    pub(crate) profile: Profile,
    pub(crate) coords: Vec<Coord<f64>>,
    /// CSR offsets into `adj` (length `node_count + 1`).
    pub(crate) offsets: Vec<u32>,
    /// Incident edge ids per node.
    pub(crate) adj: Vec<u32>,
    pub(crate) edge_nodes: Vec<[u32; 2]>,
    pub(crate) edge_len: Vec<f64>,
    /// Per edge: +1 if it is the pavement left of its first → second node (child-safe major
    /// roads), −1 the right one, 0 an ordinary way. Snapping prefers the pavement on its side.
    pub(crate) edge_side: Vec<i8>,
    /// `cos` of the mean latitude, the x scale of the R-tree.
    pub(crate) cos_lat0: f64,
    pub(crate) rtree: RTree<SegmentEntry>,
    /// Child-safe only: the barrier lines (major roads, railways) in the same scaled plane; a snap
    /// whose straight connector crosses one is not taken.
    pub(crate) barrier_lines: RTree<Line<[f64; 2]>>,
}

/// Key of a graph vertex before numbering: an OSM node, or one sector of a child-safe barrier node
/// (the angular sectors between the barrier lines leaving the node, counted counter-clockwise).
///
/// The same ways give the same keys, so a key names a vertex across two builds of overlapping
/// sets of ways (a region and a cut of it: [`WalkGraph::build_reporting_dropped`],
/// [`WalkGraph::build_without`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VertexKey {
    /// An OSM node (its id).
    Node(i64),
    /// One side sector of a child-safe barrier node (node id, sector number).
    Sector(i64, u32),
}

impl VertexKey {
    /// The OSM node id of the vertex.
    pub fn node(&self) -> i64 {
        match self {
            VertexKey::Node(id) | VertexKey::Sector(id, _) => *id,
        }
    }
}

/// A vertex a build dropped (outside the largest component): its key and coordinate.
pub type DroppedVertex = (VertexKey, Coord<f64>);

/// Which vertices a build keeps.
enum Keep<'a> {
    /// The largest connected component (what [`WalkGraph::build`] does).
    Largest,
    /// Every vertex except these.
    AllBut(&'a std::collections::HashSet<VertexKey>),
}

/// The direction from `from` to `to` as an angle in (−π, π] in the local plane around `from`
/// (x east scaled by cos(lat), y north).
fn angle(from: Coord<f64>, to: Coord<f64>) -> f64 {
    let k = from.y.to_radians().cos();
    (to.y - from.y).atan2((to.x - from.x) * k)
}

/// Child-safe barrier nodes, each with the sorted angles of the barrier lines (major roads,
/// railways) leaving it; empty for the default profile.
struct Barriers(HashMap<i64, Vec<f64>>);

impl Barriers {
    /// The vertex of node `id` for a walk leaving it at `angle`. At a barrier node that is the
    /// sector containing the direction; `ccw` picks, for a direction along a barrier line itself,
    /// the sector just counter-clockwise of it (its left pavement) instead of just clockwise.
    fn key(&self, id: i64, angle: f64, ccw: bool) -> VertexKey {
        match self.0.get(&id) {
            None => VertexKey::Node(id),
            Some(rays) => {
                let below = rays
                    .iter()
                    .filter(|a| if ccw { **a <= angle } else { **a < angle })
                    .count();
                VertexKey::Sector(id, (below % rays.len()) as u32)
            }
        }
    }
}

impl WalkGraph {
    /// Builds the graph from walkable ways (railways only act as barriers for `ChildSafe`).
    ///
    /// Ways failing the foot/access rules are skipped; `nodes` supplies crossing tags.
    ///
    /// # Runtime
    /// O(n log n) for n way segments (hashing the vertices, one R-tree bulk load).
    ///
    /// # Examples
    /// A footway and a residential street meeting at node 2, and a motorway, which is not walkable:
    /// ```
    /// use geo_types::{Coord, coord};
    /// use model::WalkWay;
    /// use spielraum_network::{Profile, WalkGraph};
    ///
    /// let way = |id, highway: &str, nodes: Vec<i64>, coords: Vec<Coord<f64>>| WalkWay {
    ///     id,
    ///     nodes,
    ///     coords,
    ///     tags: vec![("highway".into(), highway.into())],
    /// };
    /// let (a, b, c) = (coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.001, y: 0.001});
    /// let ways = [
    ///     way(10, "footway", vec![1, 2], vec![a, b]),
    ///     way(11, "residential", vec![2, 3], vec![b, c]),
    ///     way(12, "motorway", vec![3, 4], vec![c, coord! {x: 0.002, y: 0.001}]),
    /// ];
    /// let graph = WalkGraph::build(&ways, &[], Profile::Default)?;
    /// assert_eq!((graph.node_count(), graph.edge_count()), (3, 2));
    /// // 0.001° east along the equator plus 0.001° north: 2 × 111.195 m.
    /// assert!((graph.total_length_m() - 222.39).abs() < 0.01);
    /// assert_eq!(graph.profile(), Profile::Default);
    /// // No major road to cross here, so the child-safe graph is the same network.
    /// let safe = WalkGraph::build(&ways, &[], Profile::ChildSafe)?;
    /// assert_eq!((safe.edge_count(), safe.profile()), (2, Profile::ChildSafe));
    /// # Ok::<(), spielraum_network::NetworkError>(())
    /// ```
    pub fn build(
        ways: &[WalkWay],
        nodes: &[TaggedNode],
        profile: Profile,
    ) -> Result<WalkGraph, NetworkError> {
        Self::build_keeping(ways, nodes, profile, Keep::Largest).map(|(g, _)| g)
    }

    /// [`WalkGraph::build`], also returning the vertices it dropped for lying outside the
    /// largest connected component, with their coordinates (sorted by key).
    ///
    /// A region-wide run cuts the ways around each municipality and builds each cut with
    /// [`WalkGraph::build_without`] these keys: the cut then holds exactly the region graph's
    /// vertices and edges among its ways, although its own largest component may differ.
    pub fn build_reporting_dropped(
        ways: &[WalkWay],
        nodes: &[TaggedNode],
        profile: Profile,
    ) -> Result<(WalkGraph, Vec<DroppedVertex>), NetworkError> {
        Self::build_keeping(ways, nodes, profile, Keep::Largest)
    }

    /// Builds the graph like [`WalkGraph::build`] but keeps every connected component, dropping
    /// only the vertices in `dropped` (and their edges). For a cut of a region's ways with the
    /// keys [`WalkGraph::build_reporting_dropped`] reported for the region, this is the region
    /// graph restricted to the cut's ways.
    pub fn build_without(
        ways: &[WalkWay],
        nodes: &[TaggedNode],
        profile: Profile,
        dropped: &std::collections::HashSet<VertexKey>,
    ) -> Result<WalkGraph, NetworkError> {
        Self::build_keeping(ways, nodes, profile, Keep::AllBut(dropped)).map(|(g, _)| g)
    }

    /// The build, keeping the vertices `keep` says; also returns the vertices dropped.
    fn build_keeping(
        ways: &[WalkWay],
        nodes: &[TaggedNode],
        profile: Profile,
        keep: Keep,
    ) -> Result<(WalkGraph, Vec<DroppedVertex>), NetworkError> {
        for way in ways {
            validate(way)?;
        }
        let walkable: Vec<&WalkWay> = ways.iter().filter(|w| is_walkable(w)).collect();
        let barriers = Barriers(match profile {
            Profile::Default => HashMap::new(),
            Profile::ChildSafe => barrier_rays(ways, &walkable, nodes),
        });

        let mut keys: HashMap<VertexKey, u32> = HashMap::new();
        let mut coords: Vec<Coord<f64>> = Vec::new();
        let mut edges: Vec<[u32; 2]> = Vec::new();
        let mut sides: Vec<i8> = Vec::new();
        let mut vertex = |key: VertexKey, c: Coord<f64>| -> u32 {
            *keys.entry(key).or_insert_with(|| {
                coords.push(c);
                (coords.len() - 1) as u32
            })
        };
        for way in &walkable {
            // A major road is walked along its two pavements: the left one (seen from node i − 1
            // towards node i) is counter-clockwise of the road at i − 1 and clockwise at i.
            let pavements: &[(bool, bool, i8)] = if is_barrier_class(way) {
                &[(true, false, 1), (false, true, -1)]
            } else {
                &[(false, false, 0)]
            };
            for i in 1..way.nodes.len() {
                let (ia, ib) = (way.nodes[i - 1], way.nodes[i]);
                let (ca, cb) = (way.coords[i - 1], way.coords[i]);
                if ia == ib {
                    continue;
                }
                let (ta, tb) = (angle(ca, cb), angle(cb, ca));
                let first = edges.len();
                for &(ccw_a, ccw_b, side) in pavements {
                    let a = vertex(barriers.key(ia, ta, ccw_a), ca);
                    let b = vertex(barriers.key(ib, tb, ccw_b), cb);
                    if a == b {
                        continue;
                    }
                    match edges[first..].iter().position(|e| *e == [a, b]) {
                        // Both pavements end at the same vertices: one edge, no side.
                        Some(k) => sides[first + k] = 0,
                        None => {
                            edges.push([a, b]);
                            sides.push(side);
                        }
                    }
                }
            }
        }
        if edges.is_empty() {
            return Err(NetworkError::Empty);
        }
        if u32::try_from(coords.len()).is_err() {
            return Err(NetworkError::TooManyNodes {
                nodes: coords.len(),
            });
        }
        let mut key_of = vec![VertexKey::Node(0); coords.len()];
        for (key, v) in &keys {
            key_of[*v as usize] = *key;
        }
        let kept = match keep {
            Keep::Largest => largest_component(coords.len(), &edges),
            Keep::AllBut(dropped) => key_of.iter().map(|k| !dropped.contains(k)).collect(),
        };
        let mut lost: Vec<DroppedVertex> = kept
            .iter()
            .enumerate()
            .filter(|(_, k)| !**k)
            .map(|(v, _)| (key_of[v], coords[v]))
            .collect();
        lost.sort_by_key(|(k, _)| *k);
        let mut graph = Self::from_sided_edges_keeping(coords, &edges, &sides, kept);
        graph.profile = profile;
        if profile == Profile::ChildSafe {
            let k = graph.cos_lat0;
            let lines = ways
                .iter()
                .filter(|w| is_barrier_class(w))
                .flat_map(|w| w.coords.windows(2))
                .filter(|c| c[0] != c[1])
                .map(|c| Line::new([c[0].x * k, c[0].y], [c[1].x * k, c[1].y]))
                .collect();
            graph.barrier_lines = RTree::bulk_load(lines);
        }
        Ok((graph, lost))
    }

    /// Builds the graph from node coordinates and undirected edges (lengths are great-circle),
    /// keeping the largest connected component. Used by `build` and by generated benchmark networks.
    /// Its [`profile`](WalkGraph::profile) is [`Profile::Default`]: every edge is walkable.
    ///
    /// Errors: an edge naming a node that `coords` does not have, a coordinate that is not a valid
    /// lon/lat, more nodes than `u32` can number, or no edge between two distinct nodes.
    ///
    /// # Examples
    /// A path of three nodes and a separate edge: only the larger piece is kept.
    /// ```
    /// use geo_types::coord;
    /// use spielraum_network::{NetworkError, Profile, WalkGraph};
    ///
    /// let coords = vec![
    ///     coord! {x: 0.0, y: 0.0},
    ///     coord! {x: 0.001, y: 0.0},
    ///     coord! {x: 0.002, y: 0.0},
    ///     coord! {x: 0.0, y: 0.01},
    ///     coord! {x: 0.001, y: 0.01},
    /// ];
    /// let graph = WalkGraph::from_edges(coords.clone(), &[[0, 1], [1, 2], [3, 4]])?;
    /// assert_eq!((graph.node_count(), graph.edge_count()), (3, 2));
    /// assert_eq!(graph.profile(), Profile::Default);
    /// assert_eq!(
    ///     WalkGraph::from_edges(coords, &[[0, 7]]).unwrap_err(),
    ///     NetworkError::EdgeNodeOutOfRange { edge: 0, node: 7, nodes: 5 }
    /// );
    /// # Ok::<(), NetworkError>(())
    /// ```
    pub fn from_edges(
        coords: Vec<Coord<f64>>,
        edges: &[[u32; 2]],
    ) -> Result<WalkGraph, NetworkError> {
        let n = coords.len();
        if u32::try_from(n).is_err() {
            return Err(NetworkError::TooManyNodes { nodes: n });
        }
        if let Some((node, c)) = coords.iter().enumerate().find(|(_, c)| !valid_lon_lat(**c)) {
            return Err(NetworkError::InvalidNodeCoordinate {
                node,
                lon: c.x,
                lat: c.y,
            });
        }
        for (edge, [a, b]) in edges.iter().enumerate() {
            if let Some(node) = [*a, *b].into_iter().find(|v| *v as usize >= n) {
                return Err(NetworkError::EdgeNodeOutOfRange {
                    edge,
                    node,
                    nodes: n,
                });
            }
        }
        if edges.iter().all(|[a, b]| a == b) {
            return Err(NetworkError::Empty);
        }
        Ok(Self::from_sided_edges(coords, edges, &vec![0; edges.len()]))
    }

    /// `from_edges` for checked input, with the pavement side of every edge (see `edge_side`).
    fn from_sided_edges(coords: Vec<Coord<f64>>, edges: &[[u32; 2]], sides: &[i8]) -> WalkGraph {
        let keep = largest_component(coords.len(), edges);
        Self::from_sided_edges_keeping(coords, edges, sides, keep)
    }

    /// `from_sided_edges` keeping the vertices marked in `keep`.
    fn from_sided_edges_keeping(
        coords: Vec<Coord<f64>>,
        edges: &[[u32; 2]],
        sides: &[i8],
        keep: Vec<bool>,
    ) -> WalkGraph {
        let n = coords.len();
        let mut new_id = vec![u32::MAX; n];
        let mut kept_coords = Vec::new();
        for (i, c) in coords.iter().enumerate() {
            if keep[i] {
                new_id[i] = kept_coords.len() as u32;
                kept_coords.push(*c);
            }
        }
        let (edge_nodes, edge_side): (Vec<[u32; 2]>, Vec<i8>) = edges
            .iter()
            .zip(sides)
            .filter(|([a, b], _)| keep[*a as usize] && keep[*b as usize] && a != b)
            .map(|([a, b], side)| ([new_id[*a as usize], new_id[*b as usize]], *side))
            .unzip();
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
            profile: Profile::Default,
            coords: kept_coords,
            offsets,
            adj,
            edge_nodes,
            edge_len,
            edge_side,
            cos_lat0,
            rtree: RTree::bulk_load(segments),
            barrier_lines: RTree::new(),
        }
    }

    /// The walking rules the graph was built with: the profile given to [`WalkGraph::build`], or
    /// [`Profile::Default`] for [`WalkGraph::from_edges`].
    ///
    /// Whether a graph fits a standard is `graph.profile() == wanted`, with no record kept aside.
    pub fn profile(&self) -> Profile {
        self.profile
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
    ///
    /// # Panics
    /// If `v` is not below [`WalkGraph::node_count`].
    pub fn node_coord(&self, v: u32) -> Coord<f64> {
        self.coords[v as usize]
    }

    /// The two end nodes of edge `e`.
    ///
    /// # Panics
    /// If `e` is not below [`WalkGraph::edge_count`].
    pub fn edge_ends(&self, e: u32) -> [u32; 2] {
        self.edge_nodes[e as usize]
    }

    /// The great-circle length of edge `e` in metres.
    ///
    /// # Panics
    /// If `e` is not below [`WalkGraph::edge_count`].
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

/// Whether `c` is a finite lon/lat within ±180° / ±90°.
fn valid_lon_lat(c: Coord<f64>) -> bool {
    c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0
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
        if !valid_lon_lat(*c) {
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

/// Child-safe barrier nodes: every node of a major road or railway with at least two barrier
/// lines leaving it (an interior node, or where two barrier ways meet; the plain end of a major
/// road is no barrier) that is not a crossing node nor an interior node of a crossing way. Each
/// comes with the sorted angles of its barrier lines (see [`angle`]).
fn barrier_rays(
    ways: &[WalkWay],
    walkable: &[&WalkWay],
    nodes: &[TaggedNode],
) -> HashMap<i64, Vec<f64>> {
    let mut crossings: std::collections::HashSet<i64> = nodes
        .iter()
        .filter(|n| is_crossing_node(n))
        .map(|n| n.id)
        .collect();
    for way in walkable.iter().filter(|w| is_crossing_way(w)) {
        if let [_, interior @ .., _] = way.nodes.as_slice() {
            crossings.extend(interior.iter().copied());
        }
    }
    let mut rays: HashMap<i64, Vec<f64>> = HashMap::new();
    for way in ways.iter().filter(|w| is_barrier_class(w)) {
        for i in 1..way.nodes.len() {
            let (a, b) = (i - 1, i);
            if way.nodes[a] == way.nodes[b] || way.coords[a] == way.coords[b] {
                continue;
            }
            for (from, to) in [(a, b), (b, a)] {
                let id = way.nodes[from];
                if !crossings.contains(&id) {
                    let ray = angle(way.coords[from], way.coords[to]);
                    rays.entry(id).or_default().push(ray);
                }
            }
        }
    }
    rays.retain(|_, r| r.len() >= 2);
    for r in rays.values_mut() {
        r.sort_by(f64::total_cmp);
    }
    rays
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
