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

impl WalkGraph {
    /// Snaps `p` to the nearest point of the nearest edge (ties: the first edge found). A point that
    /// is not finite, or a graph without edges, gives an infinite offset (unreachable).
    pub fn snap(&self, p: Coord<f64>) -> Snap {
        let q = [p.x * self.cos_lat0, p.y];
        // The plane distance of the R-tree understates the true distance by at most this factor.
        let k = (p.y.to_radians().cos() / self.cos_lat0).min(1.0);
        let metres_per_degree = model::geodesy::EARTH_RADIUS_M.to_radians();
        let mut best: Option<Snap> = None;
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
            let e = entry.data;
            let [va, vb] = self.edge_nodes[e as usize];
            let (a, b) = (self.coords[va as usize], self.coords[vb as usize]);
            let (_, s) = nearest_on_segment(p, a, b);
            let offset = distance_m(p, s);
            if best.as_ref().is_none_or(|b| offset < b.offset_m) {
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
