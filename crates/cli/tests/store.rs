//! End-to-end tests of what the GeoPackage keeps: two concurrent `spielraum analyze` processes
//! (each ends with exit 0 or 1, never a warning with exit 0; the file stays consistent with
//! complete result layers), and a server's tile table that random tile requests do not grow.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y osmium-tool`.

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

/// A plain HTTP/1.1 GET on a fresh connection; returns the status.
fn get_status(addr: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn random_out_of_range_tile_requests_add_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    // A footway with a playground on the equator, about 100 m long.
    let pbf = crate::helpers::pbf_from_opl(
        dir.path(),
        "n1 v1 x0.0 y0.0\nn2 v1 x0.001 y0.0\nn10 v1 Tleisure=playground x0.001 y0.0005\n\
         w1 v1 Thighway=footway Nn1,n2\n",
    );
    let city = dir.path().join("m.gpkg");
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut server = Command::new(spielraum_bin())
        .args(["serve", city.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::helpers::listening_address(&mut server);
    // The z14 tile holding the data (x = 8192, y = 8191: just north of the equator) is kept.
    assert_eq!(get_status(&addr, "/tiles/14/8192/8191.mvt"), 200);
    // Pseudo-random z22 tiles anywhere, and z12 tiles in the southern hemisphere far from the
    // data (a fixed linear congruential sequence).
    let mut seed = 2024u64;
    let mut next = |m: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for i in 0..300 {
        let path = if i % 2 == 0 {
            format!("/tiles/22/{}/{}.mvt", next(1 << 22), next(1 << 22))
        } else {
            format!("/tiles/12/{}/{}.mvt", next(1 << 12), 2100 + next(1900))
        };
        let status = get_status(&addr, &path);
        assert!(status == 200 || status == 204, "{path}: {status}");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let conn = rusqlite::Connection::open(&city).unwrap();
    let rows: Vec<(i64, i64, i64)> = conn
        .prepare("SELECT zoom_level, tile_column, tile_row FROM spielraum_tiles")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Only the tile with data (row from the south: 2^14 − 1 − 8191 = 8192).
    assert_eq!(rows, vec![(14, 8192, 8192)]);
}
