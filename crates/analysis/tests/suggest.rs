//! Location suggestions: greedy against exhaustive search on random set-cover instances, and the
//! engine's children gained against full recomputes of the town with the sites built.
//!
//! References: `Coverage::exact` (all k-subsets); `analyze_scenario` with the chosen sites added
//! as planned public facilities (children unserved before and after, summed over the
//! neighbourhoods); `ScenarioEngine::compare` of exactly a suggestion's edit (its promise).

use crate::common::town;

use std::sync::Arc;

use geo_types::Geometry;
use model::FacilityKind;
use model::scenario::{Access, CandidateSite, Edit, PlannedFacility, apply_edits};
use proptest::prelude::*;
use serde_json::Value;
use spielraum_analysis::suggest::Coverage;
use spielraum_analysis::{
    Analysis, ScenarioEngine, ScenarioEngineError, Standards, SuggestOptions, analyze_scenario,
    build_graph,
};
use town::{STANDARD, raw_facility, square, town};

/// Random instances: up to 9 sites over up to 14 elements with weights in [0, 5).
fn coverage() -> impl Strategy<Value = Coverage> {
    (1..14usize).prop_flat_map(|n| {
        (
            proptest::collection::vec(0.0..5.0f64, n),
            proptest::collection::vec(
                proptest::collection::btree_set(0..n as u32, 0..=n.min(6)),
                1..9,
            ),
        )
            .prop_map(|(weights, sets)| Coverage {
                weights,
                sets: sets.into_iter().map(|s| s.into_iter().collect()).collect(),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lazy_greedy_equals_plain_greedy(c in coverage(), k in 1..6usize) {
        prop_assert_eq!(c.lazy_greedy(k), c.greedy(k));
    }

    #[test]
    fn greedy_is_optimal_for_one_site(c in coverage()) {
        prop_assert_eq!(c.value(&c.greedy(1)), c.value(&c.exact(1)));
    }

    #[test]
    fn greedy_is_within_the_bound(c in coverage(), k in 1..5usize) {
        // Weighted coverage is monotone submodular: greedy ≥ (1 − (1 − 1/k)^k) · optimum ≥ (1 − 1/e) · optimum.
        let (g, opt) = (c.value(&c.lazy_greedy(k)), c.value(&c.exact(k)));
        let kk = k.min(c.sets.len()) as f64;
        let bound = 1.0 - (1.0 - 1.0 / kk).powf(kk);
        prop_assert!(g >= bound * opt - 1e-9, "greedy {} optimum {}", g, opt);
        prop_assert!(g >= (1.0 - (-1.0f64).exp()) * opt - 1e-9);
        prop_assert!(g <= opt + 1e-9);
    }

    #[test]
    fn greedy_is_optimal_on_disjoint_sets(
        weights in proptest::collection::vec(0.0..5.0f64, 1..12),
        cuts in proptest::collection::vec(any::<bool>(), 12),
        k in 1..5usize,
    ) {
        // Split the elements into consecutive disjoint sets: the gains never interact, so taking
        // the k heaviest sets (what greedy does) is optimal.
        let mut sets = vec![Vec::new()];
        for (e, cut) in cuts.iter().enumerate().take(weights.len()) {
            if *cut && !sets.last().is_some_and(|s: &Vec<u32>| s.is_empty()) {
                sets.push(Vec::new());
            }
            sets.last_mut().unwrap().push(e as u32);
        }
        let c = Coverage { weights, sets };
        let (g, opt) = (c.value(&c.greedy(k)), c.value(&c.exact(k)));
        prop_assert!((g - opt).abs() <= 1e-9, "greedy {} optimum {}", g, opt);
    }
}

/// Unserved children, all bands, of the units living in a neighbourhood (those outside every
/// neighbourhood count in no indicator, so no suggestion counts them either).
fn unserved(a: &Analysis) -> f64 {
    a.neighbourhoods
        .iter()
        .map(|n| n.gap_children.iter().sum::<f64>())
        .sum()
}

fn planned(site: &CandidateSite, area: f64) -> Edit {
    Edit::Add(PlannedFacility {
        kind: FacilityKind::Playground,
        name: None,
        geometry: site.geometry.clone(),
        area_m2: Some(area),
        access: Access::Public,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn gained_children_match_full_recomputes(
        units in proptest::collection::vec(
            ((0.0..900.0f64, 0.0..900.0f64), [0.0..6.0f64, 0.0..6.0, 0.0..6.0]), 1..25),
        facilities in proptest::collection::vec(raw_facility(), 0..4),
        corners in proptest::collection::vec((0.0..880.0f64, 0.0..880.0f64, 0..2usize), 1..6),
        area in 0.0..2000.0f64,
        k in 1..4usize,
    ) {
        let standards = Standards::from_toml_str(STANDARD, "test").unwrap();
        let city = town(&[false], &units, &facilities);
        let graph = build_graph(&city, &standards).unwrap();
        let sites: Vec<CandidateSite> = corners
            .iter()
            .enumerate()
            .map(|(i, &(x, y, point))| CandidateSite {
                id: format!("c{i}"),
                source: "test".into(),
                name: None,
                geometry: if point == 1 {
                    Geometry::Point(town::at(x, y).into())
                } else {
                    square(x, y, 20.0).into()
                },
                area_m2: 400.0,
            })
            .collect();
        let engine = ScenarioEngine::new(
            Arc::new(city.clone()),
            Arc::new(build_graph(&city, &standards).unwrap()),
            standards.clone(),
        )
        .unwrap();
        let options = SuggestOptions { kind: FacilityKind::Playground, count: k, area_m2: Some(area) };
        let got = engine.suggest(&sites, &options).unwrap();
        prop_assert_eq!(got.len(), k.min(sites.len()));
        let before = unserved(engine.base());
        // Children gained by building `chosen`, by full recompute.
        let gain = |chosen: &[&CandidateSite]| {
            let edits: Vec<Edit> = chosen.iter().map(|s| planned(s, area)).collect();
            let scenario = apply_edits(&city.facilities, &edits).unwrap();
            before - unserved(&analyze_scenario(&city, &graph, &standards, &scenario).unwrap())
        };
        // Each rank's gain is what it adds to the higher ranks.
        let mut so_far = 0.0;
        for (i, s) in got.iter().enumerate() {
            prop_assert_eq!(s.rank, i + 1);
            prop_assert!(s.gained.iter().all(|g| *g >= 0.0));
            let chosen: Vec<&CandidateSite> = got[..=i].iter().map(|s| &s.site).collect();
            let total = gain(&chosen);
            prop_assert!((total - so_far - s.total()).abs() < 1e-9,
                "rank {}: full recompute gains {} after {}, suggestion says {}", i + 1, total, so_far, s.total());
            so_far = total;
        }
        // Rank 1 is the best single site; the k chosen are within the bound of the best k.
        let best_single = sites.iter().map(|s| gain(&[s])).fold(0.0, f64::max);
        prop_assert!((got[0].total() - best_single).abs() < 1e-9);
        let kk = k.min(sites.len());
        let mut best_k: f64 = 0.0;
        for mask in 0u32..(1 << sites.len()) {
            if mask.count_ones() as usize == kk {
                let chosen: Vec<&CandidateSite> =
                    (0..sites.len()).filter(|i| mask & (1 << i) != 0).map(|i| &sites[i]).collect();
                best_k = best_k.max(gain(&chosen));
            }
        }
        prop_assert!(so_far >= (1.0 - (-1.0f64).exp()) * best_k - 1e-9);
    }
}

#[test]
fn bad_requests_are_refused() {
    let standards = Standards::from_toml_str(STANDARD, "test").unwrap();
    let city = town(&[false], &[((100.0, 100.0), [1.0, 1.0, 1.0])], &[]);
    let graph = build_graph(&city, &standards).unwrap();
    let engine = ScenarioEngine::new(Arc::new(city), Arc::new(graph), standards).unwrap();
    let options = |kind, count, area_m2| SuggestOptions {
        kind,
        count,
        area_m2,
    };
    let err = engine.suggest(&[], &options(FacilityKind::Playground, 0, None));
    assert_eq!(err.unwrap_err(), ScenarioEngineError::InvalidCount(0));
    let err = engine.suggest(&[], &options(FacilityKind::Playground, 1, Some(-1.0)));
    assert_eq!(err.unwrap_err(), ScenarioEngineError::InvalidArea(-1.0));
    // Kindergartens serve no band in this standard.
    let err = engine.suggest(&[], &options(FacilityKind::Kindergarten, 1, None));
    assert!(matches!(
        err.unwrap_err(),
        ScenarioEngineError::KindServesNoBand { .. }
    ));
    assert!(
        engine
            .suggest(&[], &options(FacilityKind::Playground, 3, None))
            .unwrap()
            .is_empty()
    );
}

/// What a scenario of exactly `s`'s evaluated edit gains, per band, from the comparison's JSON
/// (`totals.gained`) and from its unit changes, unrounded; also its net change per band.
fn planned_alone(engine: &ScenarioEngine, s: &spielraum_analysis::Suggestion) -> ([f64; 3], Value) {
    let cmp = engine
        .compare(&[Edit::Add(s.planned(Some("Neu".into())))])
        .unwrap();
    let (city, _) =
        spielraum_analysis::effects::flows(&cmp.unit_changes, cmp.after.neighbourhoods.len());
    assert_eq!(city.lost, [0.0; 3], "adding a facility loses nobody");
    (
        city.gained,
        cmp.to_json(spielraum_analysis::Rows::Changed)["totals"].clone(),
    )
}

/// Every suggestion keeps its promise: planning exactly its edit alone gains `gained_alone`
/// per band (the comparison's `totals.gained`, and the net change in served children), and
/// rank 1's `gained` equals it.
fn assert_promises_kept(engine: &ScenarioEngine, got: &[spielraum_analysis::Suggestion]) {
    let one = |x: f64| (x * 10.0).round() / 10.0;
    for s in got {
        let (gained, totals) = planned_alone(engine, s);
        for b in 0..3 {
            assert!(
                (gained[b] - s.gained_alone[b]).abs() < 1e-9,
                "{} band {b}: planned gains {}, suggestion promised {}",
                s.site.id,
                gained[b],
                s.gained_alone[b]
            );
            let band = ["age_0_5", "age_6_11", "age_12_17"][b];
            assert_eq!(
                totals["gained"][band].as_f64().unwrap(),
                one(s.gained_alone[b])
            );
            let net = totals["change"][format!("served_children_{band}")]
                .as_f64()
                .unwrap();
            assert!((net - s.gained_alone[b]).abs() <= 1.0, "{band}: net {net}");
        }
        assert!(
            s.gained
                .iter()
                .zip(&s.gained_alone)
                .all(|(g, a)| g <= &(a + 1e-9))
        );
        if s.rank == 1 {
            assert_eq!(s.gained, s.gained_alone);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn suggestions_keep_their_promise_in_random_towns(
        raw in town::raw_town(30, 4, true),
        corners in proptest::collection::vec((-50.0..950.0f64, -50.0..950.0f64, 0..2usize, 0.0..60.0f64), 1..6),
        area in proptest::option::of(0.0..2000.0f64),
        k in 1..4usize,
    ) {
        let (city, standards) = town::town_and_standard(&raw);
        let sites: Vec<CandidateSite> = corners
            .iter()
            .enumerate()
            .map(|(i, &(x, y, point, side))| {
                let geometry: Geometry<f64> = if point == 1 {
                    Geometry::Point(town::at(x, y).into())
                } else {
                    square(x, y, side + 5.0).into()
                };
                CandidateSite {
                    id: format!("c{i}"),
                    source: "amenity=parking".into(),
                    name: None,
                    area_m2: model::geodesy::area_m2(&geometry),
                    geometry,
                }
            })
            .collect();
        let engine = ScenarioEngine::new(
            Arc::new(city.clone()),
            Arc::new(build_graph(&city, &standards).unwrap()),
            standards.clone(),
        )
        .unwrap();
        let options = SuggestOptions { kind: FacilityKind::Playground, count: k, area_m2: area };
        let got = engine.suggest(&sites, &options).unwrap();
        assert_promises_kept(&engine, &got);
    }
}

/// The demo city's ten best playground sites (OSM candidate sites, default areas) keep their
/// promise, labelled by name or kind and street.
#[test]
fn demo_suggestions_keep_their_promise() {
    let city = crate::common::demo::demo_city();
    let sites = ingest::osm::read_osm(
        &crate::common::demo::geodata().join("liechtenstein-2015.osm.pbf"),
        &ingest::osm::OsmOptions::default(),
        &|_: &str, _: u64, _: u64| {},
    )
    .unwrap()
    .candidates;
    let standards = Standards::default_din18034();
    let engine = ScenarioEngine::new(
        Arc::new(city.clone()),
        Arc::new(build_graph(&city, &standards).unwrap()),
        standards,
    )
    .unwrap();
    let options = SuggestOptions {
        kind: FacilityKind::Playground,
        count: 10,
        area_m2: None,
    };
    let got = engine.suggest(&sites, &options).unwrap();
    assert_eq!(got.len(), 10);
    assert!(got[0].total() > 0.0);
    assert_promises_kept(&engine, &got);
    let streets = spielraum_analysis::names::Streets::new(&city);
    let json =
        spielraum_analysis::suggestions_json(&got, &streets, spielraum_analysis::names::Lang::De);
    for s in json["suggestions"].as_array().unwrap() {
        let label = s["label"].as_str().unwrap();
        assert!(!label.contains('=') && !label.is_empty(), "{label}");
        assert_eq!(s["edit"]["name"], s["label"]);
        assert_eq!(s["edit"]["op"], "add");
    }
}
