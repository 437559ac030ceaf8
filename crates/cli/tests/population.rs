//! End-to-end tests of `spielraum import --population / --population-totals`: a points file
//! lands in the `population` layer and its neighbourhood, and bad files fail cleanly.
//!
//! Needs: `cargo build -p spielraum` first.

use std::path::Path;

use crate::helpers::{demo_pbf, workspace_root};

fn import(out: &Path, extra: &[&str]) -> std::process::Output {
    crate::helpers::import(&demo_pbf(), out, extra)
}

#[test]
fn a_points_file_is_the_only_source_and_lands_in_its_neighbourhood() {
    let dir = tempfile::tempdir().unwrap();
    let points = dir.path().join("homes.csv");
    // Two homes in central Vaduz (by the town hall, 9.5209 E 47.1410 N) and one in Schaan's centre.
    std::fs::write(
        &points,
        "lon,lat,residents,age_0_5,age_6_11,age_12_17\n\
         9.5209,47.1410,100,10,8,6\n\
         9.5215,47.1405,50,5,4,3\n\
         9.5100,47.1650,20,2,2,2\n",
    )
    .unwrap();
    let gpkg = dir.path().join("city.gpkg");
    let o = import(&gpkg, &["--population", points.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let conn = rusqlite::Connection::open(&gpkg).unwrap();
    let (rows, residents, young): (i64, f64, f64) = conn
        .query_row(
            "SELECT COUNT(*), SUM(residents), SUM(age_0_5) FROM population WHERE source = 'points'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((rows, residents, young), (3, 170.0, 17.0));
    let others: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM population WHERE source <> 'points'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(others, 0, "no building estimate mixed in");
    let vaduz: f64 = conn
        .query_row(
            "SELECT population FROM neighbourhoods WHERE name = 'Vaduz'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(vaduz, 150.0);
}

#[test]
fn bad_population_files_fail_with_one_line_and_leave_the_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    std::fs::write(&gpkg, b"an earlier result").unwrap();
    let totals_ok = workspace_root().join("geodata/liechtenstein-population-2020.csv");
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "wrong columns",
            "--population",
            "x,y,people\n9.5,47.1,3\n",
            "input.csv:1:",
        ),
        (
            "not a number",
            "--population",
            "lon,lat,residents\n9.5,47.1,many\n",
            "input.csv:2:",
        ),
        (
            "outside EPSG:3035",
            "--population",
            "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\nCRS3035RES100mN99999999E99999999;99999999950;99999999950;3\n",
            "input.csv:2:",
        ),
        (
            "unknown neighbourhood",
            "--population-totals",
            "name,population\nVaduz,5701\nAtlantis,12\n",
            "input.csv:3:",
        ),
    ];
    for (what, flag, text, line) in cases {
        let file = dir.path().join("input.csv");
        std::fs::write(&file, text).unwrap();
        let o = import(&gpkg, &[flag, file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{what}");
        let err = String::from_utf8_lossy(&o.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("warning:")).collect();
        assert_eq!(lines.len(), 1, "{what}: {err}");
        assert!(
            lines[0].contains("input.csv") && lines[0].contains(line),
            "{what}: {err}"
        );
        assert_eq!(
            std::fs::read(&gpkg).unwrap(),
            b"an earlier result",
            "{what}"
        );
    }
    // The good totals file still works after all that.
    let o = import(&gpkg, &["--population-totals", totals_ok.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 2, "only city.gpkg and input.csv remain");
}
