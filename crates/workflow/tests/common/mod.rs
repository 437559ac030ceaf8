//! A small worked city: one north–south street of 3 km, a public playground at its south end,
//! two households (one 50 m from the playground, one 3 km away) and two neighbourhoods.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use geo_types::{Coord, Geometry, MultiPolygon, Point, polygon};
use model::{
    City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit, WalkWay,
};

/// One metre north, in degrees of latitude.
pub const M: f64 = 1.0 / 111_195.08;
const LON: f64 = 9.5;
const LAT: f64 = 47.1;

fn at(east_m: f64, north_m: f64) -> Coord<f64> {
    Coord {
        x: LON + east_m * M / LAT.to_radians().cos(),
        y: LAT + north_m * M,
    }
}

fn band(id: &str, south_m: f64, north_m: f64) -> Neighbourhood {
    let (a, b) = (at(-500.0, south_m), at(500.0, north_m));
    Neighbourhood {
        id: id.into(),
        name: id.to_uppercase(),
        admin_level: Some(8),
        geometry: MultiPolygon(vec![polygon![
            (x: a.x, y: a.y), (x: b.x, y: a.y), (x: b.x, y: b.y), (x: a.x, y: b.y)
        ]]),
        population: None,
    }
}

/// Residents of the near household (50 m from the playground) by band 0–5, 6–11, 12–17.
pub const NEAR_AGES: [f64; 3] = [3.0, 2.0, 1.0];
/// Residents of the far household (3 km from the playground): nobody there is served.
pub const FAR_AGES: [f64; 3] = [4.0, 5.0, 6.0];

/// The worked city (see the module doc).
pub fn worked_city() -> City {
    let points: Vec<Coord<f64>> = (0..=31).map(|k| at(0.0, f64::from(k) * 100.0)).collect();
    let street = WalkWay {
        id: 1,
        nodes: (1..=32).collect(),
        coords: points,
        tags: vec![("highway".into(), "residential".into())],
    };
    let unit = |north_m: f64, ages: [f64; 3]| PopulationUnit {
        location: Point(at(5.0, north_m)),
        residents: ages.iter().sum::<f64>() * 2.0,
        ages,
        source: PopulationSource::Points,
    };
    let mut south = band("south", -100.0, 1500.0);
    south.population = Some(12.0);
    let mut north = band("north", 1500.0, 3200.0);
    north.population = Some(30.0);
    City {
        facilities: vec![Facility {
            osm_id: OsmId::Node(7),
            kind: FacilityKind::Playground,
            name: Some("Spielplatz".into()),
            access: None,
            geometry: Geometry::Point(Point(at(5.0, 0.0))),
            area_m2: Some(400.0),
            opening_hours: None,
        }],
        neighbourhoods: vec![south, north],
        population: vec![unit(50.0, NEAR_AGES), unit(3000.0, FAR_AGES)],
        walk_ways: vec![street],
        metadata: vec![("population_source".into(), "points".into())],
        ..City::default()
    }
}

/// Writes the worked city as a GeoPackage `name` in `dir`.
pub fn worked_city_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    store::write_city(&path, &worked_city()).expect("the worked city is written");
    path
}

/// `(name, type)` of a table's columns, as SQLite declares them.
pub fn table_info(path: &Path, table: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({table})"))
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
