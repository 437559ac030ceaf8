//! End-to-end test of `spielraum serve`: a real server on a free loopback port, tiles kept in
//! the GeoPackage's tile table across a restart.
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y osmium-tool`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::helpers::spielraum_bin;

/// A footway with a playground on the equator (see walk.rs for the same kind of map).
const OPL: &str = "\
n1 v1 x0.0 y0.0
n2 v1 x0.001 y0.0
n10 v1 Tleisure=playground x0.001 y0.0005
w1 v1 Thighway=footway Nn1,n2
";

/// Starts `spielraum serve CITY --addr 127.0.0.1:0` and returns it with its address.
pub(crate) fn start(city: &Path) -> (Child, String) {
    let mut child = Command::new(spielraum_bin())
        .args(["serve", city.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::helpers::listening_address(&mut child);
    (child, addr)
}

/// A plain HTTP/1.1 GET; returns (status, body).
pub(crate) fn get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = get_with_headers(addr, path);
    (status, body)
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

#[test]
fn tiles_are_kept_in_the_geopackage_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(dir.path(), OPL);
    let city = dir.path().join("m.gpkg");
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The z14 tile holding lon 0.0005, lat 0.00025: x = 8192, y = 8191 (just north of the equator).
    let path = "/tiles/14/8192/8191.mvt";
    let (mut server, addr) = start(&city);
    let (status, first) = get(&addr, "/health");
    assert_eq!(
        (status, first.as_slice()),
        (200, &br#"{"status":"ok"}"#[..])
    );
    let (status, tile) = get(&addr, path);
    assert_eq!(status, 200);
    assert!(!tile.is_empty());
    let (status, _) = get(&addr, "/tiles/99/0/0.mvt");
    assert_eq!(
        status, 400,
        "a bad tile request is answered, the server lives on"
    );
    server.kill().unwrap();
    server.wait().unwrap();

    // The tile is in the table, MBTiles-style (row from the south: 2^14 − 1 − 8191 = 8192).
    let conn = rusqlite::Connection::open(&city).unwrap();
    let stored: Vec<u8> = conn
        .query_row(
            "SELECT tile_data FROM spielraum_tiles WHERE zoom_level = 14 AND tile_column = 8192 AND tile_row = 8192",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, tile);
    // Mark the stored copy: a restarted server must answer from the table, not render anew.
    conn.execute(
        "UPDATE spielraum_tiles SET tile_data = X'1A00' WHERE zoom_level = 14",
        [],
    )
    .unwrap();
    drop(conn);
    let (mut server, addr) = start(&city);
    let (status, again) = get(&addr, path);
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200);
    assert_eq!(again, vec![0x1A, 0x00]);
}

/// A plain HTTP/1.1 GET; returns (status, lower-case header lines, body).
fn get_with_headers(addr: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw[split + 4..].to_vec();
    let chunked = head.contains("transfer-encoding: chunked");
    (status, head, if chunked { unchunk(&body) } else { body })
}

/// The `/assets/…` paths a page loads (`src="./assets/…"`, `href="/assets/…"`).
fn assets_of(page: &str) -> Vec<String> {
    page.split(['"', '\''])
        .filter_map(|v| v.strip_prefix("./").or(Some(v)))
        .filter_map(|v| v.strip_prefix("/").or(Some(v)))
        .filter(|v| v.starts_with("assets/"))
        .map(|v| format!("/{v}"))
        .collect()
}

#[test]
fn the_binary_alone_in_an_empty_folder_serves_the_whole_map() {
    let data = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(data.path(), OPL);
    let city = data.path().join("m.gpkg");
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // As a city's IT department installs it: the executable, nothing beside it.
    let install = tempfile::tempdir().unwrap();
    let bin = install.path().join("spielraum");
    std::fs::copy(spielraum_bin(), &bin).unwrap();
    // A test thread forking while the copy's file was still open for writing makes exec fail
    // with "text file busy" (ETXTBSY) until that child has exec'd in turn: try again briefly.
    let mut tries = 0;
    let mut server = loop {
        let spawned = Command::new(&bin)
            .args(["serve", city.to_str().unwrap(), "--addr", "127.0.0.1:0"])
            .current_dir(install.path())
            .env_remove("SPIELRAUM_WEB_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => break other.unwrap(),
        }
    };
    let addr = crate::helpers::listening_address(&mut server);

    let mut failures = Vec::new();
    let mut assets = Vec::new();
    for page in ["/", "/embed"] {
        let (status, head, body) = get_with_headers(&addr, page);
        if status != 200 || !head.contains("\r\ncontent-type: text/html; charset=utf-8") {
            failures.push(format!("{page}: {status}\n{head}"));
            continue;
        }
        let found = assets_of(&String::from_utf8_lossy(&body));
        if !found.iter().any(|a| a.ends_with(".js")) {
            failures.push(format!("{page} loads no script from /assets/"));
        }
        assets.extend(found);
    }
    assets.sort();
    assets.dedup();
    for asset in &assets {
        let content_type = match asset.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            other => panic!("{asset}: unexpected kind of asset {other:?}"),
        };
        let (status, head, body) = get_with_headers(&addr, asset);
        if status != 200
            || !head.contains(&format!("\r\ncontent-type: {content_type}"))
            || body.is_empty()
        {
            failures.push(format!("{asset}: {status}\n{head}"));
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing was written beside the binary.
    let beside: Vec<_> = std::fs::read_dir(install.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["spielraum"]);
}

#[test]
fn the_binary_sends_security_headers_and_refuses_far_origins() {
    let dir = tempfile::tempdir().unwrap();
    let pbf = crate::helpers::pbf_from_opl(dir.path(), OPL);
    let city = dir.path().join("m.gpkg");
    let o = crate::helpers::import(&pbf, &city, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut server, addr) = start(&city);
    let (_, index, _) = get_with_headers(&addr, "/");
    let (_, embed, _) = get_with_headers(&addr, "/embed");
    // The data lie at the equator near lon 0; (10, 10) is over 1,000 km away, (0.01, 0.01) 1.6 km.
    let (far, _) = get(&addr, "/api/reach?lon=10&lat=10");
    let (near, _) = get(&addr, "/api/reach?lon=0.01&lat=0.01");
    server.kill().unwrap();
    server.wait().unwrap();
    for head in [&index, &embed] {
        assert!(
            head.contains("content-security-policy: default-src 'self'"),
            "{head}"
        );
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert!(head.contains("referrer-policy: "), "{head}");
    }
    assert!(index.contains("frame-ancestors 'none'") && index.contains("x-frame-options: deny"));
    assert!(embed.contains("frame-ancestors *") && !embed.contains("x-frame-options"));
    assert_eq!((far, near), (422, 200));
}
