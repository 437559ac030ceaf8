//! Snapping a lon/lat point to the nearest point of the nearest edge segment of a walking graph.
//!
//! The R-tree holds segments in a global scaled plane; candidates are refined exactly around the query point.

use geo_types::Coord;
use model::geodesy::distance_m;

use crate::graph::WalkGraph;

/// Where a point attaches to the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge it attaches to.
    pub edge: u32,
    /// Great-circle metres from the snap point to the edge's first end node.
    pub to_a_m: f64,
    /// Great-circle metres from the snap point to the edge's second end node.
    pub to_b_m: f64,
    /// Great-circle metres from the point to its snap point (the straight line that counts).
    pub offset_m: f64,
    /// The snap point, lon/lat.
    pub point: Coord<f64>,
}

/// The nearest point to `p` on the segment `a`–`b`, computed in the local equirectangular projection
/// around `p` (x = Δlon·cos(lat_p), y = Δlat). Returns the parameter t in [0, 1] and the point.
pub(crate) fn nearest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (f64, Coord<f64>) {
    let k = p.y.to_radians().cos();
    let (ax, ay) = ((a.x - p.x) * k, a.y - p.y);
    let (bx, by) = ((b.x - p.x) * k, b.y - p.y);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (
        t,
        Coord {
            x: a.x + t * (b.x - a.x),
            y: a.y + t * (b.y - a.y),
        },
    )
}

/// Child-safe: how much farther than a refused snap (its connector crosses a barrier line) the
/// search goes on for one on the near side; beyond it the point is unreachable.
pub const MAX_SNAP_DETOUR_M: f64 = 250.0;

/// Offsets closer than this (metres) are a tie (the two pavements of a road coincide exactly).
const SAME_M: f64 = 1e-6;

impl WalkGraph {
    /// Whether the straight connector from `p` to its snap point `s` crosses a child-safe barrier
    /// line (touching one within 1 cm of `s`, as a pavement snap does, is no crossing).
    fn crosses_barrier(&self, p: Coord<f64>, s: Coord<f64>) -> bool {
        if self.barrier_lines.size() == 0 {
            return false;
        }
        let k = self.cos_lat0;
        let (a, b) = ([p.x * k, p.y], [s.x * k, s.y]);
        let length_m = distance_m(p, s);
        if length_m < 0.01 {
            return false;
        }
        let end = 1.0 - 0.01 / length_m;
        let env = rstar::AABB::from_corners(a, b);
        self.barrier_lines
            .locate_in_envelope_intersecting(&env)
            .any(|line| {
                let (c, d) = (line.from, line.to);
                let (rx, ry) = (b[0] - a[0], b[1] - a[1]);
                let (sx, sy) = (d[0] - c[0], d[1] - c[1]);
                let denom = rx * sy - ry * sx;
                if denom == 0.0 {
                    return false; // parallel: never a crossing
                }
                let (qx, qy) = (c[0] - a[0], c[1] - a[1]);
                let t = (qx * sy - qy * sx) / denom;
                let u = (qx * ry - qy * rx) / denom;
                t > 0.0 && t < end && (0.0..=1.0).contains(&u)
            })
    }

