//! Shared helpers for the end-to-end tests (see the files in this folder): the `spielraum`
//! binary cargo built for them, the repository's demo data, and external tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (the folder holding the top-level `Cargo.toml`), two levels above
/// this package (`crates/cli`).
pub fn workspace_root() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.ancestors()
        .nth(2)
        .map_or_else(|| cli.join("../.."), Path::to_path_buf)
}

/// The demo extract shipped in `geodata/`.
pub fn demo_pbf() -> PathBuf {
    workspace_root().join("geodata/liechtenstein-2015.osm.pbf")
}

/// The `spielraum` binary of this package, which cargo builds before it runs these tests.
pub fn spielraum_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spielraum"))
}

/// Runs `spielraum` with `args` and returns its output.
///
/// The web app is the repository's `web/dist` unless `$SPIELRAUM_WEB_DIR` says otherwise, so
/// the binary finds it wherever the target folder is.
pub fn spielraum(args: &[&str]) -> Output {
    let mut cmd = Command::new(spielraum_bin());
    if std::env::var_os("SPIELRAUM_WEB_DIR").is_none() {
        cmd.env("SPIELRAUM_WEB_DIR", workspace_root().join("web/dist"));
    }
    cmd.args(args)
        .output()
        .expect("cannot run the spielraum binary")
}

/// Runs `spielraum import PBF --out OUT EXTRA…` and returns its output.
pub fn import(pbf: &Path, out: &Path, extra: &[&str]) -> Output {
    let (pbf, out) = (pbf.to_string_lossy(), out.to_string_lossy());
    let mut args = vec!["import", &pbf, "--out", &out];
    args.extend_from_slice(extra);
    spielraum(&args)
}

/// Writes an OSM map given as OPL text (`n1 v1 x0.0 y0.0`, one object per line) into
/// `dir/map.osm.pbf` with osmium and returns that path.
pub fn pbf_from_opl(dir: &Path, opl: &str) -> PathBuf {
    let text = dir.join("map.opl");
    std::fs::write(&text, opl).unwrap();
    let pbf = dir.join("map.osm.pbf");
    tool_stdout(
        "osmium",
        &["cat", text.to_str().unwrap(), "-o", pbf.to_str().unwrap()],
    );
    pbf
}

/// Runs an external tool (ogrinfo, osmium, …); panics naming the package to install if it is missing.
pub fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {name} ({e}): apt-get install -y gdal-bin osmium-tool")
    })
}

/// Runs a tool, asserts success and returns its stdout as text.
pub fn tool_stdout(name: &str, args: &[&str]) -> String {
    let out = tool(name, args);
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits for a `spielraum serve` started with `--addr 127.0.0.1:0` and stderr piped to say where
/// it listens ("Serving … on http://ADDR/"), and returns `ADDR`. The rest of stderr is left
/// unread (the pipe stays open, so the server never blocks on a full pipe for the few lines it
/// writes).
pub fn listening_address(server: &mut std::process::Child) -> String {
    use std::io::BufRead;
    let stderr = server.stderr.take().expect("stderr must be piped");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    // Keep reading in the background so later warnings cannot fill the pipe.
    std::thread::spawn(move || lines.for_each(drop));
    addr
}

/// A layer of `gpkg` as GDAL reads it: rows of the named columns ("" for null).
pub fn layer_by_gdal(gpkg: &Path, layer: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let text = tool_stdout(
        "ogr2ogr",
        &["-f", "CSV", "/vsistdout/", gpkg.to_str().unwrap(), layer],
    );
    rows_of(&text, columns)
}

/// The rows of CSV `text` (with a header), the named columns of each.
pub fn rows_of(text: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == *c)
                .unwrap_or_else(|| panic!("no column {c}"))
        })
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            idx.iter().map(|&i| r[i].to_string()).collect()
        })
        .collect()
}

/// Exit 1 and exactly one (non-warning) line on stderr containing `want`.
pub fn fails(o: &std::process::Output, what: &str, want: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{what}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("warning:")).collect();
    assert_eq!(lines.len(), 1, "{what}: {err}");
    assert!(lines[0].contains(want), "{what}: {err}");
}

/// The demo city imported once per test binary (tests that change it work on a copy).
pub fn demo_gpkg() -> &'static Path {
    static CITY: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = CITY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.gpkg");
        let out = import(&demo_pbf(), &path, &[]);
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (dir, path)
    });
    path
}
