//! Conflation of a hand-made inventory with planted mismatches: every status, match and
//! disagreement worked out by hand from the layout below (positions in metres east/north of a
//! point in Berlin, converted to degrees with 111,320 m per degree of latitude).

use geo_types::{Geometry, MultiPolygon, Point, polygon};
use model::{Facility, FacilityKind, OsmId};
use spielraum_ingest::conflate::{ConflationOptions, Status, Winner, conflate};
use spielraum_ingest::inventory::{OfficialFacility, official_id};

const LAT0: f64 = 52.5;
const LON0: f64 = 13.4;

fn deg(x: f64, y: f64) -> (f64, f64) {
    let m_per_deg = 111_320.0;
    (
        LON0 + x / (m_per_deg * LAT0.to_radians().cos()),
        LAT0 + y / m_per_deg,
    )
}

fn point(x: f64, y: f64) -> Geometry<f64> {
    let (lon, lat) = deg(x, y);
    Geometry::Point(Point::new(lon, lat))
}

/// A square `side` metres wide with its south-west corner at (x, y).
fn square(x: f64, y: f64, side: f64) -> Geometry<f64> {
    let (x0, y0) = deg(x, y);
    let (x1, y1) = deg(x + side, y + side);
    Geometry::MultiPolygon(MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
    ]]))
}

fn official(id: &str, kind: FacilityKind, name: &str, g: Geometry<f64>) -> OfficialFacility {
    OfficialFacility {
        id: id.into(),
        osm_id: official_id(id),
        kind,
        name: (!name.is_empty()).then(|| name.into()),
        geometry: g,
        net_area_m2: None,
        gross_area_m2: None,
        age_groups: None,
        access: None,
        opening_hours: None,
    }
}

fn osm(id: OsmId, kind: FacilityKind, name: &str, g: Geometry<f64>, area: Option<f64>) -> Facility {
    Facility {
        osm_id: id,
        kind,
        name: (!name.is_empty()).then(|| name.into()),
        access: None,
        geometry: g,
        area_m2: area,
        opening_hours: None,
    }
}

use FacilityKind::{OpenSpace, Playground, School};

/// (official id, OSM id, status, matched by, disagreements) of one record.
type Row<'a> = (
    Option<&'a str>,
    Option<String>,
    Status,
    Option<&'a str>,
    String,
);

