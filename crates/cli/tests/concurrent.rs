//! End-to-end test of concurrent writers: two `spielraum analyze` processes on one GeoPackage,
//! round after round; each ends with exit 0 (its layers written) or 1 (a clear error), never a
//! warning with exit 0, and the file stays consistent with complete result layers.
//!
//! Needs: `cargo build -p spielraum` first.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::{demo_pbf, spielraum, spielraum_bin};

/// The rows of the result layers (every column but the geometry, and the geometry's size), in
/// order: what a complete write leaves.
fn result_rows(gpkg: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    let mut out = Vec::new();
    for table in ["neighbourhood_indicators", "gap_areas"] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Blob(b) => format!("blob {}", b.len()),
                        v => format!("{v:?}"),
                    })
                    .collect();
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn two_concurrent_analyses_each_succeed_or_fail_and_leave_a_consistent_file() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("demo.gpkg");
    let o = crate::helpers::import(&demo_pbf(), &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The reference: one analysis alone.
    let o = spielraum(&["analyze", city.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reference = result_rows(&city);
    assert!(
        reference.len() > 11,
        "indicators of 11 municipalities and gap areas"
    );

    let mut succeeded = 0;
    for round in 0..20 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(spielraum_bin())
                    .args(["analyze", city.to_str().unwrap()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr);
            match o.status.code() {
                Some(0) => {
                    assert!(
                        !stderr.contains("warning") && !stderr.contains("error"),
                        "round {round}: exit 0 with {stderr}"
                    );
                    succeeded += 1;
                }
                Some(1) => assert!(
                    stderr.starts_with("spielraum: error: "),
                    "round {round}: {stderr}"
                ),
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        let conn = rusqlite::Connection::open(&city).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        drop(conn);
        assert_eq!(result_rows(&city), reference, "round {round}");
    }
    // Writers wait for each other (30 s busy timeout): all of them get through here.
    assert_eq!(succeeded, 40);
}
