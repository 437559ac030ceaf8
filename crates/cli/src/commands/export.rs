//! `spielraum export`: argument parsing and the bundle folder only (tiles by `tiles::export`,
//! style and tile layers by `server`, indicators by `analysis`).
//!
//! The bundle is built in a temporary folder beside `--out` and renamed into place when complete.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value as Json, json};

use super::{Internal, serve};
use crate::progress;

/// The attribution every map and the archive carry (ODbL).
const ATTRIBUTION: &str =
    "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap contributors</a> (ODbL)";

/// Arguments of `spielraum export`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// The folder to write the static site into (created; must be missing or empty unless --force).
    #[arg(long, value_name = "SITE")]
    pub out: PathBuf,
    /// Replace a non-empty --out folder (only once the new bundle is complete).
    #[arg(long)]
    pub force: bool,
    /// Lowest zoom of the tiles [default: one below the zoom where the extract fits one tile].
    #[arg(long, value_name = "Z", value_parser = clap::value_parser!(u8).range(0..=22))]
    pub min_zoom: Option<u8>,
    /// Highest zoom of the tiles; the map overzooms beyond it [default: 16].
    #[arg(long, value_name = "Z", value_parser = clap::value_parser!(u8).range(0..=22))]
    pub max_zoom: Option<u8>,
    /// Indicators to publish: the output of `spielraum analyze --format json` (default: computed
    /// now with --standards, as `serve` does).
    #[arg(long, value_name = "FILE.json")]
    pub indicators: Option<PathBuf>,
    /// Planning standard for the indicators computed now (default: DIN 18034).
    #[arg(long, value_name = "FILE.toml", conflicts_with = "indicators")]
    pub standards: Option<PathBuf>,
}

/// Runs `spielraum export`.
pub fn run(args: Args) -> Result<()> {
    check_out(&args.out, args.force)?;
    if let (Some(min), Some(max)) = (args.min_zoom, args.max_zoom)
        && min > max
    {
        bail!("--min-zoom {min} is above --max-zoom {max}");
    }
    let web = webapp::WebApp::from_env();
    let page = web.get(webapp::STATIC_PAGE).with_context(|| {
        format!("the static page is missing from {web}: build the web page first: cd web && npm ci && npm run build, then build spielraum again")
    })?;
    if !args.city.is_file() {
        bail!("cannot read {}: no such file", args.city.display());
    }
    // The new bundle grows in a hidden folder beside --out (same file system: rename is atomic);
    // it is removed again on any error.
    let parent = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".spielraum-export-");
    // Like any new folder (0777 less the umask): a web server's own user must read the bundle.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o777));
    let tmp = builder
        .tempdir_in(parent)
        .with_context(|| format!("--out: cannot write to folder {}", parent.display()))?;

    let spinner = progress::spinner("reading city");
    let city = store::read_city(&args.city)
        .with_context(|| format!("cannot read {}", args.city.display()))?;
    let indicators = match &args.indicators {
        Some(_) => serve::read_indicators(args.indicators.as_ref())?,
        None => {
            let standards = match &args.standards {
                Some(path) => analysis::Standards::from_file(path)?,
                None => analysis::Standards::default_din18034(),
            };
            spinner.set_message("computing indicators");
            serve::compute_indicators(&city, &standards).0
        }
    };
    spinner.finish_and_clear();

    let set = tiles::TileSet::new(server::tile_layers(&city, indicators.as_ref()));
    let bounds = set
        .bounds()
        .with_context(|| format!("{} has no features to export", args.city.display()))?;
    let (auto_min, auto_max) = tiles::export::zoom_range(bounds);
    let max_zoom = args.max_zoom.unwrap_or(auto_max);
    let min_zoom = args.min_zoom.unwrap_or(auto_min.min(max_zoom));
    if min_zoom > max_zoom {
        bail!("--min-zoom {min_zoom} is above --max-zoom {max_zoom}");
    }
    let name = args
        .city
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spielraum".into());
    let opts = tiles::export::ExportOptions {
        min_zoom,
        max_zoom,
        name: name.clone(),
        description: format!("Spielraum map of {name}: facilities, neighbourhoods, gaps, basemap"),
        attribution: ATTRIBUTION.into(),
    };
    let archive = tmp.path().join("tiles.pmtiles");
    let file = std::fs::File::create(&archive)
        .with_context(|| format!("cannot write {}", archive.display()))?;
    let bar = progress::bar(0, "writing tiles");
    let summary = tiles::export::write_pmtiles(&set, &opts, file, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .with_context(|| format!("{}", args.out.join("tiles.pmtiles").display()))?;
    bar.finish_and_clear();

    let write_json = |file: &str, v: &Json| -> Result<()> {
        let path = tmp.path().join(file);
        let text = serde_json::to_string_pretty(v).map_err(|e| Internal(e.to_string()))?;
        std::fs::write(&path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))
    };
    write_json("style.json", &static_style(&city, bounds))?;
    let mut doc = indicators.unwrap_or_else(|| json!({ "neighbourhoods": [] }));
    if let Some(o) = doc.as_object_mut() {
        // The gap polygons are in the tiles; the file is the `analyze --format json` document.
        o.remove("gap_areas_geojson");
    }
    write_json("indicators.json", &doc)?;
    write_json("facilities.geojson", &facilities_geojson(&city))?;
    let readme = readme(&name, &summary, &opts, &city);
    std::fs::write(tmp.path().join("README.md"), readme)
        .with_context(|| format!("cannot write {}", tmp.path().join("README.md").display()))?;
    copy_page(&web, &page.bytes, tmp.path())?;

    put_in_place(tmp, &args.out)?;
    let size = std::fs::metadata(args.out.join("tiles.pmtiles"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "Wrote {}: {} tiles (zooms {}–{}), tiles.pmtiles {:.1} MB; see {}/README.md to publish it.",
        args.out.display(),
        summary.tiles(),
        min_zoom,
        max_zoom,
        size as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}

/// `--out` must be missing, an empty folder, or (with `--force`) a folder.
fn check_out(out: &Path, force: bool) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!("--out {} exists and is not a folder", out.display());
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("--out: cannot read folder {}", out.display()))?
        .next()
        .is_none();
    if !empty && !force {
        bail!(
            "--out {} is not empty (pass --force to replace it)",
            out.display()
        );
    }
    Ok(())
}

