//! Test helpers: ASCII-art maps (one character = 10 m, at the equator) and a brute-force reference
//! (exhaustive snapping over all segments, Floyd–Warshall over all nodes), written independently of the crate.

#![allow(dead_code)]

use std::collections::HashMap;

use geo_types::Coord;
use model::{TaggedNode, WalkWay};

/// Metres per degree on the WGS84 mean sphere: 2π · 6 371 008.8 m / 360.
pub const M_PER_DEG: f64 = 111_195.079_734_632_3;
/// One character (column or row) of an ASCII map, in metres.
pub const CELL_M: f64 = 10.0;

/// The lon/lat of a map cell (fractions allowed). Rows go south, columns east, from (0°, 0°).
pub fn cell(col: f64, row: f64) -> Coord<f64> {
    Coord {
        x: col * CELL_M / M_PER_DEG,
        y: -row * CELL_M / M_PER_DEG,
    }
}

/// A map: every ASCII letter or digit is a named node.
pub struct AsciiMap {
    nodes: HashMap<char, (usize, usize)>,
}

impl AsciiMap {
    /// Parses the map; the first line is row 0 (a leading empty line is skipped).
    pub fn parse(text: &str) -> AsciiMap {
        let mut nodes = HashMap::new();
        let text = text.strip_prefix('\n').unwrap_or(text);
        for (row, line) in text.lines().enumerate() {
            for (col, ch) in line.chars().enumerate() {
                if ch.is_ascii_alphanumeric() {
                    assert!(nodes.insert(ch, (col, row)).is_none(), "node {ch} twice");
                }
            }
        }
        AsciiMap { nodes }
    }

    /// The lon/lat of a named node.
    pub fn at(&self, name: char) -> Coord<f64> {
        let (col, row) = self.nodes[&name];
        cell(col as f64, row as f64)
    }

    /// A way through the named nodes (node id = the character's code).
    pub fn way(&self, id: i64, names: &str, tags: &[(&str, &str)]) -> WalkWay {
        WalkWay {
            id,
            nodes: names.chars().map(|c| c as i64).collect(),
            coords: names.chars().map(|c| self.at(c)).collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A tagged node.
    pub fn node(&self, name: char, tags: &[(&str, &str)]) -> TaggedNode {
        TaggedNode {
            id: name as i64,
            coord: self.at(name),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// Haversine distance, written out (R = 6 371 008.8 m).
pub fn haversine(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (p1, p2) = (a.y.to_radians(), b.y.to_radians());
    let dp = p2 - p1;
    let dl = (b.x - a.x).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

/// A plain graph for brute force: node coordinates and undirected edges.
pub struct Reference {
    pub coords: Vec<Coord<f64>>,
    pub edges: Vec<(usize, usize)>,
    /// All-pairs shortest path lengths (Floyd–Warshall).
    pub d: Vec<Vec<f64>>,
}

/// A point attached to a segment: (edge index, metres to its first node, to its second, offset).
#[derive(Debug, Clone, Copy)]
pub struct RefSnap {
    pub edge: usize,
    pub to_first: f64,
    pub to_second: f64,
    pub offset: f64,
    /// The snap point itself.
    pub point: Coord<f64>,
}

impl Reference {
    pub fn new(coords: Vec<Coord<f64>>, edges: Vec<(usize, usize)>) -> Reference {
        let n = coords.len();
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for &(i, j) in &edges {
            let l = haversine(coords[i], coords[j]);
            d[i][j] = d[i][j].min(l);
            d[j][i] = d[j][i].min(l);
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    let via = d[i][k] + d[k][j];
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        Reference { coords, edges, d }
    }

    /// Exhaustive search over every segment: the closest point, found by projecting `p` onto the
    /// segment in a flat plane around `p` (east metres scaled by cos(lat of p)).
    pub fn snap(&self, p: Coord<f64>) -> RefSnap {
        let east = p.y.to_radians().cos();
        let plane = |c: Coord<f64>| ((c.x - p.x) * east, c.y - p.y);
        let mut best: Option<RefSnap> = None;
        for (e, &(i, j)) in self.edges.iter().enumerate() {
            let (s, t) = (self.coords[i], self.coords[j]);
            let (sx, sy) = plane(s);
            let (tx, ty) = plane(t);
            let seg2 = (tx - sx).powi(2) + (ty - sy).powi(2);
            let f = if seg2 == 0.0 {
                0.0
            } else {
                ((0.0 - sx) * (tx - sx) + (0.0 - sy) * (ty - sy)) / seg2
            };
            let f = f.clamp(0.0, 1.0);
            let q = Coord {
                x: s.x + (t.x - s.x) * f,
                y: s.y + (t.y - s.y) * f,
            };
            let cand = RefSnap {
                edge: e,
                to_first: haversine(q, s),
                to_second: haversine(q, t),
                offset: haversine(p, q),
                point: q,
            };
            if best.is_none_or(|b| cand.offset < b.offset) {
                best = Some(cand);
            }
        }
        best.expect("reference graph has edges")
    }

    /// Walking distance between two snapped points (both offsets included).
    pub fn between(&self, o: RefSnap, t: RefSnap) -> f64 {
        let (oi, oj) = self.edges[o.edge];
        let (ti, tj) = self.edges[t.edge];
        let mut best = f64::INFINITY;
        for (on, od) in [(oi, o.to_first), (oj, o.to_second)] {
            for (tn, td) in [(ti, t.to_first), (tj, t.to_second)] {
                best = best.min(od + self.d[on][tn] + td);
            }
        }
        if o.edge == t.edge {
            best = best.min((o.to_first - t.to_first).abs());
        }
        o.offset + best + t.offset
    }

    /// Walking distance from `origin` to a target given by its access points.
    pub fn distance(&self, origin: Coord<f64>, target: &[Coord<f64>]) -> f64 {
        let o = self.snap(origin);
        target
            .iter()
            .map(|p| self.between(o, self.snap(*p)))
            .fold(f64::INFINITY, f64::min)
    }
}
