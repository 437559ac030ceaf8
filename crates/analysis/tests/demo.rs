//! The demo extract: every indicator for all 11 municipalities, totals, a crow-fly bound, snapshots.

use crate::common::demo;

use geo::{Distance, Euclidean};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use model::{City, FacilityKind};
use spielraum_analysis::{Analysis, Standards, analyze, build_graph};

fn run(city: &City, standards: &Standards) -> Analysis {
    let graph = build_graph(city, standards).unwrap();
    analyze(city, &graph, standards, &|_| {}).unwrap()
}

/// Metres in a local plane around latitude 47.1° (the extract): a distance in it differs
/// from the great-circle one by well under 0.1 % at these distances.
fn local(c: Coord<f64>) -> Coord<f64> {
    let m = model::geodesy::EARTH_RADIUS_M.to_radians();
    Coord {
        x: c.x * m * 47.1f64.to_radians().cos(),
        y: c.y * m,
    }
}

fn local_geometry(g: &Geometry<f64>) -> Geometry<f64> {
    let ring = |l: &LineString<f64>| LineString(l.0.iter().map(|c| local(*c)).collect());
    let poly = |p: &Polygon<f64>| {
        Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
    };
    match g {
        Geometry::Point(p) => Geometry::Point(Point(local(p.0))),
        Geometry::Polygon(p) => Geometry::Polygon(poly(p)),
        Geometry::MultiPolygon(mp) => {
            Geometry::MultiPolygon(MultiPolygon(mp.iter().map(poly).collect()))
        }
        other => other.clone(),
    }
}

#[test]
fn demo_extract_all_municipalities() {
    let city = demo::demo_city();
    let standards = Standards::default_din18034();
    let a = run(&city, &standards);
    assert_eq!(a.neighbourhoods.len(), 11);
    let mut ranks: Vec<usize> = a.neighbourhoods.iter().map(|n| n.need_rank).collect();
    ranks.sort();
    assert_eq!(ranks, (1..=11).collect::<Vec<_>>());
    for n in &a.neighbourhoods {
        assert!(n.population_total > 0.0, "{} has no residents", n.name);
        assert!(n.children() > 0.0, "{}", n.name);
        assert!(n.play_area_m2_per_child().is_some() && n.play_area_m2_per_child_2sfca.is_some());
        for b in 0..3 {
            assert!((n.served_children[b] + n.gap_children[b] - n.population[b]).abs() < 1e-6);
        }
    }
    // Everything but the residents outside the 11 municipalities: per band, the children in the
    // rows plus those living outside every row equal all the city's children.
    for b in 0..3 {
        let rows: f64 = a.neighbourhoods.iter().map(|n| n.population[b]).sum();
        let all: f64 = city.population.iter().map(|u| u.ages[b]).sum();
        let outside: f64 = city
            .population
            .iter()
            .filter(|u| {
                !city
                    .neighbourhoods
                    .iter()
                    .any(|n| geo::Intersects::intersects(&n.geometry, &u.location))
            })
            .map(|u| u.ages[b])
            .sum();
        assert!((rows + outside - all).abs() < 1e-6);
    }

    // Crow-fly bound: walking is never shorter than the straight line, so the children served on
    // the network are at most those with a serving facility within the threshold as the crow flies
    // (straight-line distance in a local plane, 0.5 % + 1 m slack).
    let facilities: Vec<(FacilityKind, Geometry<f64>)> = city
        .facilities
        .iter()
        .filter(|f| f.is_public())
        .map(|f| (f.kind, local_geometry(&f.geometry)))
        .collect();
    for (b, rule) in standards.bands.iter().enumerate() {
        let d = rule.threshold_m() * 1.005 + 1.0;
        let crow: f64 = city
            .population
            .iter()
            .filter(|u| {
                let p = Point(local(u.location.0));
                facilities
                    .iter()
                    .any(|(k, g)| rule.kinds.contains(k) && Euclidean.distance(&p, g) <= d)
            })
            .map(|u| u.ages[b])
            .sum();
        let served: f64 = a.neighbourhoods.iter().map(|n| n.served_children[b]).sum();
        assert!(
            served <= crow + 1e-6,
            "band {b}: network {served} > crow-fly {crow}"
        );
        assert!(served > 0.0, "band {b}: nobody served");
    }

    insta::assert_json_snapshot!("demo_din18034", a.to_json());
}

#[test]
fn demo_extract_presets_run() {
    let city = demo::demo_city();
    let dir = demo::geodata().join("standards");
    for name in ["berlin", "essen", "herrenberg"] {
        let s = Standards::from_file(&dir.join(format!("{name}.toml"))).unwrap();
        let a = run(&city, &s);
        assert_eq!(a.neighbourhoods.len(), 11, "{name}");
        insta::assert_json_snapshot!(format!("demo_{name}"), a.to_json());
    }
}
