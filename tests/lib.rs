//! Shared helpers for the end-to-end tests (see the files in this folder).
//!
//! They locate the built `spielraum` binary and the demo data, and run external tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The demo extract shipped in `geodata/`.
pub fn demo_pbf() -> PathBuf {
    workspace_root().join("geodata/liechtenstein-2015.osm.pbf")
}

/// The `spielraum` binary: `$SPIELRAUM_BIN`, else the newest of `target/{release,debug}/spielraum`.
///
/// Panics with what to do when it is not built (the binary lives in another package,
/// so cargo does not build it for these tests).
pub fn spielraum_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SPIELRAUM_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let newest = ["release", "debug"]
        .iter()
        .map(|profile| target.join(profile).join("spielraum"))
        .filter_map(|p| {
            let modified = p.metadata().and_then(|m| m.modified()).ok()?;
            Some((modified, p))
        })
        .max();
    match newest {
        Some((_, p)) => p,
        None => panic!(
            "the spielraum binary is not built (looked in {}): build it first: cargo build -p spielraum",
            target.display()
        ),
    }
}

/// Runs `spielraum` with `args` and returns its output.
pub fn spielraum(args: &[&str]) -> Output {
    Command::new(spielraum_bin())
        .args(args)
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
