//! End-to-end test of `spielraum export` on the demo extract: the bundle's files, its
//! archive header read by offsets from the PMTiles v3 spec, and the bad-input cases (existing
//! folder, --force, unwritable parent, bad zooms): one-line error, exit 1, nothing half-written.
//!
//! Needs: `cargo build -p spielraum` and a built web page (`cd web && npm ci && npm run build`).
//! The independent archive reader and the browser test are tests/export_check.py and
//! tests/browser/static.mjs.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use crate::helpers::{demo_pbf, import, spielraum, workspace_root};

/// The demo city, imported once for all tests of this file (kept until the process ends).
fn demo_city() -> &'static Path {
    static CITY: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = CITY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let city = dir.path().join("demo.gpkg");
        let totals = workspace_root().join("geodata/liechtenstein-population-2020.csv");
        let out = import(
            &demo_pbf(),
            &city,
            &["--population-totals", totals.to_str().unwrap()],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (dir, city)
    });
    path
}

fn export(out: &Path, extra: &[&str]) -> Output {
    let city = demo_city().to_str().unwrap();
    let mut args = vec!["export", city, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    spielraum(&args)
}

/// Asserts a clean user error: exit status 1 and one line on stderr containing `needle`.
fn assert_user_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
}

/// No hidden work folder of an export is left in `dir`.
fn assert_no_leftovers(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".spielraum-export-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Min and max zoom of a PMTiles v3 archive: bytes 100 and 101 of the 127-byte header, after
/// the magic "PMTiles" and version 3 (github.com/protomaps/PMTiles, spec/v3/spec.md, §3).
fn header_zooms(archive: &Path) -> (u8, u8) {
    let bytes = std::fs::read(archive).unwrap();
    assert_eq!(&bytes[..7], b"PMTiles");
    assert_eq!(bytes[7], 3, "spec version 3");
    assert_eq!(bytes[99], 1, "tile type 1 = MVT");
    assert_eq!(bytes[98], 2, "tile compression 2 = gzip");
    (bytes[100], bytes[101])
}

#[test]
fn demo_bundle_has_every_file_and_the_analyze_document() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = export(&site, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "tiles.pmtiles",
        "style.json",
        "index.html",
        "table.html",
        "indicators.json",
        "neighbourhoods.csv",
        "facilities.geojson",
        "README.md",
    ] {
        assert!(site.join(f).is_file(), "{f} missing");
    }
    // The demo extract spans about 0.2° × 0.56°: 0.56° of latitude at 47°N is 0.0023 of the
    // Mercator world, which fits one tile up to zoom 8 (1/256 = 0.0039) but not 9, so the
    // rule gives zooms 7 to 16.
    assert_eq!(header_zooms(&site.join("tiles.pmtiles")), (7, 16));

    let style: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("style.json")).unwrap()).unwrap();
    assert_eq!(
        style["sources"]["spielraum"]["url"],
        "pmtiles://tiles.pmtiles"
    );
    assert!(style.get("sprite").is_none());
    // Every range the style's labels can need for German text lies in the bundle, relative
    // to the page, decoded with the format's protobuf types; the font's licence beside them.
    let glyphs = style["glyphs"].as_str().unwrap();
    assert_eq!(glyphs, "fonts/{fontstack}/{range}.pbf");
    let stacks: std::collections::BTreeSet<String> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["layout"]["text-font"].as_array())
        .map(|f| {
            f.iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert!(!stacks.is_empty());
    for stack in &stacks {
        for (range, letters) in [("0-255", "Aäöüß"), ("256-511", "őł"), ("8192-8447", "–„“")]
        {
            let file = site.join(
                glyphs
                    .replace("{fontstack}", stack)
                    .replace("{range}", range),
            );
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let decoded =
                <pbf_font_tools::Glyphs as pbf_font_tools::prost::Message>::decode(&bytes[..])
                    .unwrap();
            assert_eq!(decoded.stacks[0].range, range);
            for c in letters.chars() {
                assert!(
                    decoded.stacks[0]
                        .glyphs
                        .iter()
                        .any(|g| g.id == u32::from(c)),
                    "{stack} {range} lacks {c}"
                );
            }
        }
    }
    let licence = std::fs::read_to_string(site.join("fonts/LICENSE-LiberationSans.txt")).unwrap();
    assert!(licence.contains("SIL Open Font License"));

    // indicators.json is what `analyze --format json` says about the same city.
    let analyzed = spielraum(&[
        "analyze",
        demo_city().to_str().unwrap(),
        "--format",
        "json",
        "--no-write-back",
    ]);
    assert!(analyzed.status.success());
    let want: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("indicators.json")).unwrap())
            .unwrap();
    assert_eq!(got, want);

    // The table page's CSV is what `analyze --format csv` writes for the same city.
    let csv = spielraum(&[
        "analyze",
        demo_city().to_str().unwrap(),
        "--format",
        "csv",
        "--no-write-back",
    ]);
    assert!(csv.status.success());
    assert_eq!(
        std::fs::read_to_string(site.join("neighbourhoods.csv")).unwrap(),
        String::from_utf8(csv.stdout).unwrap()
    );

    // The pages (map and table) load their scripts and styles from the bundle only.
    for page in ["index.html", "table.html"] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let refs: Vec<&str> = html
            .split(['"', '\''])
            .filter(|s| s.starts_with("./assets/"))
            .collect();
        assert!(!refs.is_empty(), "{html}");
        for r in refs {
            assert!(site.join(r).is_file(), "{r} not in the bundle");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
    let readme = std::fs::read_to_string(site.join("README.md")).unwrap();
    assert!(readme.contains("<iframe") && readme.contains("Range"));

    // The web team's pages: the statement template (de, en) and the Leichte Sprache text,
    // in their language, with the map's name and dates filled in and every placeholder of
    // ours replaced (the city's own parts are in square brackets).
    for (file, lang, title) in [
        (
            "barrierefreiheit.html",
            "de",
            "Erklärung zur Barrierefreiheit",
        ),
        ("accessibility.html", "en", "Accessibility statement"),
        ("leichte-sprache.html", "de", "Leichter Sprache"),
    ] {
        let page = std::fs::read_to_string(site.join(file)).unwrap();
        assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{file}");
        assert!(page.contains(title), "{file}");
        let body = &page[page.find("<body>").unwrap()..];
        assert!(!body.contains('{') && !body.contains('}'), "{file}: {body}");
    }
    let easy = std::fs::read_to_string(site.join("leichte-sprache.html")).unwrap();
    // The demo extract's OSM data are of 27 July 2015 (its header's timestamp).
    assert!(easy.contains("Die Daten sind vom 27.07.2015."), "{easy}");

    // Walking distances: the index and every chunk it lists.
    let walk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("walk/index.json")).unwrap())
            .unwrap();
    assert_eq!(walk["version"], 1);
    assert!(
        walk["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "playground")
    );
    let files = walk["chunk"]["files"].as_array().unwrap();
    assert!(!files.is_empty());
    for f in files {
        let bytes = std::fs::read(site.join(format!("walk/{}.bin", f.as_str().unwrap()))).unwrap();
        assert_eq!(&bytes[..4], b"SRW1", "{f}");
    }
    assert_no_leftovers(dir.path());
}

