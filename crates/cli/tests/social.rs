//! End-to-end tests of `spielraum import --social FILE --social-mapping FILE.toml` and of the
//! need index that weighs it (`[need.social]`): the table lands in the GeoPackage as GDAL reads
//! it, the analysis names what drives each rank (worked by hand), and bad tables fail with one
//! line, exit 1 and the existing GeoPackage byte for byte unchanged.
//!
//! Needs: `cargo build -p spielraum` first; osmium (osmium-tool) for the small extract; GDAL.

use std::path::{Path, PathBuf};

use crate::helpers::{fails, import, layer_by_gdal, pbf_from_opl, spielraum, tool_stdout};

// The town (two houses in Südstadt 01100101, a garage in Großmühle 01100102) and its areas
// are the register test's.
use crate::register::{AREAS, OPL};

/// The mapping: `;`-separated (sniffed), decimal comma; SGB II in percent, single parents as a
/// share; labels with umlauts.
const MAPPING: &str = r#"id_column = "Gebiet"

[[indicator]]
key = "sgb2"
column = "SGB2_Kinder_Prozent"
label_de = "Kinder in SGB-II-Haushalten"
label_en = "Children in households on SGB II"
unit = "percent"

[[indicator]]
key = "single_parent"
column = "Alleinerziehende"
label_de = "Alleinerziehende Haushalte (Anteil)"
unit = "share"
"#;