#[test]
fn a_planted_inventory_conflates_exactly_as_worked_by_hand() {
    let mut off = vec![
        // A: overlaps OSM w1 by 30×40 of 40×40 (75 %); names equal but for case and spacing.
        official(
            "A",
            Playground,
            "Spielplatz Am Park",
            square(0.0, 0.0, 40.0),
        ),
        // B: a point 30 m from OSM n2 (≤ 50 m); names differ.
        official("B", Playground, "Kiezspielplatz", point(200.0, 0.0)),
        // C: 70 m from OSM n3: too far, so only official, and n3 only OSM.
        official("C", Playground, "", point(500.0, 0.0)),
        // D: the same square as OSM w4; official gross 1,000 m², OSM says 700 m² (−30 %).
        official("D", Playground, "", square(1000.0, 0.0, 40.0)),
        // E1/E2 compete for OSM n5: E1 is 40 m away, E2 20 m; the closer pair wins although
        // E1 comes first in the file, and E1 is left with nothing.
        official("E1", Playground, "", point(2000.0, 0.0)),
        official("E2", Playground, "", point(2060.0, 0.0)),
        // F: OSM n8 and n9 are both exactly 20 m away (north and south): the tie goes to the
        // lower OSM id, n8; n9 is only OSM.
        official("F", Playground, "", point(3000.0, 0.0)),
        // G: an open space where OSM wins; overlaps w10 fully (G lies inside it); its outline
        // of 400 m² is a quarter of OSM's 1,600 m² (+300 %) and the names differ.
        official("G", OpenSpace, "Stadtpark", square(4010.0, 10.0, 20.0)),
        // H: a playground 10 m from an OSM school: kinds differ, no match.
        official("H", Playground, "", point(5000.0, 0.0)),
    ];
    off[0].net_area_m2 = Some(900.0);
    off[0].gross_area_m2 = Some(1600.0);
    off[3].gross_area_m2 = Some(1000.0);
    off[3].net_area_m2 = Some(650.0);
    off[0].age_groups = Some("0-12".into());
    off[0].opening_hours = Some("Mo-Fr 08:00-20:00".into());
    let base = vec![
        osm(
            OsmId::Way(1),
            Playground,
            "spielplatz  am  park",
            square(10.0, 0.0, 40.0),
            Some(1600.0),
        ),
        osm(
            OsmId::Node(2),
            Playground,
            "Kinderspielplatz",
            point(230.0, 0.0),
            None,
        ),
        osm(OsmId::Node(3), Playground, "", point(570.0, 0.0), None),
        osm(
            OsmId::Way(4),
            Playground,
            "",
            square(1000.0, 0.0, 40.0),
            Some(700.0),
        ),
        osm(OsmId::Node(5), Playground, "", point(2040.0, 0.0), None),
        osm(OsmId::Node(9), Playground, "", point(3000.0, -20.0), None),
        osm(OsmId::Node(8), Playground, "", point(3000.0, 20.0), None),
        osm(
            OsmId::Way(10),
            OpenSpace,
            "Volkspark",
            square(4000.0, 0.0, 40.0),
            Some(1600.0),
        ),
        osm(
            OsmId::Node(11),
            School,
            "Grundschule",
            point(5010.0, 0.0),
            None,
        ),
    ];
    let mut options = ConflationOptions::default();
    options.wins.insert(OpenSpace, Winner::Osm);
    let out = conflate(&off, &base, &[Playground, OpenSpace], &options);

    let rows: Vec<Row> = out
        .records
        .iter()
        .map(|r| {
            (
                r.official_id.as_deref(),
                r.osm_id.map(|o| o.to_string()),
                r.status,
                r.matched_by,
                r.disagreements(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    use Status::{Matched, OnlyOfficial, OnlyOsm};
    assert_eq!(
        rows,
        vec![
            (Some("A"), s("w1"), Matched, Some("overlap"), "".into()),
            (Some("B"), s("n2"), Matched, Some("distance"), "name".into()),
            (Some("C"), None, OnlyOfficial, None, "".into()),
            (Some("D"), s("w4"), Matched, Some("overlap"), "area".into()),
            (Some("E1"), None, OnlyOfficial, None, "".into()),
            (Some("E2"), s("n5"), Matched, Some("distance"), "".into()),
            (Some("F"), s("n8"), Matched, Some("distance"), "".into()),
            (
                Some("G"),
                s("w10"),
                Matched,
                Some("overlap"),
                "area name".into()
            ),
            (Some("H"), None, OnlyOfficial, None, "".into()),
            (None, s("n3"), OnlyOsm, None, "".into()),
            (None, s("n9"), OnlyOsm, None, "".into()),
        ]
    );
    // Distances as laid out (the projection's metre differs from 1/111,320° by < 0.1 %).
    let dist = |id: &str| {
        out.records
            .iter()
            .find(|r| r.official_id.as_deref() == Some(id))
            .and_then(|r| r.distance_m)
            .unwrap()
    };
    assert!((dist("B") - 30.0).abs() < 0.1, "{}", dist("B"));
    assert!((dist("E2") - 20.0).abs() < 0.1);
    assert!((dist("F") - 20.0).abs() < 0.1);
    let a = &out.records[0];
    assert!(a.note.contains("overlap (75 %)"), "{}", a.note);
    // The inventory's age groups and opening hours are kept in its record (and only there).
    assert_eq!(
        (a.age_groups.as_deref(), a.opening_hours.as_deref()),
        (Some("0-12"), Some("Mo-Fr 08:00-20:00"))
    );
    assert!(out.records[1..].iter().all(|r| r.opening_hours.is_none()));
    assert!(
        out.records[3]
            .note
            .contains("official 1000 m², OSM 700 m² (-30 %)"),
        "{}",
        out.records[3].note
    );

    // The city's facilities: OSM's in order with the matches merged, then the official-only
    // ones (C, E1, H) with their o-ids.
    let ids: Vec<String> = out
        .facilities
        .iter()
        .map(|f| f.osm_id.to_string())
        .collect();
    let o = |id: &str| official_id(id).to_string();
    assert_eq!(
        ids,
        [
            "w1",
            "n2",
            "n3",
            "w4",
            "n5",
            "n9",
            "n8",
            "w10",
            "n11",
            &o("C"),
            &o("E1"),
            &o("H")
        ]
    );
    let by = |id: &str| {
        out.facilities
            .iter()
            .find(|f| f.osm_id.to_string() == id)
            .unwrap()
    };
    // A: the official wins for playgrounds: its square, its name, its net area.
    assert_eq!(by("w1").geometry, off[0].geometry);
    assert_eq!(by("w1").name.as_deref(), Some("Spielplatz Am Park"));
    assert_eq!(by("w1").area_m2, Some(900.0));
    assert_eq!(out.records[0].area_used.as_str(), "net");
    // B: a point without net area: no area (the standard's point area applies).
    assert_eq!(by("n2").area_m2, None);
    assert_eq!(by("n2").name.as_deref(), Some("Kiezspielplatz"));
    // D: net area wins over both outlines.
    assert_eq!(by("w4").area_m2, Some(650.0));
    // G: OSM wins for open spaces: its outline, name and area.
    assert_eq!(by("w10").geometry, base[7].geometry);
    assert_eq!(by("w10").name.as_deref(), Some("Volkspark"));
    assert_eq!(by("w10").area_m2, Some(1600.0));
    assert_eq!(out.records[7].area_used.as_str(), "outline");
    // The school passes unchanged and is in no record.
    assert_eq!(by("n11"), &base[8]);
    assert!(
        out.records
            .iter()
            .all(|r| r.osm_id != Some(OsmId::Node(11)))
    );
}

#[test]
fn a_larger_distance_matches_what_was_too_far() {
    let off = vec![official("C", Playground, "", point(500.0, 0.0))];
    let base = vec![osm(OsmId::Node(3), Playground, "", point(570.0, 0.0), None)];
    let mut options = ConflationOptions::default();
    assert_eq!(
        conflate(&off, &base, &[Playground], &options).records.len(),
        2
    );
    options.max_distance_m = 75.0;
    let out = conflate(&off, &base, &[Playground], &options);
    assert_eq!(out.records.len(), 1);
    assert_eq!(out.records[0].status, Status::Matched);
    // An area tolerance of 50 % lets −30 % pass.
    let mut d = official("D", Playground, "", square(0.0, 0.0, 40.0));
    d.gross_area_m2 = Some(1000.0);
    let w = osm(
        OsmId::Way(4),
        Playground,
        "",
        square(0.0, 0.0, 40.0),
        Some(700.0),
    );
    options.area_tolerance = 0.5;
    let out = conflate(&[d], &[w], &[Playground], &options);
    assert!(!out.records[0].area_differs);
}
