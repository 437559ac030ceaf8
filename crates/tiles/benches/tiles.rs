//! Cold tile generation per zoom (criterion): the tile at the centre of a synthetic town of
//! 40×40 streets, 3 200 buildings and 100 playgrounds, rendered from scratch each iteration.
//!
//! The demo-extract sweep (every tile, p95) is `bench/tiles.sh`, using `examples/tile_times.rs`.

use criterion::{Criterion, criterion_group, criterion_main};
use geo_types::{LineString, Point, Polygon};
use map::{CityLayerOptions, city_layers};
use model::{BasemapFeature, City, Facility, FacilityKind, OsmId};
use spielraum_tiles::{TileId, TileSet};

/// A grid town around (9.52, 47.14): streets every 0.001° (~75 m east-west, ~110 m north-south).
fn town() -> City {
    let (x0, y0, n) = (9.50, 47.12, 40);
    let mut city = City::default();
    for i in 0..=n {
        let d = f64::from(i) * 0.001;
        for line in [
            vec![(x0 + d, y0), (x0 + d, y0 + 0.04)],
            vec![(x0, y0 + d), (x0 + 0.04, y0 + d)],
        ] {
            city.basemap.push(BasemapFeature {
                layer: "roads".into(),
                class: if i % 10 == 0 {
                    "primary"
                } else {
                    "residential"
                }
                .into(),
                name: None,
                geometry: LineString::from(line).into(),
            });
        }
    }
    for i in 0..n {
        for j in 0..n {
            let (x, y) = (x0 + f64::from(i) * 0.001, y0 + f64::from(j) * 0.001);
            for (dx, dy) in [(0.0002, 0.0002), (0.0006, 0.0006)] {
                let (a, b) = (x + dx, y + dy);
                city.basemap.push(BasemapFeature {
                    layer: "buildings".into(),
                    class: "house".into(),
                    name: None,
                    geometry: Polygon::new(
                        LineString::from(vec![
                            (a, b),
                            (a + 0.0002, b),
                            (a + 0.0002, b + 0.00015),
                            (a, b + 0.00015),
                            (a, b),
                        ]),
                        vec![],
                    )
                    .into(),
                });
            }
            if (i * n + j) % 16 == 0 {
                city.facilities.push(Facility {
                    osm_id: OsmId::Node(i64::from(i * n + j)),
                    kind: FacilityKind::Playground,
                    name: Some(format!("Spielplatz {i}/{j}")),
                    access: None,
                    geometry: Point::new(x + 0.0005, y + 0.0005).into(),
                    area_m2: None,
                    opening_hours: None,
                });
            }
        }
    }
    city
}

fn cold_tiles(c: &mut Criterion) {
    let set = TileSet::new(city_layers(&town(), &CityLayerOptions::default()));
    let mut g = c.benchmark_group("cold_tile");
    for z in [10u8, 12, 14, 16] {
        let t = TileId::containing(9.52, 47.14, z);
        g.bench_function(format!("z{z}"), |b| {
            b.iter(|| set.render(std::hint::black_box(t)))
        });
    }
    g.finish();
}

criterion_group!(benches, cold_tiles);
criterion_main!(benches);
