//! The analysis workflow on the worked city: declared result layers, write-back, errors,
//! concurrent writers and read-only files.

mod common;

use analysis::Standards;
use common::{FAR_AGES, NEAR_AGES, table_info, worked_city_file};
use serde_json::Value as Json;
use store::ColumnType;
use workflow::analyze::{GAP_AREAS, NEIGHBOURHOOD_INDICATORS, is_read_only};
use workflow::{AnalyzeError, NoProgress, ResultLayer, analyze_file, write_results};

fn declared_names(layer: &ResultLayer) -> Vec<String> {
    layer.columns.iter().map(|(n, _)| n.to_string()).collect()
}

/// The type a JSON value asks for: whole numbers INTEGER, other numbers REAL, strings TEXT.
fn kind_of(v: &Json) -> Option<ColumnType> {
    match v {
        Json::Number(n) if n.is_i64() || n.is_u64() => Some(ColumnType::Integer),
        Json::Number(_) => Some(ColumnType::Real),
        Json::String(_) => Some(ColumnType::Text),
        _ => None,
    }
}

fn assert_rows_fit(layer: &ResultLayer, rows: &[Vec<(String, Json)>]) {
    assert!(!rows.is_empty(), "{}: no rows to compare", layer.name);
    for row in rows {
        let names: Vec<String> = row.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(names, declared_names(layer), "{}", layer.name);
        for ((name, value), (_, ty)) in row.iter().zip(layer.columns) {
            if let Some(kind) = kind_of(value) {
                assert_eq!(kind, *ty, "{}.{name} holds {value}", layer.name);
            }
        }
    }
}

#[test]
fn declared_columns_are_the_flat_rows_of_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let path = worked_city_file(dir.path(), "city.gpkg");
    let standards = Standards::default_din18034();
    let a = analyze_file(&path, &standards, false, &NoProgress).unwrap();
    assert_eq!(a.analysis.neighbourhoods.len(), 2);
    assert_rows_fit(&NEIGHBOURHOOD_INDICATORS, &a.analysis.neighbourhood_rows());
    assert_rows_fit(&GAP_AREAS, &a.analysis.gap_area_rows());
    assert!(a.not_written.is_none());
    // Without write-back the file has no result layers.
    assert!(table_info(&path, "neighbourhood_indicators").is_empty());
}

/// The columns and types `spielraum analyze` wrote before they were declared, as
/// `PRAGMA table_info` listed them for the demo city.
const NEIGHBOURHOOD_INDICATORS_TODAY: &str = "fid INTEGER, geom MULTIPOLYGON, id TEXT, name TEXT, \
    population_total INTEGER, age_0_5 INTEGER, age_6_11 INTEGER, age_12_17 INTEGER, \
    served_share_age_0_5 REAL, served_share_age_6_11 REAL, served_share_age_12_17 REAL, \
    gap_children_age_0_5 INTEGER, gap_children_age_6_11 INTEGER, gap_children_age_12_17 INTEGER, \
    play_area_m2_per_child_2sfca_age_0_5 REAL, play_area_m2_per_child_2sfca_age_6_11 REAL, \
    play_area_m2_per_child_2sfca_age_12_17 REAL, play_area_m2 REAL, play_area_m2_per_child REAL, \
    play_area_m2_per_child_2sfca REAL, play_area_m2_per_resident REAL, need_score REAL, \
    need_rank INTEGER, need_driver TEXT";
const GAP_AREAS_TODAY: &str = "fid INTEGER, geom MULTIPOLYGON, rank INTEGER, gap_children INTEGER, \
    gap_children_age_0_5 INTEGER, gap_children_age_6_11 INTEGER, gap_children_age_12_17 INTEGER, \
    rank_age_0_5 INTEGER, rank_age_6_11 INTEGER, rank_age_12_17 INTEGER, cells INTEGER, \
    neighbourhoods TEXT";

fn columns_text(path: &std::path::Path, table: &str) -> String {
    let cols: Vec<String> = table_info(path, table)
        .into_iter()
        .map(|(n, t)| format!("{n} {t}"))
        .collect();
    cols.join(", ")
}

