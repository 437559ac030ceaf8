//! Time by hand: a play street across a main road, a school yard opened after school hours and
//! a playground with opening hours, on tiny towns on the equator (docs/methods.md, "Time").
//!
//! Coordinates in units u = 0.001° (lon, lat); on the equator 1 u = 111.195 m.

use std::sync::Arc;

use geo_types::{Geometry, MultiPolygon, Point};
use model::scenario::{Edit, PlayStreet, apply_edits_at, play_street_on_ways};
use model::time::{Dates, NaiveDate, TimeQuery};
use model::{City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit};
use spielraum_analysis::time::{analyze_at, graph_with_closed_streets, unread_hours};
use spielraum_analysis::{
    GapOutlines, ScenarioEngine, Standards, WalkProfile, analyze, build_graph, compute_reach_for,
};

use crate::ascii_town::{rect, way, xy};
use crate::common::compare::assert_same;

const U_M: f64 = 111.195_08;

fn unit(x: f64, y: f64, ages: [f64; 3]) -> PopulationUnit {
    PopulationUnit {
        location: Point(xy(x, y)),
        residents: ages.iter().sum::<f64>() + 2.0,
        ages,
        source: PopulationSource::Points,
    }
}

fn area(id: &str, geometry: MultiPolygon<f64>) -> Neighbourhood {
    Neighbourhood {
        id: id.into(),
        name: id.into(),
        admin_level: None,
        geometry,
        population: None,
    }
}

/// Monday 5 July 2027: weekdays in the questions below count from it.
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 7, 5).unwrap()
}

fn at(text: &str) -> TimeQuery {
    TimeQuery::at(text, monday()).unwrap()
}

fn window(text: &str) -> TimeQuery {
    TimeQuery::window(text, monday()).unwrap()
}

/// ```text
///  y
///  1.2            P (playground, a point)
///  1              6
///                 │ W4 residential
///  0   1━━━━━━━━2━3━4━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━5   main road (primary):
///                 │ W5 residential                           W1 1–2, W2 2–3–4, W3 4–5
/// -1              7
/// -1.2            H (home: 4 children 0–5, 2 children 6–11)
///     x: 0        4 5 6                                  20
/// ```
/// Child-safe profile: the main road is crossed only at mapped crossings; there are none, so H
/// reaches the north side only round the road's end at x = 20: 0.2 + 1 + 15 + 15 + 1 + 0.2 =
/// 32.4 u (3.6 km), beyond every threshold. H is served by nothing.
///
/// Play street on W2 ("Sa 14:00-18:00", summer programme 1 July – 31 August 2027): while it is
/// closed to traffic it is a playground along 2–3–4 (2 u = 222.39 m long, 6 m wide: 1334.34 m²)
/// and W2 is no barrier. H walks 0.2 + 1 = 1.2 u = 133.43 m to it (node 3 lies on it): within
/// 200 m, so H's 4 children 0–5 and 2 children 6–11 are served. P is now 0.2 + 1 + 1 + 0.2 =
/// 2.4 u = 266.87 m away across the closed street.
fn main_road_town() -> City {
    City {
        walk_ways: vec![
            way(1, &[(1, 0.0, 0.0), (2, 4.0, 0.0)], "primary"),
            way(2, &[(2, 4.0, 0.0), (3, 5.0, 0.0), (4, 6.0, 0.0)], "primary"),
            way(3, &[(4, 6.0, 0.0), (5, 20.0, 0.0)], "primary"),
            way(4, &[(3, 5.0, 0.0), (6, 5.0, 1.0)], "residential"),
            way(5, &[(3, 5.0, 0.0), (7, 5.0, -1.0)], "residential"),
        ],
        facilities: vec![Facility {
            osm_id: OsmId::Node(100),
            kind: FacilityKind::Playground,
            name: Some("P".into()),
            access: None,
            geometry: Geometry::Point(Point(xy(5.0, 1.2))),
            area_m2: None,
            opening_hours: None,
        }],
        neighbourhoods: vec![area("all", rect(-1.0, -3.0, 21.0, 3.0))],
        population: vec![unit(5.0, -1.2, [4.0, 2.0, 0.0])],
        ..City::default()
    }
}

