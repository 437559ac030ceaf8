//! A city in PostgreSQL/PostGIS end to end, against a real server ([`TempCluster`]):
//! `db migrate`, `import --out postgresql://…`, `analyze` on it giving the GeoPackage's JSON
//! byte for byte, the layers as GDAL reads them, and one-line errors for a database that is not
//! ready.

use crate::helpers::{demo_gpkg, demo_pbf, fails, import, spielraum, tool_stdout, workspace_root};

#[path = "../../pgstore/tests/cluster.rs"]
pub(crate) mod cluster;
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
    // Every file of both sites, folders included, the same bytes.
    fn files(root: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut todo = vec![root.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let bytes = std::fs::read(&p).unwrap();
                    out.push((p.strip_prefix(root).unwrap().to_path_buf(), bytes));
                }
            }
        }
        out.sort();
        out
    }
    let (from_file, from_db) = (
        files(&dir.path().join("file-site")),
        files(&dir.path().join("db-site")),
    );
    assert!(from_file.len() > 5, "{} files", from_file.len());
    let names =
        |v: &[(std::path::PathBuf, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&from_file), names(&from_db));
    for ((f, a), (_, b)) in from_file.iter().zip(&from_db) {
        assert!(a == b, "export: {f:?} differs");
    }
    // The workspace is the schema's too: no users yet.
    let users = ok(
        &spielraum(&["user", "list", &url, "--format", "json"]),
        "user list",
    );
    assert!(users.contains("[]"), "{users}");

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

