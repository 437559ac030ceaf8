//! A city in PostgreSQL/PostGIS end to end, against a real server ([`TempCluster`]):
//! `db migrate`, `import --out postgresql://…`, `analyze` on it giving the GeoPackage's JSON
//! byte for byte, the layers as GDAL reads them, and one-line errors for a database that is not
//! ready.

use crate::helpers::{demo_gpkg, demo_pbf, fails, import, spielraum, tool_stdout, workspace_root};

#[path = "../../pgstore/tests/cluster.rs"]
mod cluster;
use cluster::TempCluster;

fn ok(o: &std::process::Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_demo_in_postgis_gives_the_geopackage_analysis_byte_for_byte() {
    let cluster = TempCluster::start(&["stadt"]);
    let url = cluster.url("stadt", "demo");

    // Nothing works before `db migrate`, and the import says so before reading the extract.
    let o = spielraum(&["db", "status", &url]);
    fails(
        &o,
        "status before migrate",
        "the database has no PostGIS extension",
    );
    let o = import(&demo_pbf(), std::path::Path::new(&url), &[]);
    fails(&o, "import before migrate", "run `spielraum db migrate");
    let out = ok(&spielraum(&["db", "migrate", &url]), "migrate");
    assert!(out.contains("schema created at version"), "{out}");
    let out = ok(&spielraum(&["db", "migrate", &url]), "migrate again");
    assert!(out.contains("already at version"), "{out}");
    ok(&spielraum(&["db", "status", &url]), "status");

    // The same import into PostGIS and into a GeoPackage: the same analysis, to the byte.
    ok(
        &import(&demo_pbf(), std::path::Path::new(&url), &[]),
        "import",
    );
    let gpkg = demo_gpkg().to_str().unwrap();
    let berlin = workspace_root().join("geodata/standards/berlin.toml");
    let berlin = berlin.to_str().unwrap();
    for args in [
        &["--format", "json", "--no-write-back"][..],
        &["--format", "csv", "--no-write-back"][..],
        &["--format", "json", "--at", "2027-07-10 15:00"][..],
        &["--format", "json", "--standards", berlin, "--no-write-back"][..],
    ] {
        let from_file = ok(&spielraum(&[&["analyze", gpkg][..], args].concat()), "file");
        let from_db = ok(&spielraum(&[&["analyze", &url][..], args].concat()), "db");
        assert!(from_file.len() > 1000, "{args:?}");
        assert!(
            from_file == from_db,
            "analyze {args:?} differs between file and PostGIS"
        );
    }

    // The other commands that read a city give the same bytes from either.
    let dir = tempfile::tempdir().unwrap();
    for (what, args) in [
        (
            "reach",
            &[
                "reach",
                "--lon",
                "9.52",
                "--lat",
                "47.14",
                "--minutes",
                "10",
            ][..],
        ),
        (
            "suggest",
            &[
                "suggest",
                "--kind",
                "playground",
                "--count",
                "3",
                "--format",
                "json",
            ][..],
        ),
    ] {
        let from_file = ok(&spielraum(&[args, &[gpkg]].concat()), what);
        let from_db = ok(&spielraum(&[args, &[&url]].concat()), what);
        assert!(
            from_file.len() > 100 && from_file == from_db,
            "{what} differs"
        );
    }
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    ok(
        &spielraum(&[
            "report",
            gpkg,
            "--format",
            "html",
            "--out",
            &out("file.html"),
        ]),
        "report",
    );
    ok(
        &spielraum(&["report", &url, "--format", "html", "--out", &out("db.html")]),
        "report",
    );
    assert!(
        std::fs::read(out("file.html")).unwrap() == std::fs::read(out("db.html")).unwrap(),
        "report differs"
    );
    // The site is named after the file (demo.gpkg) or the schema (demo): the same site.
    ok(
        &spielraum(&["export", gpkg, "--out", &out("file-site")]),
        "export",
    );
    ok(
        &spielraum(&["export", &url, "--out", &out("db-site")]),
        "export",
    );
    let mut files: Vec<_> = std::fs::read_dir(out("file-site"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert!(files.len() > 5, "{files:?}");
    for f in &files {
        let a = std::fs::read(dir.path().join("file-site").join(f));
        let b = std::fs::read(dir.path().join("db-site").join(f));
        if let (Ok(a), Ok(b)) = (a, b) {
            assert!(a == b, "export: {f:?} differs");
        }
    }
    // Scenarios and accounts stay in the GeoPackage for now, and say so.
    let o = spielraum(&["scenario", "list", &url]);
    fails(
        &o,
        "scenario on a database",
        "scenarios and accounts are not kept in PostgreSQL yet",
    );

    // Served from either, the map's API and tiles are the same bytes.
    let (mut from_file, file_addr) = crate::serve::start(demo_gpkg());
    let (mut from_db, db_addr) = crate::serve::start(std::path::Path::new(&url));
    for path in [
        "/api/neighbourhoods",
        "/api/facilities",
        "/api/reach?lon=9.52&lat=47.14&minutes=10",
        "/tiles/13/4312/2877.mvt",
        "/tiles/11/1078/719.mvt",
    ] {
        let (status, file_body) = crate::serve::get(&file_addr, path);
        assert_eq!(status, 200, "{path}");
        assert!(file_body.len() > 200, "{path}: {} bytes", file_body.len());
        let (status, db_body) = crate::serve::get(&db_addr, path);
        assert_eq!(status, 200, "{path}");
        assert!(
            file_body == db_body,
            "{path} differs between file and PostGIS"
        );
    }
    from_file.kill().unwrap();
    from_db.kill().unwrap();
    let _ = (from_file.wait(), from_db.wait());

    // analyze writes its result layers back; GDAL reads them as PostGIS layers with the
    // values of the JSON.
    let json = ok(
        &spielraum(&["analyze", &url, "--format", "json"]),
        "write back",
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pg = format!(
        "PG:host=127.0.0.1 port={} user=spielraum dbname=stadt active_schema=demo",
        cluster.port
    );
    let info = tool_stdout("ogrinfo", &["-ro", "-so", &pg, "neighbourhood_indicators"]);
    assert!(info.contains("Geometry: Multi Polygon"), "{info}");
    let n = json["neighbourhoods"].as_array().unwrap().len();
    assert!(info.contains(&format!("Feature Count: {n}")), "{info}");
    let vaduz = json["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Vaduz")
        .unwrap();
    let sql = tool_stdout(
        "ogrinfo",
        &[
            "-ro",
            &pg,
            "-sql",
            "SELECT population_total, need_rank FROM demo.neighbourhood_indicators WHERE name = 'Vaduz'",
        ],
    );
    assert!(
        sql.contains(&format!(
            "population_total (Integer64) = {}",
            vaduz["population"]["total"]
        )) && sql.contains(&format!("need_rank (Integer64) = {}", vaduz["need_rank"])),
        "{sql}"
    );
    assert_eq!(
        cluster.psql(
            "stadt",
            "SELECT count(*) FROM demo.population WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326"
        ),
        "0"
    );

    // A schema at a newer version, or no server at all: one line, exit 1, nothing changed.
    let before = cluster.psql("stadt", "SELECT count(*), sum(fid) FROM demo.facilities");
    cluster.psql(
        "stadt",
        "INSERT INTO demo.spielraum_schema_version (version, program) VALUES (1000, 'future')",
    );
    let o = spielraum(&["analyze", &url, "--format", "json"]);
    fails(
        &o,
        "newer schema",
        "version 1000, newer than this spielraum knows",
    );
    let o = import(&demo_pbf(), std::path::Path::new(&url), &[]);
    fails(&o, "import into a newer schema", "version 1000");
    let o = spielraum(&["db", "migrate", &url]);
    fails(&o, "migrate a newer schema", "use a newer spielraum");
    assert_eq!(
        cluster.psql("stadt", "SELECT count(*), sum(fid) FROM demo.facilities"),
        before
    );
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nobody = format!("postgresql://planer:geheim@127.0.0.1:{free}/stadt");
    let o = spielraum(&["analyze", &nobody]);
    fails(
        &o,
        "no server",
        "cannot connect to postgresql://planer:***@127.0.0.1",
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("geheim"));
    let o = spielraum(&["db", "migrate", "postgresql://h/db?schema=Rathaus Süd"]);
    fails(&o, "bad schema name", "is not a plain name");
}