#[test]
fn existing_folder_needs_force_and_is_replaced_only_by_a_complete_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("old.txt"), "keep me").unwrap();

    let out = export(&site, &[]);
    assert_user_error(&out, "--force");
    assert_eq!(
        std::fs::read_to_string(site.join("old.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&site).unwrap().count(), 1);

    // A failing run with --force leaves the old folder as it was.
    let out = export(&site, &["--force", "--min-zoom", "14", "--max-zoom", "12"]);
    assert_user_error(&out, "--min-zoom 14 is above --max-zoom 12");
    assert_eq!(
        std::fs::read_to_string(site.join("old.txt")).unwrap(),
        "keep me"
    );

    let out = export(&site, &["--force", "--min-zoom", "12", "--max-zoom", "13"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!site.join("old.txt").exists(), "old content replaced");
    assert_eq!(header_zooms(&site.join("tiles.pmtiles")), (12, 13));
    assert_no_leftovers(dir.path());

    // An empty folder is fine without --force.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = export(&empty, &["--min-zoom", "10", "--max-zoom", "10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(empty.join("tiles.pmtiles").is_file());
}

#[test]
fn bad_output_places_and_zooms_fail_with_one_line_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    // A parent that is a file cannot hold a folder (permissions do not stop root, this does).
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = export(&file.join("site"), &[]);
    assert_user_error(&out, "cannot write to folder");
    // --out naming a file.
    let out = export(&file, &[]);
    assert_user_error(&out, "is not a folder");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // A parent that does not exist.
    let out = export(&dir.path().join("no/such/site"), &[]);
    assert_user_error(&out, "cannot write to folder");
    // Zooms beyond the grid are refused by the argument parser.
    let out = export(&dir.path().join("site"), &["--max-zoom", "30"]);
    assert_user_error(&out, "--max-zoom");
    // A missing city.
    let out = spielraum(&[
        "export",
        dir.path().join("missing.gpkg").to_str().unwrap(),
        "--out",
        dir.path().join("site").to_str().unwrap(),
    ]);
    assert_user_error(&out, "missing.gpkg");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("a-file")],
        "nothing else written"
    );
}