    /// Whether edge `e` is a pavement (child-safe major road) on the side of its road where `p` is.
    fn on_pavement_side(&self, e: u32, p: Coord<f64>) -> bool {
        let side = self.edge_side[e as usize];
        if side == 0 {
            return false;
        }
        let [va, vb] = self.edge_nodes[e as usize];
        let (a, b) = (self.coords[va as usize], self.coords[vb as usize]);
        let k = p.y.to_radians().cos();
        let cross = (b.x - a.x) * k * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) * k;
        (cross > 0.0 && side > 0) || (cross < 0.0 && side < 0)
    }

    /// The edge's end coordinates, lower end first (as bits): an order of edges that does not
    /// depend on their numbering.
    fn edge_order(&self, e: u32) -> [u64; 4] {
        let [va, vb] = self.edge_nodes[e as usize];
        let key = |v: u32| {
            let c = self.coords[v as usize];
            [c.x.to_bits(), c.y.to_bits()]
        };
        let (a, b) = (key(va), key(vb));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        [lo[0], lo[1], hi[0], hi[1]]
    }

    /// Snaps `p` to the nearest point of the nearest edge (ties within a micrometre: a child-safe
    /// pavement on `p`'s side of its road, else the edge whose ends come first by coordinates). A point that is not finite, or a graph without
    /// edges, gives an infinite offset (unreachable).
    ///
    /// Child-safe graphs skip edges whose straight connector from `p` would cross a barrier line
    /// (major road, railway) and take the nearest one on `p`'s side, looking at most
    /// [`MAX_SNAP_DETOUR_M`] farther than the first refused one; if there is none, `p` is
    /// unreachable (infinite offset).
    ///
    /// # Runtime
    /// O(log m) on a graph of m edges (the R-tree's nearest segments, nearest first, until none
    /// can be closer); on child-safe graphs up to [`MAX_SNAP_DETOUR_M`] more of them when a
    /// barrier refuses the nearest.
    ///
    /// # Examples
    /// A point 0.0001° (11.12 m) north of the middle of an edge 0.002° (222.4 m) long:
    /// ```
    /// use geo_types::coord;
    /// use spielraum_network::WalkGraph;
    ///
    /// let graph = WalkGraph::from_edges(
    ///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.002, y: 0.0}],
    ///     &[[0, 1]],
    /// )?;
    /// let s = graph.snap(coord! {x: 0.001, y: 0.0001});
    /// let metre = 1.0 / 111_195.08; // degrees along the equator and along a meridian
    /// assert_eq!(s.edge, 0);
    /// assert!((s.offset_m - 0.0001 / metre).abs() < 1e-3);
    /// assert!((s.to_a_m - 0.001 / metre).abs() < 1e-3 && (s.to_b_m - s.to_a_m).abs() < 1e-6);
    /// assert!(graph.snap(coord! {x: f64::NAN, y: 0.0}).offset_m.is_infinite());
    /// # Ok::<(), spielraum_network::NetworkError>(())
    /// ```
    pub fn snap(&self, p: Coord<f64>) -> Snap {
        let q = [p.x * self.cos_lat0, p.y];
        // The plane distance of the R-tree understates the true distance by at most this factor.
        let k = (p.y.to_radians().cos() / self.cos_lat0).min(1.0);
        let metres_per_degree = model::geodesy::EARTH_RADIUS_M.to_radians();
        let mut best: Option<Snap> = None;
        let mut best_on_side = false;
        // Child-safe: once a nearer snap was refused for crossing a barrier, how far to look on.
        let mut limit = f64::INFINITY;
        if !(p.x.is_finite() && p.y.is_finite()) {
            return Snap {
                edge: 0,
                to_a_m: 0.0,
                to_b_m: 0.0,
                offset_m: f64::INFINITY,
                point: p,
            };
        }
        for (entry, d2) in self.rtree.nearest_neighbor_iter_with_distance_2(&q) {
            let lower_bound = d2.sqrt() * metres_per_degree * k * 0.999 - 1e-3;
            if let Some(b) = &best
                && lower_bound > b.offset_m
            {
                break;
            }
            if lower_bound > limit {
                break;
            }
            let e = entry.data;
            let [va, vb] = self.edge_nodes[e as usize];
            let (a, b) = (self.coords[va as usize], self.coords[vb as usize]);
            let (_, s) = nearest_on_segment(p, a, b);
            let offset = distance_m(p, s);
            let on_side = self.on_pavement_side(e, p);
            let better = best.as_ref().is_none_or(|b| {
                offset < b.offset_m - SAME_M
                    || (offset <= b.offset_m + SAME_M && on_side && !best_on_side)
                    // Equally near (a point snapped to a node both edges share): the edge whose
                    // ends come first, so that any graph holding both edges (a region and a cut
                    // of it, with other R-trees) picks the same one.
                    || (offset <= b.offset_m + SAME_M
                        && on_side == best_on_side
                        && self.edge_order(e) < self.edge_order(b.edge))
            });
            if better && self.crosses_barrier(p, s) {
                limit = limit.min(offset + MAX_SNAP_DETOUR_M);
                continue;
            }
            if better {
                best_on_side = on_side;
                best = Some(Snap {
                    edge: e,
                    to_a_m: distance_m(s, a),
                    to_b_m: distance_m(s, b),
                    offset_m: offset,
                    point: s,
                });
            }
        }
        // The graph has at least one edge (build refuses an empty network).
        best.unwrap_or(Snap {
            edge: 0,
            to_a_m: 0.0,
            to_b_m: 0.0,
            offset_m: f64::INFINITY,
            point: p,
        })
    }
}
