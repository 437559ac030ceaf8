//! Random small towns for scenario and suggestion tests: a 7 × 7 street grid (150 m blocks, some
//! streets missing), random units and facilities, two neighbourhoods, a standard using every rule.

use geo_types::{Coord, Geometry, MultiPolygon, Point, polygon};
use model::{
    City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit, WalkWay,
};
use proptest::prelude::*;

/// Metres in degrees of latitude (the towns lie near 47.1° N, so longitude is scaled).
pub const M: f64 = 1.0 / 111_195.08;
const LAT0: f64 = 47.1;
const LON0: f64 = 9.5;

/// Lon/lat of a point `x_m` east and `y_m` north of the town's origin.
pub fn at(x_m: f64, y_m: f64) -> Coord<f64> {
    Coord {
        x: LON0 + x_m * M / LAT0.to_radians().cos(),
        y: LAT0 + y_m * M,
    }
}

/// A square with south-west corner (x, y) m and side `side` m.
pub fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
    let (a, b) = (at(x, y), at(x + side, y + side));
    MultiPolygon(vec![polygon![
        (x: a.x, y: a.y), (x: b.x, y: a.y), (x: b.x, y: b.y), (x: a.x, y: b.y)
    ]])
}

/// A standard exercising every rule the scenario can change: a 30 % weight on school yards
/// (opened to the public they count fully), a minimum area (enlarging matters), two distance
/// rules for one band, school yards as play area.
pub const STANDARD: &str = r#"
name = "scenario-test"
point_area_m2 = 100.0
[area_weights]
school = 0.3
[play_area]
kinds = ["playground", "school"]
target_m2_per_resident = 1.0
[bands.age_0_5]
threshold_m = 200.0
speed_kmh = 3.5
kinds = ["playground"]
[bands.age_6_11]
threshold_m = 400.0
speed_kmh = 4.0
kinds = ["playground", "open_space", "school"]
min_area_m2 = 300.0
[bands.age_12_17]
threshold_m = 900.0
speed_kmh = 4.5
kinds = ["playground", "open_space", "school"]
min_area_m2 = 1000.0
also = [{ threshold_m = 300.0 }]
"#;

/// Kinds drawn at random.
pub const KINDS: [FacilityKind; 9] = FacilityKind::ALL;
const ACCESS_TAGS: [Option<&str>; 4] = [None, None, Some("private"), Some("no")];

/// A facility drawn at random: position (m), kind, polygon side (0 = point), area, access.
pub type RawFacility = ((f64, f64), usize, f64, Option<f64>, usize);

/// The base facility with id `w{i + 1}`.
pub fn facility(i: usize, &((x, y), kind, side, area, access): &RawFacility) -> Facility {
    let geometry: Geometry<f64> = if side > 0.0 {
        square(x, y, side).into()
    } else {
        Point(at(x, y)).into()
    };
    Facility {
        osm_id: OsmId::Way(i as i64 + 1),
        kind: KINDS[kind],
        name: None,
        access: ACCESS_TAGS[access].map(str::to_string),
        geometry,
        area_m2: area,
        opening_hours: None,
    }
}

/// A grid of streets every 150 m over 900 m × 900 m with some blocks' streets missing,
/// random units and facilities, two neighbourhoods (west, east) that leave a strip uncovered.
pub fn town(
    missing: &[bool],
    units: &[((f64, f64), [f64; 3])],
    facilities: &[RawFacility],
) -> City {
    let n = 7;
    let node = |i: usize, j: usize| (j * n + i) as i64;
    let mut walk_ways = Vec::new();
    let mut id = 0;
    for j in 0..n {
        for i in 0..n {
            for (di, dj) in [(1, 0), (0, 1)] {
                let (i2, j2) = (i + di, j + dj);
                if i2 >= n || j2 >= n {
                    continue;
                }
                id += 1;
                if missing[(id as usize) % missing.len()] {
                    continue;
                }
                walk_ways.push(WalkWay {
                    id,
                    nodes: vec![node(i, j), node(i2, j2)],
                    coords: vec![
                        at(i as f64 * 150.0, j as f64 * 150.0),
                        at(i2 as f64 * 150.0, j2 as f64 * 150.0),
                    ],
                    tags: vec![("highway".into(), "residential".into())],
                });
            }
        }
    }
    let hood = |id: &str, x0: f64, x1: f64| Neighbourhood {
        id: id.into(),
        name: id.to_uppercase(),
        admin_level: None,
        geometry: {
            let (a, b) = (at(x0, -50.0), at(x1, 950.0));
            MultiPolygon(vec![polygon![
                (x: a.x, y: a.y), (x: b.x, y: a.y), (x: b.x, y: b.y), (x: a.x, y: b.y)
            ]])
        },
        population: None,
    };
    City {
        facilities: facilities
            .iter()
            .enumerate()
            .map(|(i, f)| facility(i, f))
            .collect(),
        neighbourhoods: vec![hood("west", -50.0, 420.0), hood("east", 480.0, 950.0)],
        population: units
            .iter()
            .map(|&((x, y), ages)| PopulationUnit {
                location: Point(at(x, y)),
                residents: ages.iter().sum::<f64>() * 2.0,
                ages,
                source: PopulationSource::Points,
            })
            .collect(),
        walk_ways,
        ..City::default()
    }
}

/// A random facility.
pub fn raw_facility() -> impl Strategy<Value = RawFacility> {
    (
        (0.0..900.0f64, 0.0..900.0f64),
        0..KINDS.len(),
        prop_oneof![Just(0.0), 10.0..80.0f64],
        prop_oneof![Just(None), (50.0..3000.0f64).prop_map(Some)],
        0..4usize,
    )
}

/// A random [`town`]'s streets (true: that street is missing; at least one is there), homes
/// (position in metres from the south-west corner, children per band) and facilities, and
/// whether the walking profile is child-safe.
pub type RawTown = (
    Vec<bool>,
    Vec<((f64, f64), [f64; 3])>,
    Vec<RawFacility>,
    bool,
);

/// A random town of up to `homes` homes (some up to 100 m outside the street grid when
/// `outside`) and up to `facilities` facilities.
pub fn raw_town(homes: usize, facilities: usize, outside: bool) -> impl Strategy<Value = RawTown> {
    let (lo, hi) = if outside {
        (-100.0, 1000.0)
    } else {
        (0.0, 900.0)
    };
    (
        proptest::collection::vec(proptest::bool::weighted(0.15), 1..20)
            .prop_filter("no street at all", |m| m.contains(&false)),
        proptest::collection::vec(
            ((lo..hi, lo..hi), [0.0..6.0f64, 0.0..6.0, 0.0..6.0]),
            1..homes,
        ),
        proptest::collection::vec(raw_facility(), 0..facilities),
        any::<bool>(),
    )
}

/// The town and the test standard (child-safe when asked) of a [`raw_town`].
pub fn town_and_standard(raw: &RawTown) -> (City, spielraum_analysis::Standards) {
    let (missing, units, facilities, child_safe) = raw;
    let mut standards = spielraum_analysis::Standards::from_toml_str(STANDARD, "test").unwrap();
    if *child_safe {
        standards.profile = spielraum_analysis::WalkProfile::ChildSafe;
    }
    (town(missing, units, facilities), standards)
}
