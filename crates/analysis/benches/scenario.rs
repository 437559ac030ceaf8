//! Warm scenario engine on the demo extract: p50/p95 of `compare` over 100 random one-edit
//! scenarios (as the HTTP routes answer, and with the gap areas' outlines traced), and `suggest`
//! for k = 10. Run: `cargo bench -p spielraum-analysis --bench scenario`.
//!
//! Input: `geodata/liechtenstein.gpkg` (create it with `cargo run --release -- demo --no-serve`;
//! without it the bench imports the demo extract itself). Candidate sites: the OSM ones (the
//! GeoPackage's `candidate_sites` layer, or read from the extract for an older GeoPackage), and a
//! larger synthetic set: a 40 m square around every 5th building.

#[path = "../tests/common/demo.rs"]
mod demo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use geo_types::{Geometry, Point, polygon};
use model::scenario::{Access, CandidateSite, Edit, PlannedFacility, apply_edits};
use model::{City, FacilityKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spielraum_analysis::{
    GapOutlines, ScenarioEngine, Standards, SuggestOptions, analyze_scenario, build_graph,
};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One random edit: add a playground at a random resident's home, remove, open or enlarge a
/// random facility.
fn random_edit(city: &City, rng: &mut StdRng) -> Edit {
    let f = &city.facilities[rng.random_range(0..city.facilities.len())];
    match rng.random_range(0..4) {
        0 => {
            let u = &city.population[rng.random_range(0..city.population.len())];
            Edit::Add(PlannedFacility {
                kind: FacilityKind::Playground,
                name: None,
                geometry: Point(u.location.0).into(),
                area_m2: Some(rng.random_range(100.0..2000.0)),
                access: Access::Public,
            })
        }
        1 => Edit::Remove { osm_id: f.osm_id },
        2 => Edit::SetAccess {
            osm_id: f.osm_id,
            access: Access::Public,
        },
        _ => Edit::Enlarge {
            osm_id: f.osm_id,
            area_m2: rng.random_range(100.0..5000.0),
        },
    }
}

/// A 40 m square around every 5th building (when the GeoPackage has no candidate sites).
fn sites_from_buildings(city: &City) -> Vec<CandidateSite> {
    let d = 20.0 / 111_195.08;
    city.buildings
        .iter()
        .step_by(5)
        .map(|b| {
            let (x, y) = (b.centre.x(), b.centre.y());
            let dx = d / y.to_radians().cos();
            CandidateSite {
                id: b.osm_id.to_string(),
                source: "bench".into(),
                name: None,
                geometry: Geometry::Polygon(polygon![
                    (x: x - dx, y: y - d), (x: x + dx, y: y - d), (x: x + dx, y: y + d), (x: x - dx, y: y + d)
                ]),
                area_m2: 1600.0,
            }
        })
        .collect()
}

/// The demo's candidate sites from OSM: the GeoPackage's layer, or read from the extract when
/// the GeoPackage predates that layer.
fn osm_sites(gpkg: &std::path::Path) -> Vec<CandidateSite> {
    match store::read_candidate_sites(gpkg) {
        Ok(sites) if !sites.is_empty() => sites,
        _ => {
            ingest::osm::read_osm(
                &demo::geodata().join("liechtenstein-2015.osm.pbf"),
                &ingest::osm::OsmOptions::default(),
                &|_: &str, _: u64, _: u64| {},
            )
            .expect("demo extract reads")
            .candidates
        }
    }
}

fn main() {
    // Another city: SPIELRAUM_SCENARIO_GPKG=/path/city.gpkg (e.g. one from bench/city/run.sh).
    let gpkg = std::env::var_os("SPIELRAUM_SCENARIO_GPKG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| demo::geodata().join("liechtenstein.gpkg"));
    let city = if gpkg.exists() {
        store::read_city(&gpkg).expect("demo GeoPackage reads")
    } else {
        demo::demo_city()
    };
    let site_sets = [
        ("OSM candidate sites", osm_sites(&gpkg)),
        (
            "40 m squares around every 5th building",
            sites_from_buildings(&city),
        ),
    ];
    let standards = Standards::default_din18034();
    let graph = build_graph(&city, &standards).expect("graph");
    let t = Instant::now();
    let engine =
        ScenarioEngine::new(Arc::new(city.clone()), Arc::new(graph), standards).expect("engine");
    eprintln!(
        "demo: {} units, {} facilities; engine warm-up {:.0} ms",
        city.population.len(),
        city.facilities.len(),
        ms(t.elapsed())
    );
    let mut rng = StdRng::seed_from_u64(8);
    for _ in 0..10 {
        let _ = engine.compare(&[random_edit(&city, &mut rng)]);
    }
    // The same 100 edits answered as the HTTP routes do (gap outlines skipped) and with every
    // gap area's outline traced (`scenario compare`, the full `Analysis`).
    let edits: Vec<Edit> = (0..100).map(|_| random_edit(&city, &mut rng)).collect();
    let mut http_p50 = Duration::ZERO;
    for (what, outlines) in [
        ("as over HTTP, gap outlines skipped", GapOutlines::Skipped),
        ("gap outlines traced", GapOutlines::Traced),
    ] {
        let mut times = Vec::new();
        let mut units = Vec::new();
        for edit in &edits {
            let t = Instant::now();
            let cmp = engine
                .compare_with(std::slice::from_ref(edit), outlines)
                .expect("valid edit");
            let json = cmp.to_json(spielraum_analysis::Rows::Changed);
            times.push(t.elapsed());
            units.push(cmp.recomputed_units);
            std::hint::black_box(json);
        }
        times.sort();
        units.sort();
        if outlines == GapOutlines::Skipped {
            http_p50 = percentile(&times, 0.5);
        }
        println!(
            "compare (one edit, indicators + JSON, {what}): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; recomputed units p50 {}, max {}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(times[times.len() - 1]),
            units[units.len() / 2],
            units[units.len() - 1]
        );
    }
    // The reference: the same kind of edits by full recompute (every distance searched again).
    let mut full = Vec::new();
    for _ in 0..5 {
        let edit = random_edit(&city, &mut rng);
        let scenario = apply_edits(&city.facilities, &[edit]).expect("valid edit");
        let t = Instant::now();
        let a = analyze_scenario(&city, engine.graph(), engine.standards(), &scenario)
            .expect("full recompute");
        full.push(t.elapsed());
        std::hint::black_box(a);
    }
    full.sort();
    println!(
        "full recompute of one edit (analyze_scenario): median {:.0} ms over 5 = {:.0} × the incremental p50",
        ms(full[2]),
        ms(full[2]) / ms(http_p50)
    );
    let options = SuggestOptions {
        kind: FacilityKind::Playground,
        count: 10,
        area_m2: None,
    };
    for (what, sites) in &site_sets {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let s = engine.suggest(sites, &options).expect("suggest");
            times.push(t.elapsed());
            std::hint::black_box(s);
        }
        times.sort();
        println!(
            "suggest k = 10 over {} {what}: median {:.0} ms, max {:.0} ms",
            sites.len(),
            ms(times[2]),
            ms(times[4])
        );
    }
}