/// Starts `spielraum serve URL` with the edit token; returns it and its address.
fn serve_with_token(url: &str) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(crate::helpers::spielraum_bin())
        .args(["serve", url, "--addr", "127.0.0.1:0"])
        .env("SPIELRAUM_EDIT_TOKEN", "pg-test-token")
        .env("SPIELRAUM_WEB_DIR", workspace_root().join("web/dist"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::helpers::listening_address(&mut child);
    (child, addr)
}

/// A plain HTTP/1.1 request with the edit token; returns (status, body as JSON or null).
fn call(addr: &str, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let (status, _, json) = call_with(
        addr,
        method,
        path,
        body,
        "Authorization: Bearer pg-test-token\r\n",
    );
    (status, json)
}

/// A plain HTTP/1.1 request with `headers` (each ending in CRLF); returns (status, the response
/// headers, body as JSON or null).
fn call_with(
    addr: &str,
    method: &str,
    path: &str,
    body: &str,
    headers: &str,
) -> (u16, String, serde_json::Value) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        status,
        head.to_string(),
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[test]
fn two_servers_on_one_database_see_each_others_edits_and_a_killed_one_loses_none() {
    let cluster = TempCluster::start(&["stadt"]);
    let url = cluster.url("stadt", "demo");
    ok(&spielraum(&["db", "migrate", &url]), "migrate");
    ok(
        &import(&demo_pbf(), std::path::Path::new(&url), &[]),
        "import",
    );
    let (mut a, at_a) = serve_with_token(&url);
    let (mut b, at_b) = serve_with_token(&url);

    // A scenario made through A is there for B at once (B reads the database, it keeps no copy);
    // the test allows the second the issue names and measures it.
    let (status, made) = call(&at_a, "POST", "/api/scenarios", r#"{"name":"Schulhof"}"#);
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    let t = std::time::Instant::now();
    let seen = loop {
        let (status, s) = call(&at_b, "GET", &format!("/api/scenarios/{id}"), "");
        if status == 200 || t.elapsed() > std::time::Duration::from_secs(1) {
            break (status, s);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(
        seen.0, 200,
        "B did not see A's scenario within a second: {}",
        seen.1
    );
    assert_eq!(seen.1["name"], "Schulhof");

    // An edit through B: A's comparison has it, and equals B's to the byte.
    let (_, facilities) = call(&at_a, "GET", "/api/facilities", "");
    let playground = facilities["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["kind"] == "playground")
        .unwrap()["properties"]["osm_id"]
        .as_str()
        .unwrap()
        .to_string();
    let edit = format!(r#"{{"op":"remove","osm_id":"{playground}"}}"#);
    let (status, body) = call(&at_b, "POST", &format!("/api/scenarios/{id}/edits"), &edit);
    assert_eq!(status, 201, "{body}");
    let compare = format!("/api/scenarios/{id}/compare");
    let (sa, ca) = call(&at_a, "GET", &compare, "");
    let (sb, cb) = call(&at_b, "GET", &compare, "");
    assert_eq!((sa, sb), (200, 200), "{ca} {cb}");
    assert_eq!(ca, cb);
    assert!(
        ca["totals"]["lost"]["total"].as_f64().unwrap() > 0.0,
        "{ca}"
    );

    // Conflicting writes: the same edit again through A is refused (the facility is removed
    // already), and a second scenario cannot take a name B's first has.
    let (status, body) = call(&at_a, "POST", &format!("/api/scenarios/{id}/edits"), &edit);
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(&at_b, "POST", "/api/scenarios", r#"{"name":"Schulhof"}"#);
    assert_eq!(status, 409, "{body}");

    // Killed right after answering: the committed edit stays, for B, for a new server and for
    // the command line.
    let (status, body) = call(
        &at_a,
        "POST",
        &format!("/api/scenarios/{id}/comments"),
        r#"{"text":"Bitte prüfen."}"#,
    );
    assert_eq!(status, 201, "{body}");
    a.kill().unwrap();
    a.wait().unwrap();
    let (_, shown) = call(&at_b, "GET", &format!("/api/scenarios/{id}/comments"), "");
    assert!(shown.to_string().contains("Bitte prüfen."), "{shown}");
    let (mut c, at_c) = serve_with_token(&url);
    let (_, again) = call(&at_c, "GET", &format!("/api/scenarios/{id}"), "");
    assert_eq!(again["edits"].as_array().map(Vec::len), Some(1), "{again}");
    let listed = ok(&spielraum(&["scenario", "show", &url, "Schulhof"]), "show");
    assert!(listed.contains(&playground), "{listed}");
    for s in [&mut b, &mut c] {
        s.kill().unwrap();
        s.wait().unwrap();
    }
    // The audit log names every change.
    assert_eq!(
        cluster.psql(
            "stadt",
            "SELECT string_agg(action, ',' ORDER BY id) FROM demo.spielraum_audit"
        ),
        "scenario.create,scenario.add_edit,scenario.comment"
    );
}

#[test]
fn accounts_in_the_database_log_in_on_every_server() {
    let cluster = TempCluster::start(&["stadt"]);
    let url = cluster.url("stadt", "demo");
    ok(&spielraum(&["db", "migrate", &url]), "migrate");
    ok(
        &import(&demo_pbf(), std::path::Path::new(&url), &[]),
        "import",
    );
    // A user and a personal token made on the command line, in the database.
    let added = std::process::Command::new(crate::helpers::spielraum_bin())
        .args([
            "user",
            "add",
            &url,
            "anna",
            "--name",
            "Anna Berg",
            "--role",
            "editor",
        ])
        .env("SPIELRAUM_PASSWORD", "ein langes Passwort")
        .env("SPIELRAUM_ARGON2_COST", "m=64,t=1,p=1")
        .output()
        .unwrap();
    ok(&added, "user add");
    let made = ok(
        &spielraum(&["user", "token-create", &url, "anna", "--name", "Skript"]),
        "token-create",
    );
    let token = made
        .split_whitespace()
        .find(|w| w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("no token in {made}"))
        .to_string();
    let (mut a, at_a) = serve_with_token(&url);
    let (mut b, at_b) = serve_with_token(&url);
    // Logged in on A, the session works on B (one sessions table).
    let (status, head, _) = call_with(
        &at_a,
        "POST",
        "/api/login",
        r#"{"login":"anna","password":"ein langes Passwort"}"#,
        "",
    );
    assert_eq!(status, 200, "{head}");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie in {head}"))
        .to_string();
    let (status, _, me) = call_with(
        &at_b,
        "GET",
        "/api/me",
        "",
        &format!("Cookie: {cookie}\r\n"),
    );
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["login"], "anna", "{me}");
    assert_eq!(me["via"], "session", "{me}");
    // The personal token works on B; its change is Anna's in the audit log.
    let (status, _, made) = call_with(
        &at_b,
        "POST",
        "/api/scenarios",
        r#"{"name":"Annas Plan"}"#,
        &format!("Authorization: Bearer {token}\r\n"),
    );
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["author"], "anna", "{made}");
    // Disabled on the command line: A and B refuse her token and session at once.
    ok(&spielraum(&["user", "disable", &url, "anna"]), "disable");
    let (_, _, me) = call_with(
        &at_a,
        "GET",
        "/api/me",
        "",
        &format!("Cookie: {cookie}\r\n"),
    );
    assert!(me["user"].is_null(), "{me}");
    let (status, _, refused) = call_with(
        &at_b,
        "POST",
        "/api/scenarios",
        r#"{"name":"Noch einer"}"#,
        &format!("Authorization: Bearer {token}\r\n"),
    );
    assert_eq!(
        (status, &refused["code"]),
        (403, &serde_json::json!("token_wrong")),
        "{refused}"
    );
    for s in [&mut a, &mut b] {
        s.kill().unwrap();
        s.wait().unwrap();
    }
    let audit = ok(
        &spielraum(&["user", "audit", &url, "--format", "csv"]),
        "audit",
    );
    for action in [
        "user.add",
        "token.create",
        "scenario.create",
        "user.disable",
    ] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    // The tile cache is the schema's: a tile a server rendered is stored there.
    assert!(
        cluster
            .psql("stadt", "SELECT count(*) FROM demo.spielraum_tiles")
            .parse::<u64>()
            .unwrap()
            == 0
    );
    let (mut c, at_c) = serve_with_token(&url);
    let (status, _) = crate::serve::get(&at_c, "/tiles/13/4312/2877.mvt");
    assert_eq!(status, 200);
    c.kill().unwrap();
    c.wait().unwrap();
    assert_eq!(
        cluster.psql(
            "stadt",
            "SELECT count(*) FROM demo.spielraum_tiles WHERE z = 13 AND x = 4312 AND y = 2877"
        ),
        "1"
    );
}
