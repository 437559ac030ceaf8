//! `spielraum import --boundaries URL` against real servers started here: pygeoapi (OGC API
//! Features, from the test venv `target/ci-venv`) serving a GeoJSON, and MapServer (WFS 2.0,
//! Debian's `cgi-mapserver` run as CGI behind Python's `http.server`) serving the same areas
//! from a GeoPackage in EPSG:25832. The neighbourhoods must equal those read from the local
//! GeoPackage; paging must take at least three requests; an exception report, an HTTP 500, a
//! missing collection and a server that never answers fail with one line, writing nothing.
//!
//! Outside CI, without the venv or MapServer, the tests say so and skip; under CI (`CI` set)
//! they fail instead, since `.ci/run` installs both.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{import, pbf_from_opl, tool_stdout, workspace_root};

/// A playground and a footway inside the areas.
const OPL: &str = "\
n1 x9.500 y47.100 Tleisure=playground
n2 x9.500 y47.101
n3 x9.502 y47.101
w1 Thighway=footway Nn2,n3
";

/// Seven areas side by side (so that pages of three need three requests), ids in `area_id`.
fn areas_geojson() -> String {
    let features: Vec<String> = (0..7)
        .map(|i| {
            let x0 = 9.49 + 0.005 * f64::from(i);
            let x1 = x0 + 0.005;
            format!(
                r#"{{"type":"Feature","properties":{{"area_id":"A{i:02}","name":"Gebiet {i} – Süd"}},
 "geometry":{{"type":"Polygon","coordinates":[[[{x0},47.09],[{x1},47.09],[{x1},47.11],[{x0},47.11],[{x0},47.09]]]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",\n")
    )
}

/// Whether a tool the tests need is there; outside CI a missing one skips the test (`false`),
/// under CI it fails.
fn available(what: &str, path: &Path) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing under CI: .ci/run installs {what}",
        path.display()
    );
    eprintln!(
        "SKIPPED: {} not found ({what}; run .ci/run once to install it)",
        path.display()
    );
    false
}

/// A free TCP port on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `cmd` (its output into `log`) and waits up to 60 s until `url` answers.
    fn start(mut cmd: Command, log: PathBuf, url: &str) -> Server {
        let out = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("cannot start the server");
        let mut server = Server { child, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("server exited ({status}): {}", server.log_text());
            }
            let ok = Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-m",
                    "5",
                    "-w",
                    "%{http_code}",
                    url,
                ])
                .output()
                .map(|o| o.stdout.starts_with(b"2"))
                .unwrap_or(false);
            if ok {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "server not up within 60 s: {}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// The test venv's bin folder (`.ci/run` makes it).
fn venv_bin() -> PathBuf {
    workspace_root().join("target/ci-venv/bin")
}

/// pygeoapi serving `areas` (the GeoJSON, at most 3 features a page) and `broken` (a file
/// that is not JSON: the server answers 500).
fn pygeoapi(dir: &Path, areas: &Path) -> (Server, String) {
    // Candidate sites for `suggest`: the areas with their id as `id`.
    let sites = dir.join("sites.geojson");
    std::fs::write(
        &sites,
        std::fs::read_to_string(areas)
            .unwrap()
            .replace("\"area_id\"", "\"id\""),
    )
    .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // Sound while the OpenAPI document is generated, broken before it is served.
    let broken = dir.join("broken.geojson");
    std::fs::copy(areas, &broken).unwrap();
    let collection = |name: &str, data: &Path, id: &str| {
        format!(
            "  {name}:
    type: collection
    title: {name}
    description: {name}
    keywords: [{name}]
    extents: {{spatial: {{bbox: [-180, -90, 180, 90], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}}}
    providers:
      - type: feature
        name: GeoJSON
        data: {}
        id_field: {id}
",
            data.display()
        )
    };
    let config = format!(
        "server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: {base}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 3, max_items: 3}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: t, description: d, keywords: [k], keywords_type: theme, terms_of_service: x, url: 'http://example.org'}}
  license: {{name: CC-BY 4.0, url: 'http://example.org'}}
  provider: {{name: p, url: 'http://example.org'}}
  contact: {{name: c}}
resources:
{}{}{}",
        collection("areas", areas, "area_id"),
        collection("broken", &broken, "area_id"),
        collection("sites", &sites, "id")
    );
    let cfg = dir.join("pygeoapi.yml");
    let openapi = dir.join("openapi.yml");
    std::fs::write(&cfg, config).unwrap();
    let generated = Command::new(venv_bin().join("pygeoapi"))
        .args(["openapi", "generate"])
        .arg(&cfg)
        .arg("--output-file")
        .arg(&openapi)
        .env("PYGEOAPI_CONFIG", &cfg)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "pygeoapi openapi generate: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    std::fs::write(&broken, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
    // Flask's server in this one process: `pygeoapi serve` would start a reloader whose child
    // outlives a kill of the parent.
    let mut cmd = Command::new(venv_bin().join("python"));
    cmd.args([
        "-c",
        &format!(
            "from pygeoapi.flask_app import APP; \
             APP.run(host='127.0.0.1', port={port}, debug=False, use_reloader=False)"
        ),
    ])
    .env("PYGEOAPI_CONFIG", &cfg)
    .env("PYGEOAPI_OPENAPI", &openapi);
    let server = Server::start(
        cmd,
        dir.join("pygeoapi.log"),
        &format!("{base}/collections?f=json"),
    );
    (server, base)
}

/// Debian's MapServer CGI.
const MAPSERV: &str = "/usr/lib/cgi-bin/mapserv";

/// MapServer as a WFS 2.0 (GeoJSON output) for the layer `areas` of `gpkg` (EPSG:25832).
fn mapserver(dir: &Path, gpkg: &Path) -> (Server, String) {
    let root = dir.join("www");
    std::fs::create_dir_all(root.join("cgi-bin")).unwrap();
    std::os::unix::fs::symlink(MAPSERV, root.join("cgi-bin/mapserv")).unwrap();
    let map = dir.join("areas.map");
    std::fs::write(
        &map,
        format!(
            r#"MAP
  NAME "areas"
  EXTENT -180 -90 180 90
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "wfs_title" "areas"
      "wfs_onlineresource" "http://127.0.0.1/cgi-bin/mapserv?"
      "wfs_srs" "EPSG:4326 EPSG:25832"
      "wfs_enable_request" "*"
      "wfs_getfeature_formatlist" "geojson"
    END
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
  END
  LAYER
    NAME "areas"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{}"
    DATA "areas"
    PROJECTION "init=epsg:25832" END
    METADATA
      "wfs_title" "areas"
      "gml_include_items" "all"
      "gml_featureid" "area_id"
    END
  END
END
"#,
            gpkg.display()
        ),
    )
    .unwrap();
    let conf = dir.join("mapserver.conf");
    std::fs::write(
        &conf,
        format!(
            "CONFIG\n  ENV\n    MS_MAPFILE \"{}\"\n  END\nEND\n",
            map.display()
        ),
    )
    .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/cgi-bin/mapserv");
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "http.server", "--cgi", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .current_dir(&root)
        .env("MAPSERVER_CONFIG_FILE", &conf);
    let server = Server::start(
        cmd,
        dir.join("mapserver.log"),
        &format!("{base}?SERVICE=WFS&REQUEST=GetCapabilities"),
    );
    (server, base)
}

/// (id, name, area in square degrees) of the neighbourhoods written, by id (GDAL's SQLite
/// dialect computes the area).
fn neighbourhoods(gpkg: &Path) -> Vec<(String, String, f64)> {
    let out = tool_stdout(
        "ogrinfo",
        &[
            "-ro",
            "-q",
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT id || '|' || name || '|' || ST_Area(geom) AS row FROM neighbourhoods ORDER BY id",
            gpkg.to_str().unwrap(),
        ],
    );
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("row (String) = "))
        .map(|row| {
            let parts: Vec<&str> = row.split('|').collect();
            (
                parts[0].to_string(),
                parts[1].to_string(),
                parts[2].parse().unwrap(),
            )
        })
        .collect()
}

/// The neighbourhoods equal the reference's: same ids and names, areas within 1e-6 relative.
fn assert_same_areas(got: &[(String, String, f64)], want: &[(String, String, f64)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((&g.0, &g.1), (&w.0, &w.1), "{what}");
        assert!(
            ((g.2 - w.2) / w.2).abs() < 1e-6,
            "{what}: area of {} {} vs {}",
            g.0,
            g.2,
            w.2
        );
    }
}

/// `(location, format, crs, retrieved)` of the neighbourhoods' record of sources.
fn source_record(gpkg: &Path) -> (String, String, String, String, String) {
    let conn = rusqlite::Connection::open(gpkg).unwrap();
    conn.query_row(
        "SELECT kind, location, format, crs, retrieved FROM data_sources WHERE layer = 'neighbourhoods'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .unwrap()
}

/// The fixtures: the areas as GeoJSON (WGS84) and as a GeoPackage in EPSG:25832 (by
/// ogr2ogr), the extract, and the reference import from the GeoPackage.
struct Fixture {
    dir: tempfile::TempDir,
    geojson: PathBuf,
    gpkg: PathBuf,
    pbf: PathBuf,
    reference: Vec<(String, String, f64)>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let geojson = dir.path().join("areas.geojson");
    std::fs::write(&geojson, areas_geojson()).unwrap();
    let gpkg = dir.path().join("areas.gpkg");
    tool_stdout(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            "-t_srs",
            "EPSG:25832",
            "-nln",
            "areas",
            gpkg.to_str().unwrap(),
            geojson.to_str().unwrap(),
        ],
    );
    let pbf = pbf_from_opl(dir.path(), OPL);
    let out = dir.path().join("reference.gpkg");
    let o = import(
        &pbf,
        &out,
        &[
            "--boundaries",
            gpkg.to_str().unwrap(),
            "--boundary-id",
            "area_id",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reference = neighbourhoods(&out);
    assert_eq!(reference.len(), 7, "{reference:?}");
    Fixture {
        dir,
        geojson,
        gpkg,
        pbf,
        reference,
    }
}

/// Runs an import with `extra` into a fresh file and over an existing one: exit 1, one line
/// on stderr, nothing written, the existing file untouched. Returns the line.
fn assert_fails_cleanly(dir: &Path, pbf: &Path, extra: &[&str]) -> String {
    let fresh = dir.join("fresh.gpkg");
    let existing = dir.join("existing.gpkg");
    std::fs::write(&existing, b"earlier").unwrap();
    let mut line = String::new();
    for out in [&fresh, &existing] {
        let o = import(pbf, out, extra);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{extra:?}: {stderr}");
        assert!(stderr.starts_with("spielraum: error: "), "{stderr}");
        line = stderr;
    }
    assert!(!fresh.exists(), "{extra:?}: partial output created");
    assert_eq!(std::fs::read(&existing).unwrap(), b"earlier");
    std::fs::remove_file(&existing).unwrap();
    line
}

/// Now as RFC 3339 seconds, for comparing with the recorded retrieval time.
fn now() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn ogc_api_features_pages_and_matches_the_file() {
    if !available("pygeoapi in the test venv", &venv_bin().join("pygeoapi")) {
        return;
    }
    let f = fixture();
    let (server, base) = pygeoapi(f.dir.path(), &f.geojson);
    let out = f.dir.path().join("ogc.gpkg");
    let before = now();
    for url in [
        format!("{base}/collections/areas"),
        format!("{base}/collections/areas/items?f=json"),
    ] {
        let o = import(
            &f.pbf,
            &out,
            &["--boundaries", &url, "--boundary-id", "area_id"],
        );
        assert!(
            o.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same_areas(&neighbourhoods(&out), &f.reference, &url);
        let (kind, location, format, crs, retrieved) = source_record(&out);
        assert_eq!(
            (
                kind.as_str(),
                location.as_str(),
                format.as_str(),
                crs.as_str()
            ),
            ("url", url.as_str(), "OGC API Features", "EPSG:4326")
        );
        // Retrieved now (RFC 3339 UTC strings order like the times).
        assert!(retrieved >= before && retrieved <= now(), "{retrieved}");
        // Every page's final URL in spielraum_meta: 3 pages, the next links' offsets.
        let pages: String = rusqlite::Connection::open(&out)
            .unwrap()
            .query_row(
                "SELECT value FROM spielraum_meta WHERE key = 'boundaries_pages'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let pages: Vec<&str> = pages.lines().collect();
        assert_eq!(pages.len(), 3, "{pages:?}");
        assert!(
            pages[1].contains("offset=3") && pages[2].contains("offset=6"),
            "{pages:?}"
        );
    }
    // A bbox (WGS84) meeting the first two areas.
    let boxed = ingest::remote::RemoteOptions {
        bbox: Some([9.49, 47.09, 9.497, 47.1]),
        ..ingest::remote::RemoteOptions::default()
    };
    let read =
        ingest::remote::read_features_url(&format!("{base}/collections/areas"), &boxed).unwrap();
    assert_eq!(ids_of(&read.file), ["A00", "A01"]);
    assert!(read.retrieval.pages[0].contains("bbox=9.49%2C47.09%2C9.497%2C47.1"));
    // The import asks only for the extract's box: cut by osmium to 9.497–9.503° E with
    // --set-bounds, its header states that box (`osmium fileinfo` reads it back), it gets A01 and A02.
    let cut = f.dir.path().join("cut.osm.pbf");
    tool_stdout(
        "osmium",
        &[
            "extract",
            "--set-bounds",
            "-b",
            "9.497,47.09,9.503,47.11",
            f.pbf.to_str().unwrap(),
            "-o",
            cut.to_str().unwrap(),
        ],
    );
    let info = tool_stdout("osmium", &["fileinfo", cut.to_str().unwrap()]);
    assert!(info.contains("(9.497,47.09,9.503,47.11)"), "{info}");
    let boxed_out = f.dir.path().join("boxed.gpkg");
    let o = import(
        &cut,
        &boxed_out,
        &[
            "--boundaries",
            &format!("{base}/collections/areas"),
            "--boundary-id",
            "area_id",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ids: Vec<String> = neighbourhoods(&boxed_out)
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(ids, ["A01", "A02"]);

    // More pages than allowed: an error naming the URL and the limit.
    let two = ingest::remote::RemoteOptions {
        max_pages: 2,
        ..ingest::remote::RemoteOptions::default()
    };
    let err = ingest::remote::read_features_url(&format!("{base}/collections/areas"), &two)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more than 2 pages"), "{err}");

    // The server gives at most 3 of the 7 features a page: each import asked 3 times.
    let log = server.log_text();
    let pages = log.matches("GET /collections/areas/items").count();
    assert!(pages >= 6, "{pages} item requests:\n{log}");

    // Candidate sites for `suggest` from the service: the same suggestions as from the file.
    let suggest = |candidates: &str| {
        let o = crate::helpers::spielraum(&[
            "suggest",
            out.to_str().unwrap(),
            "--kind",
            "playground",
            "--count",
            "2",
            "--candidates",
            candidates,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let from_file = suggest(f.dir.path().join("sites.geojson").to_str().unwrap());
    assert!(from_file.contains("\"A0"), "{from_file}");
    assert_eq!(suggest(&format!("{base}/collections/sites")), from_file);

    // A facility inventory from the collection (over three pages) conflates as from the file.
    let mapping = f.dir.path().join("inventory.toml");
    std::fs::write(
        &mapping,
        "id = \"area_id\"\nname = \"name\"\nkind = \"playground\"\n",
    )
    .unwrap();
    let inventory = |facilities: &str, out: &Path| {
        let csv = out.with_extension("csv");
        let o = import(
            &f.pbf,
            out,
            &[
                "--facilities",
                facilities,
                "--facility-mapping",
                mapping.to_str().unwrap(),
                "--conflation-csv",
                csv.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(csv).unwrap()
    };
    let by_file = inventory(
        f.geojson.to_str().unwrap(),
        &f.dir.path().join("inventory-file.gpkg"),
    );
    let by_url_gpkg = f.dir.path().join("inventory-url.gpkg");
    let by_url = inventory(&format!("{base}/collections/areas"), &by_url_gpkg);
    assert_eq!(by_url, by_file);
    assert_eq!(by_url.lines().count(), 8, "{by_url}");
    let conn = rusqlite::Connection::open(&by_url_gpkg).unwrap();
    let (kind, location, format): (String, String, String) = conn
        .query_row(
            "SELECT kind, location, format FROM data_sources WHERE layer = 'facilities' \
             AND kind <> 'openstreetmap'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), location.as_str()),
        ("url", format!("{base}/collections/areas").as_str())
    );
    assert!(format.starts_with("OGC API Features"), "{format}");

    // A missing collection (404) and a server error (500): one line naming the URL.
    for (url, says) in [
        (format!("{base}/collections/nope"), "HTTP 404"),
        (format!("{base}/collections/broken/items"), "HTTP 500"),
    ] {
        let stderr = assert_fails_cleanly(f.dir.path(), &f.pbf, &["--boundaries", &url]);
        assert!(
            stderr.contains(says) && stderr.contains(&format!("{base}/collections/")),
            "{stderr}"
        );
    }
}

#[test]
fn wfs_pages_and_matches_the_file() {
    if !available("Debian's cgi-mapserver", Path::new(MAPSERV)) {
        return;
    }
    let f = fixture();
    let (server, base) = mapserver(f.dir.path(), &f.gpkg);
    let out = f.dir.path().join("wfs.gpkg");
    for (url, extra) in [
        (format!("{base}?SERVICE=WFS&typeNames=areas"), vec![]),
        // The base URL plus the type name.
        (base.clone(), vec!["--boundary-layer", "areas"]),
    ] {
        let mut args = vec!["--boundaries", &url, "--boundary-id", "area_id"];
        args.extend(extra);
        let o = import(&f.pbf, &out, &args);
        assert!(
            o.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_same_areas(&neighbourhoods(&out), &f.reference, &url);
        let (kind, location, format, _, _) = source_record(&out);
        assert_eq!(
            (kind.as_str(), location.as_str(), format.as_str()),
            ("url", url.as_str(), "WFS 2.0")
        );
    }
    // An exception report: one line with its code and text.
    let url = format!("{base}?SERVICE=WFS&typeNames=nope");
    let stderr = assert_fails_cleanly(f.dir.path(), &f.pbf, &["--boundaries", &url]);
    assert!(
        stderr.contains("InvalidParameterValue") && stderr.contains("TYPENAME 'nope'"),
        "{stderr}"
    );

    // A page that is not JSON (the web server's directory listing): one line with its type.
    let root = base.trim_end_matches("/cgi-bin/mapserv");
    let url = format!("{root}/?SERVICE=WFS&typeNames=areas");
    let stderr = assert_fails_cleanly(f.dir.path(), &f.pbf, &["--boundaries", &url]);
    assert!(
        stderr.contains("the answer is not GeoJSON (Content-Type text/html"),
        "{stderr}"
    );
    drop(server);
}

#[test]
fn the_wfs_pages_with_count_and_start_index() {
    if !available("Debian's cgi-mapserver", Path::new(MAPSERV)) {
        return;
    }
    // Pages of 3 through the library: 3 + 3 + 1 features, three requests.
    let f = fixture();
    let (_server, base) = mapserver(f.dir.path(), &f.gpkg);
    let options = ingest::remote::RemoteOptions {
        page_size: 3,
        ..ingest::remote::RemoteOptions::default()
    };
    let read =
        ingest::remote::read_features_url(&format!("{base}?SERVICE=WFS&typeNames=areas"), &options)
            .unwrap();
    assert_eq!(read.file.features.len(), 7);
    assert_eq!(read.retrieval.pages.len(), 3, "{:?}", read.retrieval.pages);
    assert!(read.retrieval.pages[2].contains("STARTINDEX=6"));
    let ids: Vec<String> = read
        .file
        .features
        .iter()
        .map(|f| f.text("area_id").unwrap())
        .collect();
    assert_eq!(ids, ["A00", "A01", "A02", "A03", "A04", "A05", "A06"]);

    // A bbox (WGS84 lon/lat; sent latitude first with the EPSG URN) meeting the first two.
    let url = format!("{base}?SERVICE=WFS&typeNames=areas");
    let boxed = ingest::remote::RemoteOptions {
        bbox: Some([9.49, 47.09, 9.497, 47.1]),
        ..options.clone()
    };
    let read_boxed = ingest::remote::read_features_url(&url, &boxed).unwrap();
    assert_eq!(ids_of(&read_boxed.file), ["A00", "A01"]);

    // Asked for in EPSG:25832 (the server reprojects), read back to WGS84 here: the same
    // corners as asked for in EPSG:4326, within 1e-8°.
    let utm = ingest::remote::RemoteOptions {
        crs: Some(25832),
        ..options.clone()
    };
    let read_utm = ingest::remote::read_features_url(&url, &utm).unwrap();
    assert_eq!(read_utm.file.crs.code, 25832);
    assert_eq!(read_utm.file.features.len(), 7);
    for (a, b) in read.file.features.iter().zip(&read_utm.file.features) {
        use geo::CoordsIter;
        let (a, b) = (a.geometry.as_ref().unwrap(), b.geometry.as_ref().unwrap());
        for (p, q) in a.coords_iter().zip(b.coords_iter()) {
            assert!(
                (p.x - q.x).abs() < 1e-8 && (p.y - q.y).abs() < 1e-8,
                "{p:?} {q:?}"
            );
        }
    }
}

/// The `area_id`s of features read.
fn ids_of(file: &ingest::vector::VectorFile) -> Vec<String> {
    file.features
        .iter()
        .map(|f| f.text("area_id").unwrap())
        .collect()
}

#[test]
fn a_server_that_never_answers_times_out() {
    // A listening socket that accepts but never replies.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let pbf = pbf_from_opl(dir.path(), OPL);
    let url = format!("http://127.0.0.1:{port}/collections/areas");
    let started = Instant::now();
    let stderr = assert_fails_cleanly(
        dir.path(),
        &pbf,
        &["--boundaries", &url, "--url-timeout", "2"],
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        stderr.contains("no answer within 2 s") && stderr.contains(&url),
        "{stderr}"
    );
    drop(listener);
}