struct Setup {
    dir: tempfile::TempDir,
    pbf: PathBuf,
    areas: PathBuf,
    mapping: PathBuf,
    table: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let areas = dir.path().join("areas.geojson");
    std::fs::write(&areas, AREAS).unwrap();
    let mapping = dir.path().join("sozial.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let table = dir.path().join("sozial.csv");
    Setup {
        dir,
        pbf,
        areas,
        mapping,
        table,
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

impl Setup {
    fn import(&self, out: &Path) -> std::process::Output {
        import(
            &self.pbf,
            out,
            &[
                "--boundaries",
                s(&self.areas),
                "--social",
                s(&self.table),
                "--social-mapping",
                s(&self.mapping),
            ],
        )
    }
}

#[test]
fn a_social_table_is_stored_and_drives_the_need_ranking() {
    let t = setup();
    // Windows-1252 header byte (0xFC = 'ü' in a column we do not use), `;`, decimal comma,
    // the id without its leading zero (as spreadsheets write it), a suppressed cell ("-").
    let mut bytes = b"Gebiet;Bezeichnung;SGB2_Kinder_Prozent;Alleinerziehende\r\n".to_vec();
    bytes.extend_from_slice(b"1100101;S\xfcdstadt;25,0;0,2\r\n");
    bytes.extend_from_slice(b"1100102;Gro\xdfm\xfchle;50;-\r\n");
    std::fs::write(&t.table, bytes).unwrap();
    let gpkg = t.dir.path().join("city.gpkg");
    let o = t.import(&gpkg);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // GDAL sees an attributes table of (area_id, key, value): 25 % → 0.25, 50 % → 0.5, 0.2;
    // the suppressed cell has no row.
    let mut rows = layer_by_gdal(&gpkg, "social_indicators", &["area_id", "key", "value"]);
    rows.sort();
    assert_eq!(
        rows,
        [
            ["01100101", "sgb2", "0.25"],
            ["01100101", "single_parent", "0.2"],
            ["01100102", "sgb2", "0.5"],
        ]
    );
    let labels = layer_by_gdal(
        &gpkg,
        "social_indicator_labels",
        &["key", "label_de", "label_en"],
    );
    assert_eq!(
        labels,
        [
            [
                "sgb2",
                "Kinder in SGB-II-Haushalten",
                "Children in households on SGB II"
            ],
            [
                "single_parent",
                "Alleinerziehende Haushalte (Anteil)",
                "Alleinerziehende Haushalte (Anteil)"
            ],
        ]
    );
    let info = tool_stdout("ogrinfo", &["-so", s(&gpkg), "social_indicators"]);
    assert!(info.contains("Geometry: None"), "{info}");

    // DIN 18034 (weights 1, target 1 m² per resident) with sgb2 weighed 2 and single parents 1:
    // Σw = 7. No play space: Südstadt's children are all unserved and it has no play area
    // (each band's and the deficit's part 1 ÷ 7 where the band has children), sgb2 part
    // 2 × 0.25 ÷ 7 = 0.0714, single_parent 0.2 ÷ 7 = 0.0286. Großmühle has no residents
    // (gaps and deficit 0): sgb2 2 × 0.5 ÷ 7 = 0.1429 is its whole score and its driver; its
    // single-parent value is missing (part 0, flagged).
    let standards = t.dir.path().join("social-din.toml");
    let din = std::fs::read_to_string(
        crate::helpers::workspace_root().join("geodata/standards/din18034.toml"),
    )
    .unwrap();
    std::fs::write(
        &standards,
        format!("{din}\n[need.social]\nsgb2 = 2.0\nsingle_parent = 1.0\n"),
    )
    .unwrap();
    let o = spielraum(&[
        "analyze",
        s(&gpkg),
        "--standards",
        s(&standards),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = |id: &str| {
        json["neighbourhoods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()
            .clone()
    };
    let (south, north) = (row("01100101"), row("01100102"));
    assert_eq!(north["need_score"], 0.1429);
    assert_eq!(north["need_driver"], "sgb2");
    assert_eq!(north["need_rank"], 2);
    assert_eq!(
        north["social_missing"],
        serde_json::json!(["single_parent"])
    );
    assert_eq!(south["need_parts"]["sgb2"], 0.0714);
    assert_eq!(south["need_parts"]["single_parent"], 0.0286);
    assert_eq!(south["need_parts"]["play_area"], 0.1429);
    assert_eq!(south["need_driver"], "age_0_5");
    assert_eq!(south["need_rank"], 1);
    assert_eq!(json["social_indicators"][1]["key"], "single_parent");

    // The table view names the driver in words.
    let o = spielraum(&[
        "analyze",
        s(&gpkg),
        "--standards",
        s(&standards),
        "--format",
        "table",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("Children in households on SGB II"),
        "{table}"
    );

    // The council report's need ranking names the driver in German: Großmühle's is the
    // indicator's German label.
    let html = t.dir.path().join("bericht.html");
    let o = spielraum(&[
        "report",
        s(&gpkg),
        "--all",
        "--standards",
        s(&standards),
        "--format",
        "html",
        "--out",
        s(&html),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("vor allem"), "no driver column");
    assert!(
        html.contains("Kinder in SGB-II-Haushalten"),
        "no German label"
    );
    assert!(html.contains("unversorgte Kinder 0–5"), "no band driver");

    // A standard weighing an indicator the table lacks: one line naming it, exit 1.
    std::fs::write(&standards, format!("{din}\n[need.social]\nsgb3 = 1.0\n")).unwrap();
    let o = spielraum(&["analyze", s(&gpkg), "--standards", s(&standards)]);
    fails(
        &o,
        "unknown key",
        "[need.social] weighs 'sgb3', but the city's social table has only: sgb2, single_parent",
    );
}

#[test]
fn bad_social_tables_fail_with_one_line_and_leave_the_file_unchanged() {
    let t = setup();
    let gpkg = t.dir.path().join("city.gpkg");
    let header = "Gebiet;SGB2_Kinder_Prozent;Alleinerziehende\n";
    std::fs::write(&t.table, format!("{header}01100101;10;0,1\n")).unwrap();
    let o = t.import(&gpkg);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = std::fs::read(&gpkg).unwrap();
    let cases = [
        (
            "unknown area",
            format!("{header}01100101;10;0,1\n09999999;10;0,1\n"),
            "sozial.csv:3: unknown neighbourhood '09999999'",
        ),
        (
            "share above 1",
            format!("{header}01100101;10;1,5\n"),
            "sozial.csv:2: column Alleinerziehende: 1,5 is not a share between 0 and 1",
        ),
        (
            "negative share",
            format!("{header}01100101;10;-0,1\n"),
            "sozial.csv:2: column Alleinerziehende: -0,1 is not a share between 0 and 1",
        ),
        (
            "percent above 100",
            format!("{header}01100102;120;0,1\n"),
            "sozial.csv:2: column SGB2_Kinder_Prozent: 120 is not a percent between 0 and 100",
        ),
        (
            "not a number",
            format!("{header}01100101;zehn;0,1\n"),
            "sozial.csv:2: column SGB2_Kinder_Prozent: 'zehn' is not a number",
        ),
        (
            "missing column",
            "Gebiet;SGB2;Alleinerziehende\n01100101;10;0,1\n".to_string(),
            "sozial.csv:1: column 'SGB2_Kinder_Prozent' named by social mapping",
        ),
        (
            "area twice",
            format!("{header}01100101;10;0,1\n1100101;10;0,1\n"),
            "sozial.csv:3: area '01100101' already has a row on line 2",
        ),
    ];
    for (what, text, want) in cases {
        std::fs::write(&t.table, text).unwrap();
        fails(&t.import(&gpkg), what, want);
        assert_eq!(
            std::fs::read(&gpkg).unwrap(),
            before,
            "{what}: file changed"
        );
    }
    // Mapping errors: a reserved key, a bad unit, one flag without the other.
    std::fs::write(&t.table, format!("{header}01100101;10;0,1\n")).unwrap();
    std::fs::write(&t.mapping, MAPPING.replace("\"sgb2\"", "\"play_area\"")).unwrap();
    fails(
        &t.import(&gpkg),
        "reserved key",
        "indicator key 'play_area' is taken by the need score's own parts",
    );
    std::fs::write(&t.mapping, MAPPING.replace("\"percent\"", "\"promille\"")).unwrap();
    fails(&t.import(&gpkg), "bad unit", "sozial.toml");
    assert_eq!(
        std::fs::read(&gpkg).unwrap(),
        before,
        "mapping: file changed"
    );
    let o = import(
        &t.pbf,
        &gpkg,
        &["--boundaries", s(&t.areas), "--social", s(&t.table)],
    );
    fails(&o, "--social alone", "required arguments were not provided");
    assert_eq!(std::fs::read(&gpkg).unwrap(), before);
}

#[test]
fn analyze_stores_a_social_table_into_an_existing_city() {
    let t = setup();
    let gpkg = t.dir.path().join("city.gpkg");
    let o = import(&t.pbf, &gpkg, &["--boundaries", s(&t.areas)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let standards = t.dir.path().join("social-din.toml");
    let din = std::fs::read_to_string(
        crate::helpers::workspace_root().join("geodata/standards/din18034.toml"),
    )
    .unwrap();
    std::fs::write(&standards, format!("{din}\n[need.social]\nsgb2 = 2.0\n")).unwrap();
    let analyze = |table: &Path| {
        spielraum(&[
            "analyze",
            s(&gpkg),
            "--standards",
            s(&standards),
            "--format",
            "json",
            "--no-write-back",
            "--social",
            s(table),
            "--social-mapping",
            s(&t.mapping),
        ])
    };
    // A bad table first: one line, exit 1, the file unchanged.
    let before = std::fs::read(&gpkg).unwrap();
    std::fs::write(
        &t.table,
        "Gebiet;SGB2_Kinder_Prozent;Alleinerziehende\n01100102;101;0\n",
    )
    .unwrap();
    fails(
        &analyze(&t.table),
        "percent above 100",
        "sozial.csv:2: column SGB2_Kinder_Prozent: 101 is not a percent between 0 and 100",
    );
    assert_eq!(std::fs::read(&gpkg).unwrap(), before);
    // Großmühle (no residents): 2 × 0.5 ÷ (4 + 2) = 0.1667, all of it sgb2.
    std::fs::write(
        &t.table,
        "Gebiet;SGB2_Kinder_Prozent;Alleinerziehende\n01100102;50;0\n",
    )
    .unwrap();
    let o = analyze(&t.table);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let north = json["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "01100102")
        .unwrap();
    assert_eq!(north["need_score"], 0.1667);
    assert_eq!(north["need_driver"], "sgb2");
    let rows = layer_by_gdal(&gpkg, "social_indicators", &["area_id", "key", "value"]);
    assert!(
        rows.contains(&vec!["01100102".to_string(), "sgb2".into(), "0.5".into()]),
        "{rows:?}"
    );
}
