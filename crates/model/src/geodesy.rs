//! Distances and areas on the Earth, as the domain rules define them.
//!
//! Lengths are great-circle lengths on the WGS84 mean sphere (R = 6 371 008.8 m);
//! areas are geodesic areas on the WGS84 ellipsoid.

use geo::{Distance, GeodesicArea, Haversine};
use geo_types::{Coord, Geometry, Point};

/// Mean Earth radius used for every walking length (metres).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two lon/lat coordinates.
pub fn distance_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Haversine.distance(Point(a), Point(b))
}

/// Great-circle length in metres of a lon/lat line.
pub fn line_length_m(coords: &[Coord<f64>]) -> f64 {
    coords.windows(2).map(|w| distance_m(w[0], w[1])).sum()
}

/// Unsigned geodesic area in m² of a lon/lat geometry (0 for points and lines).
pub fn area_m2(geometry: &Geometry<f64>) -> f64 {
    match geometry {
        Geometry::Polygon(p) => p.geodesic_area_unsigned(),
        Geometry::MultiPolygon(mp) => mp.geodesic_area_unsigned(),
        Geometry::Rect(r) => r.geodesic_area_unsigned(),
        Geometry::Triangle(t) => t.geodesic_area_unsigned(),
        Geometry::GeometryCollection(gc) => gc.iter().map(area_m2).sum(),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn one_degree_of_longitude_on_the_equator() {
        // 2πR / 360, computed by hand.
        let d = distance_m(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 0.0 });
        assert!((d - 111_195.08).abs() < 0.01, "{d}");
    }

    #[test]
    fn area_of_a_small_square_near_vaduz() {
        // A 0.001° square at 47.14°N: 0.001° lat ≈ 111.2 m, 0.001° lon ≈ 75.8 m.
        let p = polygon![(x: 9.52, y: 47.14), (x: 9.521, y: 47.14), (x: 9.521, y: 47.141), (x: 9.52, y: 47.141)];
        let a = area_m2(&Geometry::Polygon(p));
        assert!((a - 111.2 * 75.8).abs() / a < 0.01, "{a}");
    }
}
