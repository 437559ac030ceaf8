//! The ETRS89 / LAEA Europe projection (EPSG:3035) used by the Zensus grid.
//!
//! Owns the conversion between EPSG:3035 metres and WGS84 lon/lat (via `proj4rs`) and the area-of-use check.

use proj4rs::Proj;

/// The PROJ definition of EPSG:3035 (GRS80, lat0 52°N, lon0 10°E, FE 4 321 000 m, FN 3 210 000 m).
const EPSG_3035: &str =
    "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs";
/// Geographic coordinates on the GRS80 ellipsoid (ETRS89 ≈ WGS84 at the metre level).
const GEOGRAPHIC: &str = "+proj=longlat +ellps=GRS80 +no_defs";

/// EPSG:3035's area of use as a lon/lat box (EPSG registry: Europe, 35.58°W–44.83°E, 24.60°N–84.73°N).
pub const AREA_OF_USE: [f64; 4] = [-35.58, 24.60, 44.83, 84.73];

/// A point that lies outside EPSG:3035's area of use (or is not a finite number).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("({0}, {1}) is outside EPSG:3035's area of use")]
pub struct OutsideArea(pub f64, pub f64);

/// Converts between EPSG:3035 and WGS84; build once, use for many points.
#[derive(Debug)]
pub struct Laea {
    laea: Proj,
    geographic: Proj,
}

impl Default for Laea {
    fn default() -> Self {
        Self::new()
    }
}

impl Laea {
    /// The EPSG:3035 projection.
    pub fn new() -> Self {
        // Both strings are constants checked by the tests: parsing cannot fail at run time.
        let laea = Proj::from_proj_string(EPSG_3035).expect("constant EPSG:3035 definition");
        let geographic =
            Proj::from_proj_string(GEOGRAPHIC).expect("constant geographic definition");
        Self { laea, geographic }
    }

    /// EPSG:3035 easting/northing (metres) → WGS84 (lon, lat) in degrees.
    pub fn to_lon_lat(&self, easting: f64, northing: f64) -> Result<(f64, f64), OutsideArea> {
        let err = OutsideArea(easting, northing);
        if !easting.is_finite() || !northing.is_finite() {
            return Err(err);
        }
        let mut p = (easting, northing, 0.0);
        proj4rs::transform::transform(&self.laea, &self.geographic, &mut p).map_err(|_| err)?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        if in_area(lon, lat) {
            Ok((lon, lat))
        } else {
            Err(err)
        }
    }

    /// WGS84 (lon, lat) in degrees → EPSG:3035 (easting, northing) in metres.
    pub fn from_lon_lat(&self, lon: f64, lat: f64) -> Result<(f64, f64), OutsideArea> {
        let err = OutsideArea(lon, lat);
        if !in_area(lon, lat) {
            return Err(err);
        }
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.geographic, &self.laea, &mut p).map_err(|_| err)?;
        Ok((p.0, p.1))
    }
}

/// Whether (lon, lat) lies in EPSG:3035's area of use (its bounding box).
fn in_area(lon: f64, lat: f64) -> bool {
    let [w, s, e, n] = AREA_OF_USE;
    (w..=e).contains(&lon) && (s..=n).contains(&lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (lon, lat, easting, northing) pairs from independent references.
    const PAIRS: [(f64, f64, f64, f64); 6] = [
        // EPSG Guidance Note 7-2, §1.3.11 worked example for EPSG:3035.
        (5.0, 50.0, 3962799.45, 2999718.85),
        // The projection origin maps to the false easting/northing (definition).
        (10.0, 52.0, 4321000.0, 3210000.0),
        // The rest: PROJ 9.5.1 via pyproj 3.7.2, Transformer EPSG:4326 -> EPSG:3035, always_xy.
        (13.405, 52.52, 4552036.4502, 3273268.2736), // Berlin
        (9.5209, 47.141, 4284628.4956, 2669833.2614), // Vaduz
        (-20.0, 65.0, 2948183.0705, 4956848.0204),   // Iceland, far from the origin
        (30.0, 40.0, 6015516.9182, 2103594.6166),    // Aegean, far east
    ];

    #[test]
    fn forward_matches_references_within_a_centimetre() {
        let laea = Laea::new();
        for (lon, lat, e, n) in PAIRS {
            let (x, y) = laea.from_lon_lat(lon, lat).unwrap();
            assert!((x - e).abs() < 0.01, "{lon},{lat}: E {x} vs {e}");
            assert!((y - n).abs() < 0.01, "{lon},{lat}: N {y} vs {n}");
        }
    }

    #[test]
    fn inverse_matches_references_within_a_centimetre() {
        let laea = Laea::new();
        for (lon, lat, e, n) in PAIRS {
            let (x, y) = laea.to_lon_lat(e, n).unwrap();
            // 1e-7° of latitude ≈ 1.1 cm; of longitude less: compare in metres on the sphere.
            let dy = (y - lat) * 111_320.0;
            let dx = (x - lon) * 111_320.0 * lat.to_radians().cos();
            assert!(
                dx.abs() < 0.01 && dy.abs() < 0.01,
                "{e},{n}: {x},{y} vs {lon},{lat}"
            );
        }
        // PROJ 9.5.1 (pyproj) inverse of a Zensus cell centre near Lindau:
        // (4337050, 2689150) -> (10.2121243873, 47.3157364464).
        let (x, y) = laea.to_lon_lat(4_337_050.0, 2_689_150.0).unwrap();
        assert!((x - 10.212_124_387_3).abs() * 75_000.0 < 0.01);
        assert!((y - 47.315_736_446_4).abs() * 111_320.0 < 0.01);
    }

    #[test]
    fn rejects_points_outside_the_area_of_use() {
        let laea = Laea::new();
        assert!(laea.from_lon_lat(-75.0, 40.0).is_err()); // New York
        assert!(laea.from_lon_lat(10.0, -30.0).is_err());
        assert!(laea.to_lon_lat(0.0, 0.0).is_err());
        assert!(laea.to_lon_lat(f64::NAN, 3_000_000.0).is_err());
        assert!(laea.to_lon_lat(4_321_000.0, 3_210_000.0).is_ok());
    }
}
