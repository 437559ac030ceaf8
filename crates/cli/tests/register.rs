//! End-to-end tests of `spielraum import --population-register FILE --register-mapping SPEC`:
//! a register lands on the homes of its areas with exact per-area sums (worked by hand), and bad
//! registers or mappings fail with one line, exit 1 and nothing written.
//!
//! Needs: `cargo build -p spielraum` first; osmium (osmium-tool) for the small extract.

use std::path::{Path, PathBuf};

use crate::helpers::{fails, import, pbf_from_opl};

/// Two houses of the same 0.0002° × 0.0002° footprint at the same latitude (so the same area on
/// the ellipsoid) in area 01100101 — one without levels (2 assumed), one with 3 — and a garage
/// in area 01100102, which therefore has no home.
pub(crate) const OPL: &str = "\
n1 x9.5000 y47.1000
n2 x9.5002 y47.1000
n3 x9.5002 y47.1002
n4 x9.5000 y47.1002
n5 x9.5050 y47.1000
n6 x9.5052 y47.1000
n7 x9.5052 y47.1002
n8 x9.5050 y47.1002
n9 x9.5200 y47.1000
n10 x9.5202 y47.1000
n11 x9.5202 y47.1002
n12 x9.5200 y47.1002
n20 x9.5000 y47.0990
n21 x9.5200 y47.0990
w1 Tbuilding=house Nn1,n2,n3,n4,n1
w2 Tbuilding=house,building:levels=3 Nn5,n6,n7,n8,n5
w3 Tbuilding=garage Nn9,n10,n11,n12,n9
w4 Thighway=footway Nn20,n21
";

/// Area 01100101 west of 9.51°, 01100102 east of it.
pub(crate) const AREAS: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"01100101","name":"Südstadt"},
   "geometry":{"type":"Polygon","coordinates":[[[9.49,47.09],[9.51,47.09],[9.51,47.11],[9.49,47.11],[9.49,47.09]]]}},
  {"type":"Feature","properties":{"id":"01100102","name":"Großmühle"},
   "geometry":{"type":"Polygon","coordinates":[[[9.51,47.09],[9.53,47.09],[9.53,47.11],[9.51,47.11],[9.51,47.09]]]}}]}"#;

