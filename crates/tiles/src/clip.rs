//! Clipping of lines and polygon rings to an axis-aligned box (the tile plus its buffer),
//! in tile coordinates: Liang–Barsky for line segments, Sutherland–Hodgman for rings.
//!
//! Rings clipped this way may run along the box edge; renderers draw that edge outside the tile.

/// An axis-aligned box: min x, min y, max x, max y.
pub type BBox = [f64; 4];

/// Clips a polyline to `b`, returning the pieces that lie inside (each with ≥ 2 points).
pub fn clip_line(line: &[[f64; 2]], b: BBox) -> Vec<Vec<[f64; 2]>> {
    let mut out: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut cur: Vec<[f64; 2]> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], b) {
            Some((p, q, q_clipped)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
                if q_clipped {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// Liang–Barsky: the part of segment a–b inside `bx`, and whether its end was cut.
fn clip_segment(a: [f64; 2], b: [f64; 2], bx: BBox) -> Option<([f64; 2], [f64; 2], bool)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a[0] - bx[0]),
        (dx, bx[2] - a[0]),
        (-dy, a[1] - bx[1]),
        (dy, bx[3] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| [a[0] + t * dx, a[1] + t * dy];
    let p = if t0 > 0.0 { at(t0) } else { a };
    let q = if t1 < 1.0 { at(t1) } else { b };
    Some((p, q, t1 < 1.0))
}

/// Clips a closed ring to `b` (Sutherland–Hodgman); returns an open ring (first ≠ last),
/// empty when nothing is left.
pub fn clip_ring(ring: &[[f64; 2]], b: BBox) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // Each edge: (axis, bound, keep-if-greater-or-equal)
    for (axis, bound, keep_ge) in [
        (0, b[0], true),
        (0, b[2], false),
        (1, b[1], true),
        (1, b[3], false),
    ] {
        if pts.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_ge {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            let (ci, pi) = (inside(&cur), inside(&prev));
            if ci != pi {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut x = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                x[axis] = bound;
                out.push(x);
            }
            if ci {
                out.push(cur);
            }
        }
        pts = out;
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: BBox = [0.0, 0.0, 10.0, 10.0];

    #[test]
    fn line_crossing_box_is_cut_at_edges() {
        // A horizontal line from x=-5 to x=15 at y=5 keeps x in [0,10].
        let r = clip_line(&[[-5.0, 5.0], [15.0, 5.0]], B);
        assert_eq!(r, vec![vec![[0.0, 5.0], [10.0, 5.0]]]);
    }

    #[test]
    fn line_leaving_and_reentering_gives_two_pieces() {
        // Goes in at (2,5), out over the top to (5,20), back in down to (8,5).
        let r = clip_line(&[[2.0, 5.0], [5.0, 20.0], [8.0, 5.0]], B);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][0], [2.0, 5.0]);
        assert_eq!(r[1][1], [8.0, 5.0]);
        // The cut points lie on y = 10: on 2,5 -> 5,20 at t = 1/3, x = 3.
        assert!((r[0][1][0] - 3.0).abs() < 1e-12 && r[0][1][1] == 10.0);
        assert!((r[1][0][0] - 7.0).abs() < 1e-12 && r[1][0][1] == 10.0);
    }

    #[test]
    fn line_outside_is_dropped() {
        assert!(clip_line(&[[20.0, 20.0], [30.0, 25.0]], B).is_empty());
    }

    #[test]
    fn square_overlapping_corner_becomes_quarter() {
        // Square (5,5)-(15,15) cut by the box: the inside part is (5,5)-(10,10), area 25.
        let r = clip_ring(
            &[
                [5.0, 5.0],
                [15.0, 5.0],
                [15.0, 15.0],
                [5.0, 15.0],
                [5.0, 5.0],
            ],
            B,
        );
        let area: f64 = (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum::<f64>()
            / 2.0;
        assert!((area.abs() - 25.0).abs() < 1e-9, "area {area}");
        assert!(
            r.iter()
                .all(|p| p[0] >= 5.0 && p[0] <= 10.0 && p[1] >= 5.0 && p[1] <= 10.0)
        );
    }

    use geo::{Area, BooleanOps, ConvexHull};
    use proptest::prelude::*;

    fn area(r: &[[f64; 2]]) -> f64 {
        (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum::<f64>()
            .abs()
            / 2.0
    }

    proptest! {
        /// For convex rings Sutherland–Hodgman is exact: the clipped area equals the area of
        /// the intersection computed by geo's boolean operations (an independent implementation).
        #[test]
        fn convex_ring_clip_matches_geo_intersection(pts in prop::collection::vec((-10.0f64..20.0, -10.0f64..20.0), 3..12)) {
            let hull = geo_types::MultiPoint::from(pts).convex_hull();
            let ring: Vec<[f64; 2]> = hull.exterior().0.iter().map(|c| [c.x, c.y]).collect();
            let b = geo_types::Rect::new((0.0, 0.0), (10.0, 10.0)).to_polygon();
            let expected = hull.intersection(&b).unsigned_area();
            let got = area(&clip_ring(&ring, B));
            prop_assert!((got - expected).abs() < 1e-6 * (1.0 + expected), "got {got}, expected {expected}");
        }

        /// Clipped line pieces stay inside the box and add up to the length of the line inside
        /// it, measured by sampling the original line densely (brute force).
        #[test]
        fn line_clip_keeps_the_inside_length(pts in prop::collection::vec((-10.0f64..20.0, -10.0f64..20.0), 2..8)) {
            let line: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| [x, y]).collect();
            let pieces = clip_line(&line, B);
            let len = |p: &[[f64; 2]]| p.windows(2).map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt()).sum::<f64>();
            for piece in &pieces {
                for p in piece {
                    prop_assert!(p[0] >= -1e-9 && p[0] <= 10.0 + 1e-9 && p[1] >= -1e-9 && p[1] <= 10.0 + 1e-9);
                }
            }
            let got: f64 = pieces.iter().map(|p| len(p)).sum();
            let n = 20_000;
            let mut brute = 0.0;
            for w in line.windows(2) {
                let seg = len(w);
                for i in 0..n {
                    let t = (i as f64 + 0.5) / n as f64;
                    let (x, y) = (w[0][0] + t * (w[1][0] - w[0][0]), w[0][1] + t * (w[1][1] - w[0][1]));
                    if (0.0..=10.0).contains(&x) && (0.0..=10.0).contains(&y) {
                        brute += seg / n as f64;
                    }
                }
            }
            prop_assert!((got - brute).abs() < 0.01 * (line.len() as f64), "got {got}, brute force {brute}");
        }
    }

    #[test]
    fn ring_outside_is_empty() {
        assert!(clip_ring(&[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]], B).is_empty());
    }
}
