//! Children gained and lost per band against a brute force: for every population unit on its
//! own (a city holding only that unit), two full `analyze_scenario` runs — no edits and the
//! edits — say whether the unit is served per band before and after; the unit's children count
//! as gained (not served → served) or lost (served → not served) in its neighbourhood and the
//! city. The comparison's `gained`/`lost` (JSON, one decimal) must equal these sums, and
//! gained − lost must equal the change in served children.

use model::City;
use model::scenario::{Edit, apply_edits};
use proptest::prelude::*;
use serde_json::Value;
use spielraum_analysis::{Rows, analyze_scenario, build_graph};

use crate::common::town::{raw_town, town_and_standard};
use crate::scenario::{edit, engine, raw_edit};

/// Per neighbourhood (and a last entry for the city): children gained and lost per band.
type Sums = Vec<([f64; 3], [f64; 3])>;

/// The brute force: each unit analysed alone before and after `edits`.
fn brute_force(city: &City, standards: &spielraum_analysis::Standards, edits: &[Edit]) -> Sums {
    let graph = build_graph(city, standards).unwrap();
    let hoods = city.neighbourhoods.len();
    let mut sums: Sums = vec![([0.0; 3], [0.0; 3]); hoods + 1];
    let before = apply_edits(&city.facilities, &[]).unwrap();
    let after = apply_edits(&city.facilities, edits).unwrap();
    for unit in &city.population {
        let alone = City {
            population: vec![unit.clone()],
            ..city.clone()
        };
        let b = analyze_scenario(&alone, &graph, standards, &before).unwrap();
        let a = analyze_scenario(&alone, &graph, standards, &after).unwrap();
        // The unit's neighbourhood: the row that holds its residents (none outside all).
        let Some(n) = b
            .neighbourhoods
            .iter()
            .position(|r| r.population_total > 0.0)
        else {
            continue;
        };
        for band in 0..3 {
            let (sb, sa) = (
                b.neighbourhoods[n].served_children[band] > 0.0,
                a.neighbourhoods[n].served_children[band] > 0.0,
            );
            let children = unit.ages[band];
            for k in [n, hoods] {
                if sa && !sb {
                    sums[k].0[band] += children;
                }
                if sb && !sa {
                    sums[k].1[band] += children;
                }
            }
        }
    }
    sums
}

fn bands(v: &Value) -> [f64; 4] {
    ["age_0_5", "age_6_11", "age_12_17", "total"].map(|k| v[k].as_f64().unwrap())
}

fn assert_flow(got: &Value, want: &[f64; 3], what: &str) {
    let got = bands(got);
    let one = |x: f64| (x * 10.0).round() / 10.0;
    for b in 0..3 {
        assert!(got[b] >= 0.0, "{what}: negative");
        assert_eq!(got[b], one(want[b]), "{what} band {b}: {got:?} vs {want:?}");
    }
    assert_eq!(got[3], one(want.iter().sum()), "{what} total");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn gained_and_lost_equal_two_full_analyses_per_unit(
        raw in raw_town(30, 6, true),
        edits in proptest::collection::vec(raw_edit(6), 1..4),
    ) {
        let (city, standards) = town_and_standard(&raw);
        let edits: Vec<Edit> = edits.iter().map(edit).collect();
        prop_assume!(apply_edits(&city.facilities, &edits).is_ok());
        let engine = engine(&city, &standards);
        let json = engine.compare(&edits).unwrap().to_json(Rows::All);
        let want = brute_force(&city, &standards, &edits);
        let hoods = city.neighbourhoods.len();
        let totals = &json["totals"];
        assert_flow(&totals["gained"], &want[hoods].0, "city gained");
        assert_flow(&totals["lost"], &want[hoods].1, "city lost");
        for (n, row) in json["neighbourhoods"].as_array().unwrap().iter().enumerate() {
            assert_flow(&row["gained"], &want[n].0, &format!("row {n} gained"));
            assert_flow(&row["lost"], &want[n].1, &format!("row {n} lost"));
        }
        // Net = gained − lost = the change in served children (whole persons: within rounding).
        for (b, band) in ["age_0_5", "age_6_11", "age_12_17"].iter().enumerate() {
            let net = want[hoods].0[b] - want[hoods].1[b];
            let change = totals["change"][format!("served_children_{band}")].as_f64().unwrap();
            prop_assert!((net - change).abs() <= 1.0, "{band}: net {net}, change {change}");
        }
    }
}