#[test]
fn written_layers_have_the_columns_and_values_of_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let path = worked_city_file(dir.path(), "city.gpkg");
    let a = analyze_file(&path, &Standards::default_din18034(), true, &NoProgress).unwrap();
    assert!(a.not_written.is_none());
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        columns_text(&path, "neighbourhood_indicators"),
        squash(NEIGHBOURHOOD_INDICATORS_TODAY)
    );
    assert_eq!(columns_text(&path, "gap_areas"), squash(GAP_AREAS_TODAY));

    // By hand: DIN 18034 serves 0–5 within 200 m, 6–11 within 400 m and 12–17 within 1000 m of
    // a playground; the near household is 50 m away (served), the far one 3 km (not served).
    let conn = rusqlite::Connection::open(&path).unwrap();
    let gap = |id: &str| -> (i64, i64, i64, Option<f64>) {
        conn.query_row(
            "SELECT gap_children_age_0_5, gap_children_age_6_11, gap_children_age_12_17, \
             served_share_age_0_5 FROM neighbourhood_indicators WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    };
    assert_eq!(gap("south"), (0, 0, 0, Some(1.0)));
    assert_eq!(
        gap("north"),
        (
            FAR_AGES[0] as i64,
            FAR_AGES[1] as i64,
            FAR_AGES[2] as i64,
            Some(0.0)
        )
    );
    let (areas, children, names): (i64, i64, String) = conn
        .query_row(
            "SELECT count(*), sum(gap_children), group_concat(neighbourhoods) FROM gap_areas",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(areas, 1);
    assert_eq!(children, FAR_AGES.iter().sum::<f64>() as i64);
    assert_eq!(names, "north");
    // The near household's children appear nowhere as a gap.
    assert!(NEAR_AGES.iter().all(|&c| c > 0.0));
}

#[test]
fn an_empty_analysis_still_writes_every_declared_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.gpkg");
    let mut city = common::worked_city();
    city.neighbourhoods.clear();
    city.population.clear();
    store::write_city(&path, &city).unwrap();
    let a = analyze_file(&path, &Standards::default_din18034(), true, &NoProgress).unwrap();
    assert!(a.analysis.neighbourhoods.is_empty() && a.analysis.gap_areas.is_empty());
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        columns_text(&path, "neighbourhood_indicators"),
        squash(NEIGHBOURHOOD_INDICATORS_TODAY)
    );
    assert_eq!(columns_text(&path, "gap_areas"), squash(GAP_AREAS_TODAY));
}

#[test]
fn a_missing_city_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.gpkg");
    let err = analyze_file(&path, &Standards::default_din18034(), true, &NoProgress).unwrap_err();
    assert!(matches!(err, AnalyzeError::Load(_)), "{err:?}");
    assert!(err.to_string().contains("nowhere.gpkg"), "{err}");
}

#[test]
fn concurrent_writers_wait_for_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = worked_city_file(dir.path(), "city.gpkg");
    let a = analyze_file(&path, &Standards::default_din18034(), false, &NoProgress).unwrap();
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..4)
            .map(|_| s.spawn(|| (0..15).try_for_each(|_| write_results(&path, &a.analysis))))
            .collect();
        for w in writers {
            if let Err(e) = w.join().unwrap() {
                panic!("a concurrent write-back failed: {e:?}");
            }
        }
    });
    let rows: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM neighbourhood_indicators", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn read_only_is_told_apart_from_other_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = worked_city_file(dir.path(), "city.gpkg");
    let ro =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let refused = ro.execute_batch("CREATE TABLE t (x)").unwrap_err();
    assert!(is_read_only(&store::StoreError::from(refused)));
    let rw = rusqlite::Connection::open(&path).unwrap();
    let bad_sql = rw.execute_batch("SELECT * FROM no_such_table").unwrap_err();
    assert!(!is_read_only(&store::StoreError::from(bad_sql)));
    let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
    assert!(is_read_only(&store::StoreError::Io {
        path: path.clone(),
        source: denied
    }));
}

#[test]
fn a_failed_write_back_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = worked_city_file(dir.path(), "city.gpkg");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON gpkg_contents \
             WHEN NEW.table_name = 'gap_areas' BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let err = analyze_file(&path, &Standards::default_din18034(), true, &NoProgress).unwrap_err();
    match &err {
        AnalyzeError::WriteBack { source, .. } => assert!(!is_read_only(source)),
        other => panic!("expected a write-back error, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("result layers not written into")
    );
    // Without write-back the same file analyses fine.
    assert!(analyze_file(&path, &Standards::default_din18034(), false, &NoProgress).is_ok());
}
