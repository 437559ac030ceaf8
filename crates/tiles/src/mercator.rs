//! Web Mercator (EPSG:3857) tile math in the unit square: lon/lat to [0,1]², tile ids and bounds.
//!
//! x grows east from -180°, y grows south from +85.0511° (the XYZ / slippy-map convention).

use geo_types::Coord;

use crate::TileError;

/// The highest zoom level the server renders.
pub const MAX_ZOOM: u8 = 22;

/// The latitude limit of Web Mercator, in degrees.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A tile address in the XYZ scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level.
    pub z: u8,
    /// Column, 0 at 180° W.
    pub x: u32,
    /// Row, 0 at the north edge.
    pub y: u32,
}

impl TileId {
    /// A checked tile id: `z <= MAX_ZOOM` and `x, y < 2^z`.
    pub fn new(z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomOutOfRange { z });
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::TileOutOfRange { z, x, y });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile's bounds in the unit square: (min x, min y, max x, max y).
    pub fn unit_bounds(self) -> [f64; 4] {
        let n = 2f64.powi(i32::from(self.z));
        [
            f64::from(self.x) / n,
            f64::from(self.y) / n,
            f64::from(self.x + 1) / n,
            f64::from(self.y + 1) / n,
        ]
    }

    /// The tile's bounds in degrees: (west, south, east, north).
    pub fn lonlat_bounds(self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.unit_bounds();
        let a = unit_to_lonlat(Coord { x: x0, y: y1 });
        let b = unit_to_lonlat(Coord { x: x1, y: y0 });
        [a.x, a.y, b.x, b.y]
    }

    /// The tile holding a lon/lat position at zoom `z` (clamped to the grid).
    pub fn containing(lon: f64, lat: f64, z: u8) -> TileId {
        let z = z.min(MAX_ZOOM);
        let n = 2f64.powi(i32::from(z));
        let c = lonlat_to_unit(Coord { x: lon, y: lat });
        let max = (1u64 << z) - 1;
        let clamp = |v: f64| ((v * n).floor().max(0.0) as u64).min(max) as u32;
        TileId {
            z,
            x: clamp(c.x),
            y: clamp(c.y),
        }
    }
}

/// Projects lon/lat degrees to the Web Mercator unit square (latitude clamped to ±[`MAX_LAT`]).
pub fn lonlat_to_unit(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    Coord {
        x: (c.x + 180.0) / 360.0,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0,
    }
}

/// The inverse of [`lonlat_to_unit`].
pub fn unit_to_lonlat(c: Coord<f64>) -> Coord<f64> {
    let n = std::f64::consts::PI * (1.0 - 2.0 * c.y);
    Coord {
        x: c.x * 360.0 - 180.0,
        y: n.sinh().atan().to_degrees(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tiles() {
        // Slippy-map reference (OSM wiki "Slippy map tilenames"): Vaduz 9.5209 E, 47.1410 N
        // at zoom 14: x = floor((9.5209+180)/360 * 16384) = floor(8625.31) = 8625,
        // y = floor((1 - ln(tan φ + sec φ)/π)/2 * 16384) with φ = 47.141° -> 5753 (5753.26).
        let t = TileId::containing(9.5209, 47.1410, 14);
        assert_eq!((t.x, t.y), (8625, 5753));
        // Zoom 0 covers the world: its bounds are ±180 and ±MAX_LAT.
        let b = TileId::new(0, 0, 0).unwrap().lonlat_bounds();
        assert!((b[0] + 180.0).abs() < 1e-9 && (b[2] - 180.0).abs() < 1e-9);
        assert!((b[1] + MAX_LAT).abs() < 1e-9 && (b[3] - MAX_LAT).abs() < 1e-9);
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(TileId::new(23, 0, 0).is_err());
        assert!(TileId::new(2, 4, 0).is_err());
        assert!(TileId::new(2, 3, 3).is_ok());
    }

    #[test]
    fn projection_round_trips() {
        for (lon, lat) in [(0.0, 0.0), (9.52, 47.14), (-120.0, -33.3), (179.9, 80.0)] {
            let back = unit_to_lonlat(lonlat_to_unit(Coord { x: lon, y: lat }));
            assert!((back.x - lon).abs() < 1e-9 && (back.y - lat).abs() < 1e-9);
        }
    }
}
