//! The warm scenario engine against a full recompute: for random small towns and random edit
//! lists, `ScenarioEngine::compare(edits).after` equals `analyze_scenario` (walking distances of
//! every facility searched again from every unit, the analysis run from scratch).

use std::sync::Arc;

use crate::common::compare::{assert_same, close};
use crate::common::town;

use model::scenario::{Access, Edit, PlannedFacility, apply_edits};
use model::{City, OsmId};
use proptest::prelude::*;
use spielraum_analysis::{
    Analysis, Rows, ScenarioEngine, Standards, analyze_scenario, build_graph,
};
use town::{RawFacility, STANDARD, facility, raw_facility, raw_town, town, town_and_standard};

/// An edit drawn at random; ids refer to base facilities (1-based) or, out of range, to none.
#[derive(Debug, Clone)]
pub(crate) enum RawEdit {
    Add(RawFacility, usize),
    Remove(i64),
    SetAccess(i64, usize),
    Enlarge(i64, f64),
}

const ACCESS: [Access; 3] = [Access::Public, Access::Restricted, Access::Private];

pub(crate) fn edit(raw: &RawEdit) -> Edit {
    match raw {
        RawEdit::Add(f, access) => {
            let base = facility(0, f);
            Edit::Add(PlannedFacility {
                kind: base.kind,
                name: None,
                geometry: base.geometry,
                area_m2: base.area_m2,
                access: ACCESS[*access],
            })
        }
        RawEdit::Remove(id) => Edit::Remove {
            osm_id: OsmId::Way(*id),
        },
        RawEdit::SetAccess(id, a) => Edit::SetAccess {
            osm_id: OsmId::Way(*id),
            access: ACCESS[*a],
        },
        RawEdit::Enlarge(id, area) => Edit::Enlarge {
            osm_id: OsmId::Way(*id),
            area_m2: *area,
        },
    }
}

pub(crate) fn raw_edit(facilities: usize) -> impl Strategy<Value = RawEdit> {
    let id = 1..=(facilities as i64 + 1);
    prop_oneof![
        (raw_facility(), 0..3usize).prop_map(|(f, a)| RawEdit::Add(f, a)),
        id.clone().prop_map(RawEdit::Remove),
        (id.clone(), 0..3usize).prop_map(|(i, a)| RawEdit::SetAccess(i, a)),
        (id, 0.0..4000.0f64).prop_map(|(i, a)| RawEdit::Enlarge(i, a)),
    ]
}

pub(crate) fn engine(city: &City, standards: &Standards) -> ScenarioEngine {
    let graph = build_graph(city, standards).expect("graph");
    ScenarioEngine::new(Arc::new(city.clone()), Arc::new(graph), standards.clone()).expect("engine")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn incremental_equals_full_recompute(
        raw in raw_town(60, 8, false),
        edits in proptest::collection::vec(raw_edit(8), 0..5),
    ) {
        let (city, standards) = town_and_standard(&raw);
        let engine = engine(&city, &standards);
        let edits: Vec<Edit> = edits.iter().map(edit).collect();
        let graph = build_graph(&city, &standards).unwrap();
        match apply_edits(&city.facilities, &edits) {
            Ok(scenario) => {
                let full = analyze_scenario(&city, &graph, &standards, &scenario).unwrap();
                let cmp = engine.compare(&edits).unwrap();
                assert_same(&cmp.after, &full);
                // Summed in the same order as the full recompute: equal to the last bit.
                prop_assert_eq!(&cmp.after, &full);
                prop_assert_eq!(&*cmp.before, engine.base());
                prop_assert!(cmp.recomputed_units <= city.population.len());
                // The neighbourhoods listed as changed are exactly those whose published row differs.
                let rows = |a: &Analysis| a.neighbourhood_rows();
                let differ: Vec<usize> = (0..full.neighbourhoods.len())
                    .filter(|&n| rows(&full)[n] != rows(engine.base())[n])
                    .collect();
                let listed: Vec<usize> = cmp.changed.iter().copied()
                    .filter(|&n| rows(&full)[n] != rows(engine.base())[n])
                    .collect();
                prop_assert_eq!(listed, differ);
            }
            Err(e) => {
                // The same error, nothing computed.
                prop_assert_eq!(engine.compare(&edits).unwrap_err().to_string(), e.to_string());
            }
        }
    }
}

/// Hand-worked: a 1000 m² school yard at 30 % (300 m² of play area) opened to the public counts
/// fully (1000 m²); removing it leaves none; no edits change nothing and recompute no unit.
#[test]
fn opening_a_school_yard_counts_its_full_area() {
    let standards = Standards::from_toml_str(STANDARD, "test").unwrap();
    let school = ((100.0, 100.0), 1, 30.0, Some(1000.0), 0);
    let city = town(&[false], &[((110.0, 110.0), [1.0, 2.0, 3.0])], &[school]);
    let engine = engine(&city, &standards);
    let west = |a: &Analysis| a.neighbourhoods[0].play_area_m2;
    assert!(close(west(engine.base()), 300.0));
    let open = Edit::SetAccess {
        osm_id: OsmId::Way(1),
        access: Access::Public,
    };
    let cmp = engine.compare(std::slice::from_ref(&open)).unwrap();
    assert!(close(west(&cmp.after), 1000.0));
    // The unit lives inside the yard (distance 0): 6–11 needs ≥ 300 m² (300 before: served),
    // 12–17 within 300 m at any area (served before and after).
    assert_eq!(cmp.after.neighbourhoods[0].served_children, [0.0, 2.0, 3.0]);
    assert_eq!(cmp.recomputed_units, 1);
    let json = cmp.to_json(Rows::Changed);
    assert_eq!(json["rows"], "changed");
    assert_eq!(json["neighbourhoods"][0]["id"], "west");
    assert_eq!(json["neighbourhoods"][0]["change"]["play_area_m2"], 700.0);
    // The east neighbourhood has no unit and no facility: unchanged, listed only when all are asked for.
    assert_eq!(json["neighbourhoods"].as_array().unwrap().len(), 1);
    let all = cmp.to_json(Rows::All);
    assert_eq!(all["neighbourhoods"].as_array().unwrap().len(), 2);
    assert_eq!(all["neighbourhoods"][1]["id"], "east");
    assert_eq!(all["totals"], json["totals"]);
    let none = engine.compare(&[]).unwrap();
    assert_eq!(&none.after, engine.base());
    assert_eq!(none.recomputed_units, 0);
    assert!(none.changed.is_empty());
    let remove = Edit::Remove {
        osm_id: OsmId::Way(1),
    };
    let cmp = engine.compare(&[remove]).unwrap();
    assert_eq!(west(&cmp.after), 0.0);
    assert_eq!(cmp.after.neighbourhoods[0].served_children, [0.0, 0.0, 0.0]);
}
