//! Walking distances searched from the facilities' side ([`compute_reach`]) against one bounded
//! search per population unit ([`network::within`], how they were computed before): on random
//! towns and on the demo city, the same facilities at the same distances, and the same analysis.

use crate::common::compare::assert_same;
use crate::common::{demo, town};

use model::{City, Facility};
use network::{Targets, WalkGraph, within};
use proptest::prelude::*;
use spielraum_analysis::{Candidate, Reach, Standards, analyze_reach, build_graph, compute_reach};
use town::{raw_town, town_and_standard};

/// The per-unit path: a bounded Dijkstra from every unit to the public facilities some band counts.
fn per_unit_reach(city: &City, graph: &WalkGraph, standards: &Standards) -> Reach {
    let candidates: Vec<usize> = (0..city.facilities.len())
        .filter(|&i| {
            let f = &city.facilities[i];
            f.is_public() && standards.counts_for_any_band(f.kind)
        })
        .collect();
    let chosen: Vec<&Facility> = candidates.iter().map(|&i| &city.facilities[i]).collect();
    let targets = Targets::from_facilities(graph, &chosen);
    let origins: Vec<_> = city.population.iter().map(|u| u.location.0).collect();
    within(graph, &targets, &origins, standards.max_catchment_m())
        .into_iter()
        .map(|hits| {
            hits.into_iter()
                .map(|h| Candidate {
                    facility: candidates[h.target],
                    distance_m: h.distance_m,
                })
                .collect()
        })
        .collect()
}

/// Every unit lists the same facilities at distances within a micrometre.
fn assert_same_reach(got: &Reach, want: &Reach) {
    assert_eq!(got.len(), want.len());
    for (u, (g, w)) in got.iter().zip(want).enumerate() {
        let by_facility = |l: &[Candidate]| {
            let mut l = l.to_vec();
            l.sort_by_key(|c| c.facility);
            l
        };
        let (g, w) = (by_facility(g), by_facility(w));
        assert_eq!(
            g.iter().map(|c| c.facility).collect::<Vec<_>>(),
            w.iter().map(|c| c.facility).collect::<Vec<_>>(),
            "unit {u}"
        );
        for (a, b) in g.iter().zip(&w) {
            assert!(
                (a.distance_m - b.distance_m).abs() < 1e-6,
                "unit {u}: {a:?} vs {b:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn facility_side_equals_per_unit_search(raw in raw_town(40, 10, true)) {
        let (city, standards) = town_and_standard(&raw);
        let graph = build_graph(&city, &standards).unwrap();
        let new = compute_reach(&city, &graph, &standards);
        let old = per_unit_reach(&city, &graph, &standards);
        assert_same_reach(&new, &old);
        assert_same(
            &analyze_reach(&city, &standards, &new).unwrap(),
            &analyze_reach(&city, &standards, &old).unwrap(),
        );
    }
}

/// The demo city (5,720 units, 133 facilities): the same pairs, and the published JSON byte for byte.
#[test]
fn demo_reach_and_json_equal_the_per_unit_search() {
    let city = demo::demo_city();
    let standards = Standards::default_din18034();
    let graph = build_graph(&city, &standards).unwrap();
    let new = compute_reach(&city, &graph, &standards);
    let old = per_unit_reach(&city, &graph, &standards);
    assert_same_reach(&new, &old);
    let pairs: usize = new.iter().map(Vec::len).sum();
    assert!(
        pairs > 10_000,
        "{pairs} unit–facility pairs: the demo is not the demo"
    );
    let json = |r: &Reach| analyze_reach(&city, &standards, r).unwrap().to_json();
    assert_eq!(json(&new), json(&old));
}
