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
use spielraum_analysis::effects::{CellGrid, cells_geojson};
use spielraum_analysis::{Rows, analyze_scenario, build_graph};
use std::collections::BTreeMap;

use crate::common::town::{raw_town, town_and_standard};
use crate::scenario::{edit, engine, raw_edit};

/// Per neighbourhood (and a last entry for the city): children gained and lost per band.
type Sums = Vec<([f64; 3], [f64; 3])>;

/// Per unit living in a neighbourhood: its index, children gained and lost per band.
type PerUnit = Vec<(usize, [f64; 3], [f64; 3])>;

/// The brute force: each unit analysed alone before and after `edits`.
fn brute_force(
    city: &City,
    standards: &spielraum_analysis::Standards,
    edits: &[Edit],
) -> (Sums, PerUnit) {
    let graph = build_graph(city, standards).unwrap();
    let hoods = city.neighbourhoods.len();
    let mut sums: Sums = vec![([0.0; 3], [0.0; 3]); hoods + 1];
    let mut per_unit: PerUnit = Vec::new();
    let before = apply_edits(&city.facilities, &[]).unwrap();
    let after = apply_edits(&city.facilities, edits).unwrap();
    for (u, unit) in city.population.iter().enumerate() {
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
        let (mut g, mut l) = ([0.0; 3], [0.0; 3]);
        for band in 0..3 {
            let (sb, sa) = (
                b.neighbourhoods[n].served_children[band] > 0.0,
                a.neighbourhoods[n].served_children[band] > 0.0,
            );
            let children = unit.ages[band];
            if sa && !sb {
                g[band] = children;
            }
            if sb && !sa {
                l[band] = children;
            }
            for k in [n, hoods] {
                if sa && !sb {
                    sums[k].0[band] += children;
                }
                if sb && !sa {
                    sums[k].1[band] += children;
                }
            }
        }
        per_unit.push((u, g, l));
    }
    (sums, per_unit)
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
        let cmp = engine.compare(&edits).unwrap();
        let json = cmp.to_json(Rows::All);
        let (want, per_unit) = brute_force(&city, &standards, &edits);
        let hoods = city.neighbourhoods.len();
        let totals = &json["totals"];
        assert_flow(&totals["gained"], &want[hoods].0, "city gained");
        assert_flow(&totals["lost"], &want[hoods].1, "city lost");
        for (n, row) in json["neighbourhoods"].as_array().unwrap().iter().enumerate() {
            assert_flow(&row["gained"], &want[n].0, &format!("row {n} gained"));
            assert_flow(&row["lost"], &want[n].1, &format!("row {n} lost"));
        }
        // The 100 m cells: each unit's brute-force gains and losses summed in the cell its
        // position falls in by the documented grid (x = lon · cos φ₀ · 111 195.08 m, φ₀ the
        // units' mean latitude); cells without a change are not listed.
        let lat0 = city.population.iter().map(|u| u.location.y()).sum::<f64>()
            / city.population.len() as f64;
        let cos = lat0.to_radians().cos();
        let mut want_cells: BTreeMap<(i64, i64), ([f64; 3], [f64; 3])> = BTreeMap::new();
        for (u, g, l) in &per_unit {
            if g.iter().chain(l).all(|c| *c == 0.0) {
                continue;
            }
            let p = city.population[*u].location;
            let key = (
                (p.x() * cos * 111_195.08 / 100.0).floor() as i64,
                (p.y() * 111_195.08 / 100.0).floor() as i64,
            );
            let e = want_cells.entry(key).or_insert(([0.0; 3], [0.0; 3]));
            for b in 0..3 {
                e.0[b] += g[b];
                e.1[b] += l[b];
            }
        }
        let grid = CellGrid::new(&city.population, 100.0);
        let cells = cells_geojson(&cmp.unit_changes, &city.population, &grid);
        let features = cells["features"].as_array().unwrap();
        prop_assert_eq!(features.len(), want_cells.len());
        for f in features {
            // The south-west corner of the square names its cell.
            let sw = &f["geometry"]["coordinates"][0][0];
            let (lon, lat) = (sw[0].as_f64().unwrap(), sw[1].as_f64().unwrap());
            let key = (
                (lon * cos * 111_195.08 / 100.0).round() as i64,
                (lat * 111_195.08 / 100.0).round() as i64,
            );
            let (g, l) = want_cells.get(&key).copied().unwrap_or_else(|| panic!("cell {key:?} not expected"));
            let p = &f["properties"];
            let one = |x: f64| (x * 10.0).round() / 10.0;
            for (b, band) in ["age_0_5", "age_6_11", "age_12_17"].iter().enumerate() {
                prop_assert_eq!(p[format!("gained_{band}")].as_f64().unwrap(), one(g[b]));
                prop_assert_eq!(p[format!("lost_{band}")].as_f64().unwrap(), one(l[b]));
            }
        }
        // Net = gained − lost = the change in served children (whole persons: within rounding).
        for (b, band) in ["age_0_5", "age_6_11", "age_12_17"].iter().enumerate() {
            let net = want[hoods].0[b] - want[hoods].1[b];
            let change = totals["change"][format!("served_children_{band}")].as_f64().unwrap();
            prop_assert!((net - change).abs() <= 1.0, "{band}: net {net}, change {change}");
        }
    }
}
