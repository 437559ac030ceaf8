//! The social table reader (`ingest::social`): dialects, units, names as ids, suppressed cells,
//! and one-line errors for bad tables and mappings.

use std::path::PathBuf;

use geo_types::{MultiPolygon, polygon};
use model::Neighbourhood;
use spielraum_ingest::social::{SocialError, SocialMapping, read_social};

fn area(id: &str, name: &str) -> Neighbourhood {
    Neighbourhood {
        id: id.into(),
        name: name.into(),
        admin_level: None,
        geometry: MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]]),
        population: None,
    }
}

fn areas() -> Vec<Neighbourhood> {
    vec![area("A1", "Südstadt"), area("A2", "Nordend")]
}

fn table(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sozial.csv");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

const MAPPING: &str = r#"
id_column = "Gebiet"
[[indicator]]
key = "sgb2"
column = "SGB II %"
unit = "percent"
[[indicator]]
key = "single_parent"
column = "alleinerziehend"
label_de = "Alleinerziehende"
label_en = "Single parents"
unit = "share"
"#;

fn mapping() -> SocialMapping {
    SocialMapping::from_toml_str(MAPPING, "m.toml").unwrap()
}

#[test]
fn tab_separated_windows_1252_by_name_with_suppressed_cells() {
    // Tab, decimal comma, an area named (not by id) in Windows-1252 (0xFC = 'ü'), a column
    // matched ignoring case, a suppressed "x".
    let (_d, path) =
        table(b"Gebiet\tSGB II %\tALLEINERZIEHEND\nS\xfcdstadt\t12,5\t0,25\nA2\tx\t0\n");
    let got = read_social(&path, &mapping(), &areas()).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].key, "sgb2");
    // No labels given: the key in both languages.
    assert_eq!(
        (got[0].label_de.as_str(), got[0].label_en.as_str()),
        ("sgb2", "sgb2")
    );
    assert_eq!(got[1].label_en, "Single parents");
    // 12,5 % = 0.125; A2's suppressed cell gives no value.
    assert_eq!(got[0].values.get("A1"), Some(&0.125));
    assert_eq!(got[0].values.get("A2"), None);
    assert_eq!(got[1].values.get("A1"), Some(&0.25));
    assert_eq!(got[1].values.get("A2"), Some(&0.0));
}

#[test]
fn bounds_are_inclusive() {
    let (_d, path) = table(b"Gebiet,SGB II %,alleinerziehend\nA1,100,1\nA2,0,0.0\n");
    let got = read_social(&path, &mapping(), &areas()).unwrap();
    assert_eq!(got[0].values.get("A1"), Some(&1.0));
    assert_eq!(got[1].values.get("A1"), Some(&1.0));
}

#[test]
fn bad_tables_are_one_line_errors_naming_file_line_and_column() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"Gebiet;SGB II %;alleinerziehend\nA1;10;1,01\n",
            "sozial.csv:2: column alleinerziehend: 1,01 is not a share between 0 and 1",
        ),
        (
            b"Gebiet;SGB II %;alleinerziehend\nA1;100,5;0\n",
            "sozial.csv:2: column SGB II %: 100,5 is not a percent between 0 and 100",
        ),
        (
            b"Gebiet;SGB II %;alleinerziehend\nA1;10;0\nZ9;10;0\n",
            "sozial.csv:3: unknown neighbourhood 'Z9'",
        ),
        (
            b"Gebiet;alleinerziehend\nA1;0\n",
            "sozial.csv:1: column 'SGB II %' named by social mapping m.toml is missing (found: Gebiet, alleinerziehend)",
        ),
    ];
    for (bytes, want) in cases {
        let (_d, path) = table(bytes);
        let e = read_social(&path, &mapping(), &areas())
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn bad_mappings_are_named() {
    let err = |text: &str| match SocialMapping::from_toml_str(text, "m.toml") {
        Err(e @ SocialError::Mapping { .. }) => e.to_string(),
        other => panic!("{other:?}"),
    };
    let e = err("id_column = \"a\"\n");
    assert!(
        e.starts_with("--social-mapping m.toml: no [[indicator]]"),
        "{e}"
    );
    let e = err(&MAPPING.replace("single_parent", "sgb2"));
    assert!(e.contains("indicator key 'sgb2' is given twice"), "{e}");
    let e = err(&MAPPING.replace("\"sgb2\"", "\"SGB-2\""));
    assert!(e.contains("indicator key 'SGB-2'"), "{e}");
    let e = err(&MAPPING.replace("\"sgb2\"", "\"age_0_5\""));
    assert!(e.contains("taken by the need score"), "{e}");
    let e = err(&MAPPING.replace("unit = \"share\"", "unit = \"ratio\""));
    assert!(e.contains("ratio"), "{e}");
    let e = err(&format!("separator = \"|\"\n{MAPPING}"));
    assert!(e.contains("separator = '|'"), "{e}");
}
