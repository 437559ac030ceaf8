//! The need index with social indicators (`[need.social]`) on a four-area worked example
//! computed by hand (below; the same example as docs/methods.md, "Need score").

use std::collections::BTreeMap;

use geo_types::{Geometry, MultiPolygon, Point, polygon};
use model::{
    City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit,
    SocialIndicator,
};
use spielraum_analysis::standards::DIN18034_TOML;
use spielraum_analysis::{AnalysisError, Candidate, Standards, analyze_reach};

fn strip(id: &str, lat0: f64) -> Neighbourhood {
    let lat1 = lat0 + 0.005;
    Neighbourhood {
        id: id.into(),
        name: format!("Area {id}"),
        admin_level: None,
        geometry: MultiPolygon(vec![polygon![
            (x: 0.0, y: lat0), (x: 0.01, y: lat0), (x: 0.01, y: lat1), (x: 0.0, y: lat1)
        ]]),
        population: None,
    }
}

fn playground(id: i64, lat: f64, area: f64) -> Facility {
    Facility {
        osm_id: OsmId::Way(id),
        kind: FacilityKind::Playground,
        name: None,
        access: None,
        geometry: Geometry::Point(Point::new(0.005, lat)),
        area_m2: Some(area),
        opening_hours: None,
    }
}

fn home(lat: f64) -> PopulationUnit {
    PopulationUnit {
        location: Point::new(0.002, lat),
        residents: 100.0,
        ages: [10.0, 10.0, 10.0],
        source: PopulationSource::Points,
    }
}

