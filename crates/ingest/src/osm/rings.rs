//! Multipolygon assembly: joins member ways end to end into closed rings and
//! puts inner rings into the outer ring that holds them.

use geo::{Intersects, Orient, orient::Direction};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};

/// Why a set of ways does not make a polygon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingError {
    /// The ways leave an open end at this node.
    Open(i64),
    /// A ring has fewer than three distinct points.
    Degenerate,
    /// No outer ring at all.
    NoOuter,
}

impl std::fmt::Display for RingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RingError::Open(n) => write!(f, "ring does not close (open end at node n{n})"),
            RingError::Degenerate => f.write_str("ring has fewer than 3 points"),
            RingError::NoOuter => f.write_str("no outer ring"),
        }
    }
}

/// Joins ways (node id sequences) into closed rings (first id == last id).
pub fn join_rings(ways: &[&[i64]]) -> Result<Vec<Vec<i64>>, RingError> {
    let mut pool: Vec<&[i64]> = ways.iter().copied().filter(|w| w.len() >= 2).collect();
    let mut rings = Vec::new();
    while let Some(first) = pool.pop() {
        let mut ring = first.to_vec();
        while ring.first() != ring.last() {
            let end = *ring.last().unwrap_or(&0);
            let Some(i) = pool
                .iter()
                .position(|w| w.first() == Some(&end) || w.last() == Some(&end))
            else {
                return Err(RingError::Open(end));
            };
            let w = pool.swap_remove(i);
            if w.first() == Some(&end) {
                ring.extend_from_slice(&w[1..]);
            } else {
                ring.extend(w.iter().rev().skip(1));
            }
        }
        if ring.len() < 4 {
            return Err(RingError::Degenerate);
        }
        rings.push(ring);
    }
    Ok(rings)
}

/// Builds an oriented multipolygon (outer rings counter-clockwise, holes clockwise)
/// from closed outer and inner coordinate rings. Inner rings lying in no outer ring are dropped.
pub fn multipolygon(
    outers: Vec<Vec<Coord<f64>>>,
    inners: Vec<Vec<Coord<f64>>>,
) -> Result<MultiPolygon<f64>, RingError> {
    if outers.is_empty() {
        return Err(RingError::NoOuter);
    }
    let mut polys: Vec<Polygon<f64>> = outers
        .into_iter()
        .map(|r| Polygon::new(LineString(r), vec![]))
        .collect();
    for inner in inners {
        let Some(p) = inner.first().map(|c| Point(*c)) else {
            continue;
        };
        if let Some(outer) = polys
            .iter_mut()
            .find(|o| o.exterior().intersects(&p) || o.intersects(&p))
        {
            outer.interiors_push(LineString(inner));
        }
    }
    Ok(MultiPolygon(polys).orient(Direction::Default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_ways_in_any_order_and_direction() {
        // Square 1-2-3-4 drawn as three ways: 1→2, 3→2 (reversed), 3→4→1.
        let a = [1, 2];
        let b = [3, 2];
        let c = [3, 4, 1];
        let rings = join_rings(&[&a, &b, &c]).unwrap();
        assert_eq!(rings.len(), 1);
        let r = &rings[0];
        assert_eq!(r.first(), r.last());
        let mut ids = r[..4].to_vec();
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4]);
    }

    #[test]
    fn open_rings_are_errors() {
        assert!(matches!(
            join_rings(&[&[1, 2, 3][..], &[3, 4][..]]),
            Err(RingError::Open(1 | 4))
        ));
        assert!(join_rings(&[&[1, 2, 1][..]]).is_err());
    }

    #[test]
    fn holes_go_into_their_outer_and_orientation_is_fixed() {
        let c = |x: f64, y: f64| Coord { x, y };
        // Outer square drawn clockwise; the hole inside it; a second square far away.
        let outer = vec![c(0., 0.), c(0., 4.), c(4., 4.), c(4., 0.), c(0., 0.)];
        let hole = vec![c(1., 1.), c(2., 1.), c(2., 2.), c(1., 1.)];
        let far = vec![c(10., 10.), c(11., 10.), c(11., 11.), c(10., 10.)];
        let mp = multipolygon(vec![outer, far], vec![hole]).unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.0[1].interiors().len(), 0);
        use geo::Area;
        // Counter-clockwise exterior: positive signed area; clockwise hole: negative.
        assert!(Polygon::new(mp.0[0].exterior().clone(), vec![]).signed_area() > 0.0);
        assert!(Polygon::new(mp.0[0].interiors()[0].clone(), vec![]).signed_area() < 0.0);
    }
}
