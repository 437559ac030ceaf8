//! A generated grid town for benchmarks: `n × n` blocks of 100 m, streets between them,
//! 4 population units per block, a playground in every 9th block and a park in every 25th,
//! and neighbourhoods of 10 × 10 blocks.

use geo_types::{Coord, Geometry, MultiPolygon, Point, polygon};
use model::{
    City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit, WalkWay,
};

/// 100 m in degrees of latitude (and of longitude at the equator, where the town lies).
const STEP: f64 = 100.0 / 111_195.08;

fn at(x: f64, y: f64) -> Coord<f64> {
    Coord {
        x: x * STEP,
        y: y * STEP,
    }
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    let (a, b) = (at(x0, y0), at(x1, y1));
    MultiPolygon(vec![polygon![
        (x: a.x, y: a.y), (x: b.x, y: a.y), (x: b.x, y: b.y), (x: a.x, y: b.y)
    ]])
}

/// The grid town with `n × n` blocks.
pub fn grid_city(n: usize) -> City {
    let node = |i: usize, j: usize| (j * (n + 1) + i) as i64;
    let mut walk_ways = Vec::new();
    for k in 0..=n {
        let row: Vec<(usize, usize)> = (0..=n).map(|i| (i, k)).collect();
        let col: Vec<(usize, usize)> = (0..=n).map(|j| (k, j)).collect();
        for (id, line) in [(2 * k, row), (2 * k + 1, col)] {
            walk_ways.push(WalkWay {
                id: id as i64,
                nodes: line.iter().map(|&(i, j)| node(i, j)).collect(),
                coords: line.iter().map(|&(i, j)| at(i as f64, j as f64)).collect(),
                tags: vec![("highway".into(), "residential".into())],
            });
        }
    }
    let mut facilities = Vec::new();
    let mut population = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let (x, y) = (i as f64, j as f64);
            let block = j * n + i;
            if block % 9 == 4 {
                facilities.push(Facility {
                    osm_id: OsmId::Way(block as i64),
                    kind: FacilityKind::Playground,
                    name: None,
                    access: None,
                    geometry: Geometry::MultiPolygon(square(x + 0.3, y + 0.3, x + 0.6, y + 0.6)),
                    area_m2: Some(900.0),
                    opening_hours: None,
                });
            } else if block % 25 == 12 {
                facilities.push(Facility {
                    osm_id: OsmId::Way(block as i64),
                    kind: FacilityKind::OpenSpace,
                    name: None,
                    access: None,
                    geometry: Geometry::MultiPolygon(square(x + 0.1, y + 0.1, x + 0.9, y + 0.9)),
                    area_m2: Some(6400.0),
                    opening_hours: None,
                });
            } else {
                for (dx, dy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                    let residents = 10.0 + (block % 7) as f64;
                    population.push(PopulationUnit {
                        location: Point(at(x + dx, y + dy)),
                        residents,
                        ages: [0.057, 0.055, 0.054].map(|s| s * residents),
                        source: PopulationSource::Buildings,
                    });
                }
            }
        }
    }
    let mut neighbourhoods = Vec::new();
    for j in (0..n).step_by(10) {
        for i in (0..n).step_by(10) {
            let (x, y) = (i as f64, j as f64);
            neighbourhoods.push(Neighbourhood {
                id: format!("g{i}_{j}"),
                name: format!("Block {i}/{j}"),
                admin_level: None,
                geometry: square(x, y, (x + 10.0).min(n as f64), (y + 10.0).min(n as f64)),
                population: None,
            });
        }
    }
    City {
        facilities,
        neighbourhoods,
        population,
        walk_ways,
        ..City::default()
    }
}