fn indicator(key: &str, label: &str, values: &[(&str, f64)]) -> SocialIndicator {
    SocialIndicator {
        key: key.into(),
        label_de: label.into(),
        label_en: format!("{label} (en)"),
        values: values
            .iter()
            .map(|(a, v)| (a.to_string(), *v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn c(facility: usize, distance_m: f64) -> Candidate {
    Candidate {
        facility,
        distance_m,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// DIN 18034 (weights 1 for each band and the play-area deficit, target 1 m² per resident) plus
/// `[need.social] sgb2 = 2, single_parent = 1`.
fn standard_with_social() -> Standards {
    let text = format!("{DIN18034_TOML}\n[need.social]\nsgb2 = 2.0\nsingle_parent = 1.0\n");
    Standards::from_toml_str(&text, "social.toml").unwrap()
}

/// Four areas of 100 residents and 10 children in each band, one home each.
///
/// | area | playground in it | home's reach          | gaps 0–5/6–11/12–17 | area/res | sgb2 | single_parent |
/// | A    | PA 150 m²        | PA 100 m              | 0 / 0 / 0           | 1.5      | 0.10 | 0.15          |
/// | B    | PB 50 m²         | PB 300 m              | 1 / 0 / 0 (> 200 m) | 0.5      | 0.40 | 0.30          |
/// | C    | PC 200 m²        | PC 100 m              | 0 / 0 / 0           | 2.0      | 0.60 | 0.50          |
/// | D    | none             | nothing               | 1 / 1 / 1           | 0        | —    | —  (no row)   |
///
/// deficit = max(0, 1 − area per resident ÷ 1): A 0, B 0.5, C 0, D 1.
/// Σw = 1 + 1 + 1 + 1 + 2 + 1 = 7; need = (gap₀ + gap₁ + gap₂ + deficit + 2·sgb2 + single_parent) ÷ 7:
///   A: (0 + 0 + 0 + 0   + 0.2 + 0.15) ÷ 7 = 0.35 ÷ 7 = 0.050000
///   B: (1 + 0 + 0 + 0.5 + 0.8 + 0.30) ÷ 7 = 2.60 ÷ 7 = 0.371429
///   C: (0 + 0 + 0 + 0   + 1.2 + 0.50) ÷ 7 = 1.70 ÷ 7 = 0.242857
///   D: (1 + 1 + 1 + 1   + 0   + 0   ) ÷ 7 = 4.00 ÷ 7 = 0.571429 (social terms 0, flagged)
/// Ranks: D 1, B 2, C 3, A 4.
/// Parts (w·term ÷ 7) and the largest (driver):
///   A: sgb2 0.028571, single_parent 0.021429 → sgb2
///   B: age_0_5 0.142857, play_area 0.071429, sgb2 0.114286, single_parent 0.042857 → age_0_5
///   C: sgb2 0.171429, single_parent 0.071429 → sgb2
///   D: age_0_5 = age_6_11 = age_12_17 = play_area = 0.142857 → age_0_5 (the first of equals)
/// Without [need.social] (Σw = 4): A 0, B 1.5 ÷ 4 = 0.375, C 0, D 1; ranks D 1, B 2, then A and
/// C (equal score, no gap children) by id: A 3, C 4 — the social terms lift C above A.
fn town() -> (City, Vec<Vec<Candidate>>) {
    let city = City {
        facilities: vec![
            playground(1, 0.0025, 150.0),
            playground(2, 0.0075, 50.0),
            playground(3, 0.0125, 200.0),
        ],
        neighbourhoods: vec![
            strip("A", 0.0),
            strip("B", 0.005),
            strip("C", 0.01),
            strip("D", 0.015),
        ],
        population: vec![home(0.002), home(0.007), home(0.012), home(0.017)],
        social: vec![
            indicator(
                "sgb2",
                "Anteil SGB II",
                &[("A", 0.10), ("B", 0.40), ("C", 0.60)],
            ),
            indicator(
                "single_parent",
                "Alleinerziehende",
                &[("A", 0.15), ("B", 0.30), ("C", 0.50)],
            ),
        ],
        ..City::default()
    };
    let reach = vec![
        vec![c(0, 100.0)],
        vec![c(1, 300.0)],
        vec![c(2, 100.0)],
        vec![],
    ];
    (city, reach)
}

#[test]
fn four_areas_by_hand() {
    let (city, reach) = town();
    let a = analyze_reach(&city, &standard_with_social(), &reach).unwrap();
    let [na, nb, nc, nd] = [0, 1, 2, 3].map(|i| &a.neighbourhoods[i]);
    // The inputs as the table above says.
    assert_eq!(nb.gap_children, [10.0, 0.0, 0.0]);
    assert_eq!(nd.gap_children, [10.0, 10.0, 10.0]);
    assert_eq!(
        [na, nb, nc, nd].map(|n| n.play_area_m2),
        [150.0, 50.0, 200.0, 0.0]
    );

    let scores = [na, nb, nc, nd].map(|n| n.need_score);
    let expected = [0.35 / 7.0, 2.6 / 7.0, 1.7 / 7.0, 4.0 / 7.0];
    for (got, want) in scores.iter().zip(expected) {
        assert!(close(*got, want), "{scores:?} vs {expected:?}");
    }
    assert_eq!([na, nb, nc, nd].map(|n| n.need_rank), [4, 2, 3, 1]);

    let part = |n: &spielraum_analysis::NeighbourhoodIndicators, key: &str| {
        n.need_parts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .unwrap()
    };
    let keys: Vec<&str> = nb.need_parts.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "age_0_5",
            "age_6_11",
            "age_12_17",
            "play_area",
            "sgb2",
            "single_parent"
        ]
    );
    assert!(close(part(na, "sgb2"), 0.2 / 7.0) && close(part(na, "single_parent"), 0.15 / 7.0));
    assert!(close(part(nb, "age_0_5"), 1.0 / 7.0));
    assert!(close(part(nb, "play_area"), 0.5 / 7.0));
    assert!(close(part(nb, "sgb2"), 0.8 / 7.0));
    assert!(close(part(nc, "sgb2"), 1.2 / 7.0) && close(part(nc, "age_0_5"), 0.0));
    assert!(close(part(nd, "play_area"), 1.0 / 7.0) && close(part(nd, "sgb2"), 0.0));
    for n in [na, nb, nc, nd] {
        let sum: f64 = n.need_parts.iter().map(|(_, v)| v).sum();
        assert!(
            close(sum, n.need_score),
            "{}: {sum} vs {}",
            n.id,
            n.need_score
        );
    }
    assert_eq!(
        [na, nb, nc, nd].map(|n| n.need_driver()),
        [Some("sgb2"), Some("age_0_5"), Some("sgb2"), Some("age_0_5")]
    );
    assert!(na.social_missing.is_empty());
    assert_eq!(nd.social_missing, ["sgb2", "single_parent"]);

    // The JSON: parts rounded to 4 decimals, the driver, the missing flag and the labels.
    let json = a.to_json();
    let c_row = &json["neighbourhoods"][2];
    assert_eq!(c_row["need_driver"], "sgb2");
    assert_eq!(c_row["need_parts"]["sgb2"], 0.1714);
    assert_eq!(c_row["need_parts"]["single_parent"], 0.0714);
    assert_eq!(c_row["need_score"], 0.2429);
    assert!(c_row.get("social_missing").is_none());
    assert_eq!(
        json["neighbourhoods"][3]["social_missing"],
        serde_json::json!(["sgb2", "single_parent"])
    );
    assert_eq!(json["social_indicators"][0]["key"], "sgb2");
    assert_eq!(json["social_indicators"][0]["label_de"], "Anteil SGB II");
    assert_eq!(json["social_indicators"][0]["weight"], 2.0);
    // Flat rows: the driver is a column, the parts are not.
    let flat = a.neighbourhood_rows();
    let cols: Vec<&str> = flat[2].iter().map(|(k, _)| k.as_str()).collect();
    assert!(cols.contains(&"need_driver"), "{cols:?}");
    assert!(
        !cols.iter().any(|c| c.starts_with("need_parts")),
        "{cols:?}"
    );
}

#[test]
fn without_social_weights_the_table_is_ignored() {
    let (city, reach) = town();
    let a = analyze_reach(&city, &Standards::default_din18034(), &reach).unwrap();
    let scores = a
        .neighbourhoods
        .iter()
        .map(|n| n.need_score)
        .collect::<Vec<_>>();
    assert!(close(scores[0], 0.0) && close(scores[1], 0.375));
    assert!(close(scores[2], 0.0) && close(scores[3], 1.0));
    let ranks: Vec<usize> = a.neighbourhoods.iter().map(|n| n.need_rank).collect();
    assert_eq!(ranks, [3, 2, 4, 1]);
    assert!(a.neighbourhoods.iter().all(|n| n.social_missing.is_empty()));
    assert!(a.to_json().get("social_indicators").is_none());
    // Score 0: no driver.
    assert_eq!(a.neighbourhoods[0].need_driver(), None);
}

#[test]
fn a_weight_for_an_indicator_the_city_lacks_is_named() {
    let (mut city, reach) = town();
    let text = format!("{DIN18034_TOML}\n[need.social]\nsgb3 = 1.0\n");
    let standards = Standards::from_toml_str(&text, "x.toml").unwrap();
    let e = analyze_reach(&city, &standards, &reach).unwrap_err();
    assert!(matches!(e, AnalysisError::UnknownSocialIndicator { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("'sgb3'") && msg.contains("has only: sgb2, single_parent"),
        "{msg}"
    );
    city.social.clear();
    let msg = analyze_reach(&city, &standards, &reach)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("--social"), "{msg}");
}

#[test]
fn a_negative_social_weight_is_named_with_its_line() {
    let text = format!("{DIN18034_TOML}\n[need.social]\nsgb2 = -1.0\n");
    let line = text.lines().position(|l| l.starts_with("sgb2")).unwrap() + 1;
    let e = Standards::from_toml_str(&text, "x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("x.toml:{line}: need.social.sgb2")),
        "{e}"
    );
}