fn child_safe() -> Standards {
    let mut s = Standards::default_din18034();
    s.profile = WalkProfile::ChildSafe;
    s
}

fn play_street(city: &City) -> Edit {
    let (geometry, width_m) = play_street_on_ways(&city.walk_ways, &[2], None).unwrap();
    Edit::PlayStreet(PlayStreet {
        name: Some("Sommerstraße".into()),
        ways: vec![2],
        geometry,
        width_m,
        hours: "Sa 14:00-18:00".into(),
        dates: Dates {
            from: NaiveDate::from_ymd_opt(2027, 7, 1),
            to: NaiveDate::from_ymd_opt(2027, 8, 31),
        },
    })
}

#[test]
fn a_play_street_serves_across_the_main_road_only_while_closed() {
    let city = main_road_town();
    let standards = child_safe();
    let graph = build_graph(&city, &standards).unwrap();
    let edits = [play_street(&city)];
    let served = |when: Option<&TimeQuery>| {
        let a = analyze_at(&city, &graph, &standards, &edits, when).unwrap();
        a.neighbourhoods[0].served_children
    };
    // Without the measure H is served by nothing, at any time.
    let base = analyze(&city, &graph, &standards, &|_| {}).unwrap();
    assert_eq!(base.neighbourhoods[0].served_children, [0.0, 0.0, 0.0]);
    // Saturday 10 July 15:00, inside its hours and dates: served.
    assert_eq!(served(Some(&at("Sa 15:00"))), [4.0, 2.0, 0.0]);
    // The whole window Saturday 14:00-18:00 too; 13:00-18:00 is not covered.
    assert_eq!(served(Some(&window("Sa 14:00-18:00"))), [4.0, 2.0, 0.0]);
    assert_eq!(served(Some(&window("Sa 13:00-18:00"))), [0.0, 0.0, 0.0]);
    // Outside its hours, or outside the programme's dates: not served.
    assert_eq!(served(Some(&at("Sa 19:00"))), [0.0, 0.0, 0.0]);
    assert_eq!(served(Some(&at("Mo 15:00"))), [0.0, 0.0, 0.0]);
    let september = NaiveDate::from_ymd_opt(2027, 9, 6).unwrap();
    let later = TimeQuery::at("Sa 15:00", september).unwrap();
    assert_eq!(served(Some(&later)), [0.0, 0.0, 0.0]);
    // No time asked: every measure holds (as every facility is always open).
    assert_eq!(served(None), [4.0, 2.0, 0.0]);

    // The play street's area and the distances, by hand.
    let saturday = at("Sa 15:00");
    let scenario = apply_edits_at(&city.facilities, &edits, Some(&saturday)).unwrap();
    assert_eq!(scenario.closed_ways, [2]);
    let street = &scenario.facilities[1];
    assert_eq!(street.kind, FacilityKind::Playground);
    let want_area = 2.0 * U_M * 6.0;
    assert!(
        (street.area_m2.unwrap() - want_area).abs() < 0.5,
        "{street:?}"
    );
    let closed = graph_with_closed_streets(&city, &standards, &scenario)
        .unwrap()
        .expect("child-safe with a closed street: a graph of its own");
    let reach = compute_reach_for(&scenario.facilities, &city.population, &closed, &standards);
    let distance = |f: usize| {
        reach[0]
            .iter()
            .find(|c| c.facility == f)
            .map(|c| c.distance_m)
    };
    assert!((distance(1).unwrap() - 1.2 * U_M).abs() < 0.01, "{reach:?}");
    assert!((distance(0).unwrap() - 2.4 * U_M).abs() < 0.01, "{reach:?}");
    // On the everyday child-safe graph P is out of reach (3.6 km round the road's end).
    let everyday = compute_reach_for(&city.facilities, &city.population, &graph, &standards);
    assert!(everyday[0].is_empty(), "{everyday:?}");
    // The default profile has no barrier to lift: no graph of its own.
    let default = Standards::default_din18034();
    assert!(
        graph_with_closed_streets(&city, &default, &scenario)
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_engine_answers_play_streets_at_a_time_as_the_full_analysis() {
    let city = main_road_town();
    for standards in [child_safe(), Standards::default_din18034()] {
        let graph = build_graph(&city, &standards).unwrap();
        let engine =
            ScenarioEngine::new(Arc::new(city.clone()), Arc::new(graph), standards.clone())
                .unwrap();
        let edits = [play_street(&city)];
        for when in [None, Some(at("Sa 15:00")), Some(at("Sa 19:00"))] {
            let c = engine
                .compare_at(&edits, when.as_ref(), GapOutlines::Traced)
                .unwrap();
            let full =
                analyze_at(&city, engine.graph(), &standards, &edits, when.as_ref()).unwrap();
            assert_same(&c.after, &full);
            let gained: f64 = c.unit_changes.iter().map(|u| u.gained[0]).sum();
            let expect = if when.as_ref().is_some_and(|w| w.text == "Sa 19:00") {
                0.0
            } else {
                4.0
            };
            assert_eq!(gained, expect, "{:?} {:?}", standards.profile, when);
        }
        // The city at a time is kept: asked again, the same answer, equal to a full analysis.
        let saturday = at("Sa 15:00");
        let first = engine.at(&saturday, GapOutlines::Traced).unwrap();
        let again = engine.at(&saturday, GapOutlines::Traced).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let full = analyze_at(&city, engine.graph(), &standards, &[], Some(&saturday)).unwrap();
        assert_same(&first.after, &full);
    }
}

/// ```text
///  y
///  1.5        ┌───┐
///             │ S │  school yard x 2.5..3.5, y 0.5..1.5, access=private, 10 000 m²
///  0.5        └───┘  Q (playground, a point at (4, 0.5), opening_hours "Mo-Fr 08:00-13:00")
///  0.2  K
///  0    1━━━━━━━━━━━2   W30 residential (0,0)–(4,0)
/// ```
/// K (children [0, 5, 3]) joins at node 1 (+0.2 u). S's outline joins W30 0.5 u below its
/// bottom edge: K → S = 0.2 + 2.5 + 0.5 = 3.2 u = 355.82 m (≤ 400: serves 6–11 when open to
/// all). K → Q = 0.2 + 4 + 0.5 = 4.7 u = 522.62 m (> 400, ≤ 1000: serves 12–17 when open).
fn school_town() -> (City, Standards) {
    let city = City {
        walk_ways: vec![way(30, &[(1, 0.0, 0.0), (2, 4.0, 0.0)], "residential")],
        facilities: vec![
            Facility {
                osm_id: OsmId::Way(200),
                kind: FacilityKind::School,
                name: Some("S".into()),
                access: Some("private".into()),
                geometry: Geometry::MultiPolygon(rect(2.5, 0.5, 3.5, 1.5)),
                area_m2: Some(10_000.0),
                opening_hours: None,
            },
            Facility {
                osm_id: OsmId::Node(201),
                kind: FacilityKind::Playground,
                name: Some("Q".into()),
                access: None,
                geometry: Geometry::Point(Point(xy(4.0, 0.5))),
                area_m2: None,
                opening_hours: Some("Mo-Fr 08:00-13:00".into()),
            },
        ],
        neighbourhoods: vec![area("k", rect(-1.0, -1.0, 5.0, 2.0))],
        population: vec![unit(0.0, 0.2, [0.0, 5.0, 3.0])],
        ..City::default()
    };
    // DIN 18034 with school yards serving 6–11 (as in Herrenberg).
    let text = spielraum_analysis::standards::DIN18034_TOML.replace(
        "[bands.age_6_11]\nthreshold_m = 400.0\nspeed_kmh = 4.0\nkinds = [\"playground\", \"open_space\"]",
        "[bands.age_6_11]\nthreshold_m = 400.0\nspeed_kmh = 4.0\nkinds = [\"playground\", \"open_space\", \"school\"]",
    );
    assert_ne!(text, spielraum_analysis::standards::DIN18034_TOML);
    (city, Standards::from_toml_str(&text, "test").unwrap())
}

#[test]
fn a_school_yard_counts_only_inside_its_window() {
    let (city, standards) = school_town();
    let graph = build_graph(&city, &standards).unwrap();
    let yard = Edit::OpenAfterHours {
        osm_id: OsmId::Way(200),
        hours: "Mo-Fr 15:00-19:00".into(),
        dates: Dates {
            from: NaiveDate::from_ymd_opt(2027, 7, 1),
            to: NaiveDate::from_ymd_opt(2027, 7, 31),
        },
    };
    let served = |edits: &[Edit], when: Option<&TimeQuery>| {
        analyze_at(&city, &graph, &standards, edits, when)
            .unwrap()
            .neighbourhoods[0]
            .served_children
    };
    let yard = std::slice::from_ref(&yard);
    // Always: the yard is opened (measures hold), Q is open.
    assert_eq!(served(yard, None), [0.0, 5.0, 3.0]);
    assert_eq!(served(&[], None), [0.0, 0.0, 3.0]);
    // Weekday afternoons 15–18: inside the yard's hours; Q is closed after 13:00.
    assert_eq!(
        served(yard, Some(&window("Mo-Fr 15:00-18:00"))),
        [0.0, 5.0, 0.0]
    );
    // 14–18 is not covered by 15–19: the yard does not count for the window.
    assert_eq!(
        served(yard, Some(&window("Mo-Fr 14:00-18:00"))),
        [0.0, 0.0, 0.0]
    );
    // A weekday morning: the yard is closed to the public, Q is open.
    assert_eq!(served(yard, Some(&at("Mo 10:00"))), [0.0, 0.0, 3.0]);
    // Saturday: neither.
    assert_eq!(served(yard, Some(&at("Sa 16:00"))), [0.0, 0.0, 0.0]);
    // A Monday after the programme ended.
    let august = NaiveDate::from_ymd_opt(2027, 8, 2).unwrap();
    let after = TimeQuery::at("Mo 16:00", august).unwrap();
    assert_eq!(served(yard, Some(&after)), [0.0, 0.0, 0.0]);
    // Inside its window the yard counts at full weight: 10 000 m² for the 2SFCA of 6–11
    // (DIN's school weight would not apply anyway; 5 children in its catchment).
    let a = analyze_at(&city, &graph, &standards, yard, Some(&at("Tu 16:00"))).unwrap();
    let per_child = a.neighbourhoods[0].play_area_m2_per_child_2sfca_by_band[1].unwrap();
    assert!((per_child - 10_000.0 / 5.0).abs() < 1e-6, "{per_child}");
}

#[test]
fn unreadable_opening_hours_are_named_and_count_as_always_open() {
    let (mut city, standards) = school_town();
    city.facilities[1].opening_hours = Some("Mo-Fr 8 bis 13 Uhr".into());
    let unread = unread_hours(&city.facilities);
    assert_eq!(unread.len(), 1);
    let warning = unread[0].to_string();
    assert!(
        warning.starts_with("facility n201 \"Q\": cannot read opening hours 'Mo-Fr 8 bis 13 Uhr'"),
        "{warning}"
    );
    assert!(warning.ends_with("; counted as always open"), "{warning}");
    let graph = build_graph(&city, &standards).unwrap();
    let a = analyze_at(&city, &graph, &standards, &[], Some(&at("Sa 16:00"))).unwrap();
    assert_eq!(a.neighbourhoods[0].served_children, [0.0, 0.0, 3.0]);
}

#[test]
fn no_time_is_todays_answer_on_the_demo() {
    let city = crate::common::demo::demo_city();
    let standards = Standards::default_din18034();
    let graph = build_graph(&city, &standards).unwrap();
    let today = analyze(&city, &graph, &standards, &|_| {}).unwrap();
    let always = analyze_at(&city, &graph, &standards, &[], None).unwrap();
    assert_eq!(today.to_json(), always.to_json());
    let engine = ScenarioEngine::new(Arc::new(city), Arc::new(graph), standards).unwrap();
    let c = engine.compare_at(&[], None, GapOutlines::Traced).unwrap();
    assert_eq!(c.after.to_json(), today.to_json());
}