struct Setup {
    dir: tempfile::TempDir,
    pbf: PathBuf,
    areas: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let areas = dir.path().join("areas.geojson");
    std::fs::write(&areas, AREAS).unwrap();
    Setup { dir, pbf, areas }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_berlin_register_lands_on_the_homes_of_its_areas() {
    let t = setup();
    // Berlin's matrix form (RAUMID without the leading zero, `;`). Area 1: E_E 100; 0–5 = 10,
    // 6–11 = 20, 12–17 = E_E12_15 + E_E15_18 = 15 + 15 = 30. Area 2: 40; 4, 8, 6 + 6 = 12.
    let register = t.dir.path().join("EWR202412E_Matrix.csv");
    std::fs::write(
        &register,
        "ZEIT;RAUMID;E_E;E_E00_06;E_E06_12;E_E12_15;E_E15_18;E_E18_110\n\
         202412;1100101;100;10;20;15;15;40\n\
         202412;1100102;40;4;8;6;6;16\n",
    )
    .unwrap();
    let gpkg = t.dir.path().join("city.gpkg");
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--boundaries",
            s(&t.areas),
            "--population-register",
            s(&register),
            "--register-mapping",
            "berlin-lor",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("area 'Großmühle' (01100102) has 40 residents in the register but no residential building"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let mut stmt = conn
        .prepare("SELECT residents, age_0_5, age_6_11, age_12_17, source FROM population ORDER BY residents")
        .unwrap();
    let rows: Vec<(f64, f64, f64, f64, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Weights: same footprint F, storeys 2 and 3 → 2/5 and 3/5 of area 1:
    //   house w1: 40 residents, bands 4, 8, 12; house w2: 60, bands 6, 12, 18.
    // Area 2 has only a garage: one unit of 40 (4, 8, 12) at a point inside it.
    let want = [
        (40.0, 4.0, 8.0, 12.0),
        (40.0, 4.0, 8.0, 12.0),
        (60.0, 6.0, 12.0, 18.0),
    ];
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (got, want) in rows.iter().zip(want) {
        for (g, w) in [got.0, got.1, got.2, got.3]
            .into_iter()
            .zip([want.0, want.1, want.2, want.3])
        {
            assert!((g - w).abs() < 1e-9, "{rows:?}");
        }
        assert_eq!(got.4, "register");
    }
    let population: Vec<(String, f64)> = conn
        .prepare("SELECT id, population FROM neighbourhoods ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(population.len(), 2);
    assert!((population[0].1 - 100.0).abs() < 1e-9, "{population:?}");
    assert!((population[1].1 - 40.0).abs() < 1e-9, "{population:?}");
    let meta = |key: &str| -> String {
        conn.query_row(
            "SELECT value FROM spielraum_meta WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(meta("population_source"), "register");
    assert_eq!(meta("population_register"), "EWR202412E_Matrix.csv");
    assert_eq!(meta("register_mapping"), "berlin-lor");
    // Berlin's groups end at 6, 12 and 18: no area needed a split.
    let split: Option<String> = conn
        .query_row(
            "SELECT value FROM spielraum_meta WHERE key = 'register_split_areas'",
            [],
            |r| r.get(0),
        )
        .ok();
    assert_eq!(split, None);
    // The unit of area 2 lies inside area 2 (read back with GDAL).
    let text = crate::helpers::tool_stdout(
        "ogrinfo",
        &[
            "-q",
            s(&gpkg),
            "-sql",
            "SELECT COUNT(*) AS n FROM population p, neighbourhoods n \
             WHERE n.id = '01100102' AND ST_Intersects(p.geom, n.geom)",
            "-dialect",
            "SQLite",
        ],
    );
    assert!(text.contains("n (Integer) = 1"), "{text}");
}

#[test]
fn split_areas_are_recorded_in_the_geopackage() {
    let t = setup();
    // Long form with one group 0–17 (30 children: 10 per band by years) in area 1, and
    // one group 0–99 in area 2 (40 people over 100 years: 6/100 × 40 = 2.4 per band).
    // Per band in all: 10 + 2.4 = 12.4.
    let register = t.dir.path().join("long.csv");
    std::fs::write(
        &register,
        "area_id,age_from,age_to,count
01100101,0,17,30
01100101,18,99,70
01100102,0,99,40
",
    )
    .unwrap();
    let gpkg = t.dir.path().join("city.gpkg");
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--boundaries",
            s(&t.areas),
            "--population-register",
            s(&register),
            "--register-mapping",
            "long-form",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("2 areas had an age group straddling a band boundary, split by whole years: Südstadt, Großmühle"),
        "{stdout}"
    );
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let split: String = conn
        .query_row(
            "SELECT value FROM spielraum_meta WHERE key = 'register_split_areas'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(split, "Südstadt\nGroßmühle");
    let bands: (f64, f64, f64) = conn
        .query_row(
            "SELECT SUM(age_0_5), SUM(age_6_11), SUM(age_12_17) FROM population",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    for b in [bands.0, bands.1, bands.2] {
        assert!((b - 12.4).abs() < 1e-9, "{bands:?}");
    }
}

#[test]
fn bad_registers_fail_with_one_line_and_write_nothing() {
    let t = setup();
    let gpkg = t.dir.path().join("city.gpkg");
    std::fs::write(&gpkg, b"an earlier result").unwrap();
    let register = t.dir.path().join("register.csv");
    let long = "long-form";
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "unknown area",
            long,
            "area_id,age_from,age_to,count\n01100101,0,99,5\n09999999,0,99,3\n",
            "register.csv:3: unknown neighbourhood '09999999'",
        ),
        (
            "negative count",
            long,
            "area_id,age_from,age_to,count\n01100101,0,99,-5\n",
            "register.csv:2: column count: '-5' is negative",
        ),
        (
            "not a number",
            long,
            "area_id,age_from,age_to,count\n01100101,0,99,fünf\n",
            "register.csv:2: column count: 'fünf' is not a non-negative number",
        ),
        (
            "missing column",
            long,
            "gebiet,age_from,age_to,count\n01100101,0,99,5\n",
            "register.csv:1: column 'area_id' named by register mapping long-form is missing",
        ),
        (
            "overlapping groups",
            "berlin-lor",
            "RAUMID;E_E;E_E00_06;E_E05_18\n1100101;5;1;1\n",
            "register.csv:1: age groups E_E00_06 (0–5) and E_E05_18 (5–17) overlap (mapping berlin-lor)",
        ),
        (
            "gap in the groups",
            long,
            "area_id,age_from,age_to,count\n01100101,0,5,1\n01100101,7,99,1\n",
            "register.csv:2: area '01100101': no age group covers ages 6–6",
        ),
    ];
    for (what, mapping, text, want) in cases {
        std::fs::write(&register, text).unwrap();
        let args = [
            "--boundaries",
            s(&t.areas),
            "--population-register",
            s(&register),
            "--register-mapping",
            mapping,
        ];
        fails(&import(&t.pbf, &gpkg, &args), what, want);
        assert_eq!(
            std::fs::read(&gpkg).unwrap(),
            b"an earlier result",
            "{what}"
        );
        // A new output is not created either.
        let fresh = t.dir.path().join("fresh.gpkg");
        fails(&import(&t.pbf, &fresh, &args), what, want);
        assert!(!fresh.exists(), "{what}: fresh.gpkg was created");
    }

    // No areas: the extract has no boundaries and none are given.
    std::fs::write(
        &register,
        "area_id,age_from,age_to,count\n01100101,0,99,5\n",
    )
    .unwrap();
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--population-register",
            s(&register),
            "--register-mapping",
            long,
        ],
    );
    fails(
        &o,
        "no areas",
        "register.csv: there are no areas to match its rows to",
    );
    // A mapping file that does not exist, or is not TOML.
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--boundaries",
            s(&t.areas),
            "--population-register",
            s(&register),
            "--register-mapping",
            "nope.toml",
        ],
    );
    fails(
        &o,
        "no mapping",
        "--register-mapping nope.toml: no such file",
    );
    let bad = t.dir.path().join("bad.toml");
    std::fs::write(&bad, "id_column = \"a\"\n[ages]\nx = [0, \"17\"]\n").unwrap();
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--boundaries",
            s(&t.areas),
            "--population-register",
            s(&register),
            "--register-mapping",
            s(&bad),
        ],
    );
    fails(&o, "bad mapping", "bad.toml:");
    // One flag without the other; a register that does not exist.
    let o = import(&t.pbf, &gpkg, &["--population-register", s(&register)]);
    fails(
        &o,
        "no mapping flag",
        "--population-register and --register-mapping must be given together",
    );
    let o = import(&t.pbf, &gpkg, &["--register-mapping", long]);
    fails(
        &o,
        "no register flag",
        "--population-register and --register-mapping must be given together",
    );
    let o = import(
        &t.pbf,
        &gpkg,
        &[
            "--population-register",
            "missing.csv",
            "--register-mapping",
            long,
        ],
    );
    fails(
        &o,
        "no register file",
        "--population-register missing.csv: no such file",
    );
    assert_eq!(std::fs::read(&gpkg).unwrap(), b"an earlier result");
    let names: Vec<String> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gpkg"))
        .collect();
    assert_eq!(names, ["city.gpkg"], "no temporary or new GeoPackage left");
}

