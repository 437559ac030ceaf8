//! End-to-end tests of the learning and meeting places (issue 19): the five new kinds counted
//! against osmium on the demo extract and on a hand-made extract with a few of each, and the
//! shipped standards' numbers unchanged now that pitches and community gardens are kinds of
//! their own (a standard's `open_space` still covers them).
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y gdal-bin osmium-tool`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::helpers::{demo_pbf, pbf_from_opl, spielraum, tool_stdout, workspace_root};
use crate::import::{can_be_facility, import, ogr_values};

/// A hand-made extract around 9.50° E, 47.10° N with a few objects of each new kind, every
/// documented tag variant, and look-alikes that must not become one.
const OPL: &str = "\
n1 v1 x9.5000 y47.1000
n2 v1 x9.5010 y47.1000
n3 v1 x9.5010 y47.1010
n4 v1 x9.5000 y47.1010
n5 v1 x9.5020 y47.1000
n6 v1 x9.5030 y47.1000
n7 v1 x9.5030 y47.1010
n8 v1 x9.5020 y47.1010
n9 v1 x9.5040 y47.1000
n10 v1 x9.5050 y47.1000
n11 v1 x9.5050 y47.1010
n12 v1 x9.5040 y47.1010
n13 v1 x9.5060 y47.1000
n14 v1 x9.5070 y47.1000
n15 v1 x9.5070 y47.1010
n16 v1 x9.5060 y47.1010
n17 v1 x9.5080 y47.1000
n18 v1 x9.5090 y47.1000
n19 v1 x9.5090 y47.1010
n20 v1 x9.5080 y47.1010
n101 v1 x9.5001 y47.1020 Tamenity=library,name=Stadtbibliothek
n102 v1 x9.5002 y47.1020 Tamenity=library,access=private,name=Institutsbibliothek
n103 v1 x9.5003 y47.1020 Tamenity=youth_centre,name=Jugendtreff
n104 v1 x9.5004 y47.1020 Tamenity=social_facility,social_facility:for=juvenile
n105 v1 x9.5005 y47.1020 Tamenity=social_facility,social_facility:for=youth
n106 v1 x9.5006 y47.1020 Tamenity=community_centre,community_centre=family_centre
n107 v1 x9.5007 y47.1020 Tamenity=community_centre,community_centre=family
n108 v1 x9.5008 y47.1020 Tamenity=community_centre,name=Gemeindesaal
n109 v1 x9.5009 y47.1020 Tamenity=social_facility,social_facility:for=senior
n110 v1 x9.5010 y47.1020 Tcommunity_centre=youth_centre
n111 v1 x9.5011 y47.1020 Tleisure=pitch,sport=soccer,name=Bolzplatz
n112 v1 x9.5012 y47.1020 Tleisure=garden,garden:type=community
n113 v1 x9.5013 y47.1020 Tleisure=playground,amenity=library
w201 v1 Tamenity=toy_library,building=yes Nn1,n2,n3,n4,n1
w202 v1 Tamenity=community_centre,community_centre=youth_centre,building=yes Nn5,n6,n7,n8,n5
w203 v1 Tamenity=social_facility,social_facility:for=family Nn9,n10,n11,n12,n9
w204 v1 Tleisure=pitch,access=private Nn13,n14,n15,n16,n13
w205 v1 Tleisure=pitch,sport=basketball Nn1,n5,n9
w206 v1 Tleisure=pitch,amenity=school Nn17,n18,n19,n20,n17
w207 v1 Tleisure=garden,garden:type=community,name=Gemeinschaftsgarten Nn1,n2,n3,n4,n1
w208 v1 Tleisure=garden,garden:type=community,access=private Nn5,n6,n7,n8,n5
w209 v1 Tleisure=garden Nn9,n10,n11,n12,n9
w210 v1 Nn13,n14,n15,n16,n13
w211 v1 Tleisure=pitch Nn17,n18,n19,n20,n17
r301 v1 Mw210@outer Ttype=multipolygon,leisure=garden,garden:type=community
";

/// The documented OSM tags of each new kind (docs/interfaces.md, "Facility kinds from OSM
/// tags") as osmium tags-filter expressions: each inner list is one way to be the kind, its
/// expressions all required (applied one after another), the lists alternatives.
const NEW_KINDS: [(&str, &[&[&str]]); 5] = [
    ("library", &[&["nwr/amenity=library,toy_library"]]),
    (
        "youth_centre",
        &[
            &["nwr/amenity=youth_centre"],
            &[
                "nwr/amenity=community_centre",
                "nwr/community_centre=youth_centre",
            ],
            &[
                "nwr/amenity=social_facility",
                "nwr/social_facility:for=juvenile,youth",
            ],
        ],
    ),
    (
        "family_centre",
        &[
            &[
                "nwr/amenity=community_centre",
                "nwr/community_centre=family_centre,family",
            ],
            &[
                "nwr/amenity=social_facility",
                "nwr/social_facility:for=family",
            ],
        ],
    ),
    ("sports_pitch", &[&["nwr/leisure=pitch"]]),
    (
        "community_garden",
        &[&["nwr/leisure=garden", "nwr/garden:type=community"]],
    ),
];

/// The kinds tried before the new ones (the more specific kind wins; interfaces.md).
const EARLIER: [(&str, &str); 3] = [
    ("playground", "nwr/leisure=playground"),
    ("school", "nwr/amenity=school"),
    ("kindergarten", "nwr/amenity=kindergarten"),
];

/// The ids (`n1`, `w2`, `r3`) osmium finds in `pbf` for every expression of `all`, applied one
/// after another (`-R`: the tagged objects only), kept when they can be a facility (node,
/// closed way, multipolygon).
fn osmium_all(pbf: &Path, all: &[&str], dir: &Path) -> BTreeSet<String> {
    let mut input = pbf.to_path_buf();
    for (i, expr) in all.iter().enumerate() {
        let out = dir.join(format!("step{i}.osm.pbf"));
        tool_stdout(
            "osmium",
            &[
                "tags-filter",
                "-O",
                "-R",
                input.to_str().unwrap(),
                expr,
                "-o",
                out.to_str().unwrap(),
            ],
        );
        input = out;
    }
    let opl = tool_stdout("osmium", &["cat", input.to_str().unwrap(), "-f", "opl"]);
    opl.lines()
        .filter(|l| can_be_facility(l))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Per new kind, the ids osmium finds for its documented tags, less those an earlier kind (in
/// the documented order) already took.
fn expected_by_osmium(pbf: &Path, dir: &Path) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut taken: BTreeSet<String> = EARLIER
        .iter()
        .flat_map(|(_, f)| osmium_all(pbf, &[f], dir))
        .collect();
    let mut out = BTreeMap::new();
    for (kind, ways) in NEW_KINDS {
        let ids: BTreeSet<String> = ways
            .iter()
            .flat_map(|all| osmium_all(pbf, all, dir))
            .filter(|id| !taken.contains(id))
            .collect();
        taken.extend(ids.iter().cloned());
        out.insert(kind, ids);
    }
    out
}

/// The facility ids of `kind` in the GeoPackage, read by GDAL.
fn imported(gpkg: &Path, kind: &str) -> BTreeSet<String> {
    ogr_values(
        gpkg,
        &format!("SELECT osm_id FROM facilities WHERE kind = '{kind}'"),
        "osm_id",
        None,
    )
    .into_iter()
    .collect()
}

#[test]
fn new_kinds_of_a_hand_made_extract_match_osmium() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let gpkg = dir.path().join("small.gpkg");
    let summary = import(&pbf, &gpkg, &[]);
    let expected = expected_by_osmium(&pbf, dir.path());
    for (kind, ids) in &expected {
        assert!(ids.len() >= 2, "{kind}: osmium found only {ids:?}");
        assert_eq!(&imported(&gpkg, kind), ids, "{kind}: GeoPackage vs osmium");
        assert!(
            summary
                .lines()
                .any(|l| l.split_whitespace().eq([*kind, &ids.len().to_string()])),
            "{kind}: {summary}"
        );
    }
    // The ids worked out by hand from the OPL above, so that osmium's answer is checked too.
    let by_hand: [(&str, &[&str]); 5] = [
        ("library", &["n101", "n102", "w201"]),
        ("youth_centre", &["n103", "n104", "n105", "w202"]),
        ("family_centre", &["n106", "n107", "w203"]),
        ("sports_pitch", &["n111", "w204", "w211"]),
        ("community_garden", &["n112", "r301", "w207", "w208"]),
    ];
    for (kind, ids) in by_hand {
        let ids: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
        assert_eq!(expected[kind], ids, "{kind}: osmium vs by hand");
    }
    // Look-alikes: a plain garden is open space, a school's pitch a school, a playground tagged
    // as a library too a playground.
    assert_eq!(
        imported(&gpkg, "open_space"),
        BTreeSet::from(["w209".to_string()])
    );
    assert_eq!(
        imported(&gpkg, "school"),
        BTreeSet::from(["w206".to_string()])
    );
    assert_eq!(
        imported(&gpkg, "playground"),
        BTreeSet::from(["n113".to_string()])
    );
    // Private ones are kept with their access tag.
    let private = ogr_values(
        &gpkg,
        "SELECT osm_id FROM facilities WHERE access = 'private' ORDER BY osm_id",
        "osm_id",
        None,
    );
    assert_eq!(private, ["n102", "w204", "w208"]);
}

#[test]
fn new_kinds_of_the_demo_match_osmium() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    import(&demo_pbf(), &gpkg, &[]);
    let expected = expected_by_osmium(&demo_pbf(), dir.path());
    // The 2015 extract has libraries and many pitches (the rest are in the hand-made extract).
    assert!(!expected["library"].is_empty(), "{expected:?}");
    assert!(expected["sports_pitch"].len() > 20, "{expected:?}");
    for (kind, ids) in &expected {
        assert_eq!(&imported(&gpkg, kind), ids, "{kind}: GeoPackage vs osmium");
    }
}

/// `analyze --format json` of `gpkg` under `standards`, parsed.
fn analyze(gpkg: &Path, standards: &Path) -> Value {
    let o = spielraum(&[
        "analyze",
        gpkg.to_str().unwrap(),
        "--standards",
        standards.to_str().unwrap(),
        "--format",
        "json",
        "--no-write-back",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn open_space_in_a_standard_still_covers_pitches_and_community_gardens() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    import(&demo_pbf(), &gpkg, &[]);
    let standards = workspace_root().join("geodata/standards");
    let din_text = std::fs::read_to_string(standards.join("din18034.toml")).unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // The same standard with the kinds written out as open space meant before issue 19.
    let explicit = write(
        "explicit.toml",
        din_text.replace(
            "kinds = [\"playground\", \"open_space\"]",
            "kinds = [\"playground\", \"open_space\", \"sports_pitch\", \"community_garden\"]",
        ),
    );
    // And one that names sports_pitch (so open_space no longer covers it) but lets no pitch serve.
    let without_pitches = write(
        "without.toml",
        din_text.replace(
            "[play_area]",
            "[area_weights]\nsports_pitch = 1.0\n\n[play_area]",
        ),
    );
    let din = analyze(&gpkg, &standards.join("din18034.toml"));
    let same = analyze(&gpkg, &explicit);
    let fewer = analyze(&gpkg, &without_pitches);
    for key in ["neighbourhoods", "gap_areas", "unassigned_residents"] {
        assert_eq!(din[key], same[key], "{key}");
    }
    // Pitches matter in the demo: without them fewer 12–17 year olds are served somewhere.
    let served = |v: &Value| -> f64 {
        v["neighbourhoods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                n["served_share"]["age_12_17"].as_f64().unwrap()
                    * n["population"]["age_12_17"].as_f64().unwrap()
            })
            .sum()
    };
    assert!(
        served(&fewer) < served(&din) - 1.0,
        "{} vs {}",
        served(&fewer),
        served(&din)
    );
}

#[test]
fn learning_and_meeting_preset_analyses_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("li.gpkg");
    import(&demo_pbf(), &gpkg, &[]);
    let preset = workspace_root().join("geodata/standards/learning-and-meeting.toml");
    let v = analyze(&gpkg, &preset);
    assert_eq!(v["standard"], "learning-and-meeting");
    let hoods = v["neighbourhoods"].as_array().unwrap();
    assert_eq!(hoods.len(), 11);
    // The demo has no family centre and one library: most under-sixes are not served.
    let share = |band: &str| -> f64 {
        let (mut served, mut all) = (0.0, 0.0);
        for n in hoods {
            let p = n["population"][band].as_f64().unwrap();
            served += n["served_share"][band].as_f64().unwrap_or(0.0) * p;
            all += p;
        }
        served / all
    };
    assert!(share("age_0_5") < 0.5, "{}", share("age_0_5"));
    // Its pitches serve many of the older children.
    assert!(share("age_12_17") > 0.5, "{}", share("age_12_17"));
}