/// Renames the complete bundle to `out`; an existing `out` is moved aside first and removed
/// only after the new bundle is in place.
fn put_in_place(tmp: tempfile::TempDir, out: &Path) -> Result<()> {
    let new = tmp.keep();
    let fail = |e: std::io::Error, new: &Path| {
        let _ = std::fs::remove_dir_all(new);
        anyhow::Error::new(e).context(format!("cannot move the bundle to {}", out.display()))
    };
    if !out.exists() {
        return std::fs::rename(&new, out).map_err(|e| fail(e, &new));
    }
    let old = new.with_file_name(format!(
        "{}.old",
        new.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::rename(out, &old).map_err(|e| fail(e, &new))?;
    if let Err(e) = std::fs::rename(&new, out) {
        // Put the old bundle back: a failed run never destroys an existing output.
        let _ = std::fs::rename(&old, out);
        return Err(fail(e, &new));
    }
    std::fs::remove_dir_all(&old)
        .with_context(|| format!("cannot remove the old bundle {}", old.display()))
}

/// The server's style with its vector source read from `tiles.pmtiles` beside the page
/// (`pmtiles://` + a URL relative to the page; the page makes it absolute at run time).
fn static_style(city: &model::City, tile_bounds: [f64; 4]) -> Json {
    let mut style = server::style_document("", Some(tile_bounds), server::data_bounds(city));
    style["sources"]["spielraum"] = json!({
        "type": "vector",
        "url": "pmtiles://tiles.pmtiles",
        "attribution": ATTRIBUTION,
    });
    style
}

/// The public facilities as GeoJSON points (areas at an interior point): what the page lists
/// as nearest to a tap.
fn facilities_geojson(city: &model::City) -> Json {
    use geo::InteriorPoint;
    let features: Vec<Json> = city
        .facilities
        .iter()
        .filter(|f| f.is_public())
        .filter_map(|f| {
            let p = f.geometry.interior_point()?;
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [p.x(), p.y()] },
                "properties": {
                    "osm_id": f.osm_id.to_string(),
                    "kind": f.kind.as_str(),
                    "name": f.name,
                    "area_m2": f.area_m2,
                },
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// Copies the built page (`static.html` as `index.html`, and Vite's `assets/`).
fn copy_page(web: &webapp::WebApp, page: &[u8], to: &Path) -> Result<()> {
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write(&to.join("index.html"), page)?;
    let assets = to.join(webapp::ASSETS_DIR);
    std::fs::create_dir(&assets).with_context(|| format!("cannot write {}", assets.display()))?;
    for path in web.assets()? {
        let file = web
            .get(&path)
            .with_context(|| format!("cannot read {path} of {web}"))?;
        let out = to.join(&path);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot write {}", parent.display()))?;
        }
        write(&out, &file.bytes)?;
    }
    Ok(())
}

/// The bundle's README for the web team.
fn readme(
    name: &str,
    summary: &tiles::export::ExportSummary,
    opts: &tiles::export::ExportOptions,
    city: &model::City,
) -> String {
    let data = city
        .metadata
        .iter()
        .find(|(k, _)| k == "source_timestamp")
        .map(|(_, v)| format!(" (OpenStreetMap data of {v})"))
        .unwrap_or_default();
    format!(
        include_str!("export_readme.md"),
        name = name,
        data = data,
        tiles = summary.tiles(),
        min = opts.min_zoom,
        max = opts.max_zoom,
    )
}