#[test]
fn zensus_flags_are_counted_and_recorded() {
    let t = setup();
    // Windows-1252 (0x96 = '–'), thousands separator, a value in brackets and a KLAMMERN flag:
    // 1 234 + 7 + 12 + 0 residents, 2 flagged cells, 1 suppressed.
    let grid = t.dir.path().join("grid.csv");
    let mut bytes =
        b"GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;werterlaeuternde_Zeichen\r\n".to_vec();
    bytes.extend_from_slice(b"CRS3035RES100mN3210000E4321000;4321050;3210050;1.234;\r\n");
    bytes.extend_from_slice(b"CRS3035RES100mN3210100E4321000;4321050;3210150;(7);KLAMMERN\r\n");
    bytes.extend_from_slice(b"CRS3035RES100mN3210200E4321000;4321050;3210250;12;KLAMMERN\r\n");
    bytes.extend_from_slice(b"CRS3035RES100mN3210300E4321000;4321050;3210350;\x96;\r\n");
    std::fs::write(&grid, bytes).unwrap();
    let gpkg = t.dir.path().join("city.gpkg");
    let o = import(
        &t.pbf,
        &gpkg,
        &["--boundaries", s(&t.areas), "--population", s(&grid)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("2 Zensus cells had values in brackets"),
        "{stdout}"
    );
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let (flagged, residents): (String, f64) = conn
        .query_row(
            "SELECT (SELECT value FROM spielraum_meta WHERE key = 'zensus_flagged_cells'), \
             (SELECT SUM(residents) FROM population)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((flagged.as_str(), residents), ("2", 1253.0));
}
