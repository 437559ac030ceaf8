//! The static website export: one PMTiles archive with every layer of the live map, the style
//! reading it, the label glyphs it names (`fonts/{fontstack}/{range}.pbf`, every range the
//! shipped font covers, with the font's licence), the static page, the indicators, the public
//! facilities and a README for a city's web team — a folder any static web host can serve.
//!
//! A [`Site`] grows in a hidden folder beside its destination and is renamed into place only
//! when complete ([`Site::finish`]); a failed run never destroys an existing output.

use std::path::{Path, PathBuf};

pub mod walk;

use analysis::AnalysisDocument;
use model::City;
use serde_json::{Value as Json, json};

/// The attribution every map and the archive carry (ODbL).
pub const ATTRIBUTION: &str =
    "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap contributors</a> (ODbL)";

/// The attribution of `city`'s map: [`ATTRIBUTION`], then the credits of its other recorded
/// sources (as the live map shows them: [`map::style::attribution_html`]).
pub fn attribution(city: &City) -> String {
    let all = map::style::attribution_html(&city.sources);
    let others = all
        .strip_prefix(map::style::OSM_ATTRIBUTION_HTML)
        .unwrap_or_default();
    format!("{ATTRIBUTION}{others}")
}

/// Why a site could not be exported. Messages name the flag or file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The destination exists and is a file.
    #[error("--out {0} exists and is not a folder")]
    NotAFolder(PathBuf),
    /// The destination is a folder with files in it, and replacing was not asked for.
    #[error("--out {0} is not empty (pass --force to replace it)")]
    NotEmpty(PathBuf),
    /// The lowest zoom is above the highest.
    #[error("--min-zoom {min} is above --max-zoom {max}")]
    ZoomOrder {
        /// The lowest zoom asked for.
        min: u8,
        /// The highest zoom asked for.
        max: u8,
    },
    /// The city has nothing to draw.
    #[error("the city has no features to export")]
    Empty,
    /// A file or folder could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The PMTiles archive could not be written.
    #[error("{path}: {message}")]
    Tiles {
        /// The archive.
        path: String,
        /// What went wrong.
        message: String,
    },
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> ExportError {
    move |source| ExportError::Io { what, source }
}

/// What to export besides the city: zooms and the name of the map.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// Lowest zoom of the tiles [default: one below the zoom where the extract fits one tile].
    pub min_zoom: Option<u8>,
    /// Highest zoom of the tiles [default: the documented rule of `tiles::export::zoom_range`].
    pub max_zoom: Option<u8>,
    /// The map's name (the archive's, the README's title).
    pub name: String,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SiteSummary {
    /// Tiles in the archive.
    pub tiles: u64,
    /// Lowest zoom.
    pub min_zoom: u8,
    /// Highest zoom.
    pub max_zoom: u8,
    /// Size of `tiles.pmtiles` in bytes.
    pub archive_bytes: u64,
    /// The walking distances of `walk/` (no chunks when the city has no walking network).
    pub walk: walk::WalkSummary,
}

/// `out` must be missing, an empty folder, or (with `force`) a folder.
pub fn check_out(out: &Path, force: bool) -> Result<(), ExportError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(ExportError::NotAFolder(out.to_path_buf()));
    }
    let empty = std::fs::read_dir(out)
        .map_err(io(format!("--out: cannot read folder {}", out.display())))?
        .next()
        .is_none();
    if !empty && !force {
        return Err(ExportError::NotEmpty(out.to_path_buf()));
    }
    Ok(())
}

/// A site being written: a hidden folder beside its destination, removed again unless
/// [`Site::finish`] puts it in place.
#[derive(Debug)]
pub struct Site {
    tmp: tempfile::TempDir,
    out: PathBuf,
}

impl Site {
    /// Starts a site for `out` (checked with [`check_out`]): creates the hidden folder on the
    /// same file system, so that the final rename is atomic.
    pub fn begin(out: &Path, force: bool) -> Result<Site, ExportError> {
        check_out(out, force)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".spielraum-export-");
        // Like any new folder (0777 less the umask): a web server's own user must read the bundle.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o777));
        let tmp = builder.tempdir_in(parent).map_err(io(format!(
            "--out: cannot write to folder {}",
            parent.display()
        )))?;
        Ok(Site {
            tmp,
            out: out.to_path_buf(),
        })
    }

    /// Writes the whole site for `city` with `indicators` and the static page of the web app
    /// `web` (its `static.html` as `index.html`, and its `assets/`), then puts it in place. `progress` is
    /// told (tiles done, tiles in all) while the archive is written.
    pub fn finish(
        self,
        city: &City,
        indicators: Option<&AnalysisDocument>,
        web: &webapp::WebApp,
        options: &SiteOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<SiteSummary, ExportError> {
        let set = tiles::TileSet::new(map::tile_layers(city, indicators));
        let bounds = set.bounds().ok_or(ExportError::Empty)?;
        let (auto_min, auto_max) = tiles::export::zoom_range(bounds);
        let max_zoom = options.max_zoom.unwrap_or(auto_max);
        let min_zoom = options.min_zoom.unwrap_or(auto_min.min(max_zoom));
        if min_zoom > max_zoom {
            return Err(ExportError::ZoomOrder {
                min: min_zoom,
                max: max_zoom,
            });
        }
        let name = &options.name;
        let opts = tiles::export::ExportOptions {
            min_zoom,
            max_zoom,
            name: name.clone(),
            description: format!(
                "Spielraum map of {name}: facilities, neighbourhoods, gaps, basemap"
            ),
            attribution: attribution(city),
        };
        let dir = self.tmp.path();
        let archive = dir.join("tiles.pmtiles");
        let file = std::fs::File::create(&archive)
            .map_err(io(format!("cannot write {}", archive.display())))?;
        let summary = tiles::export::write_pmtiles(&set, &opts, file, progress).map_err(|e| {
            ExportError::Tiles {
                path: self.out.join("tiles.pmtiles").display().to_string(),
                message: e.to_string(),
            }
        })?;

        let write_json = |file: &str, v: &Json| -> Result<(), ExportError> {
            let path = dir.join(file);
            let text = serde_json::to_string_pretty(v).unwrap_or_default();
            std::fs::write(&path, text + "\n")
                .map_err(io(format!("cannot write {}", path.display())))
        };
        let style = static_style(city, bounds);
        write_json("style.json", &style)?;
        write_glyphs(&style, dir)?;
        let doc = indicators.map_or_else(|| json!({ "neighbourhoods": [] }), |d| d.to_json());
        write_json("indicators.json", &doc)?;
        // The table page's download: the machine CSV of `analyze --format csv` (and of
        // `/api/neighbourhoods.csv`).
        let csv_path = dir.join("neighbourhoods.csv");
        let csv = indicators.map(AnalysisDocument::to_csv).unwrap_or_default();
        std::fs::write(&csv_path, csv)
            .map_err(io(format!("cannot write {}", csv_path.display())))?;
        write_json(
            "facilities.geojson",
            &map::geojson::public_facility_points(city),
        )?;
        let readme = readme(name, &summary, &opts, city);
        let readme_path = dir.join("README.md");
        std::fs::write(&readme_path, readme)
            .map_err(io(format!("cannot write {}", readme_path.display())))?;
        // Walking distances for taps on the static page, on the graph `serve` answers with.
        let walk = match network::WalkGraph::build(
            &city.walk_ways,
            &city.tagged_nodes,
            network::Profile::Default,
        ) {
            Ok(graph) => walk::write(dir, city, &graph)?,
            Err(_) => walk::WalkSummary::default(),
        };
        copy_page(web, dir)?;
        for (file, text) in pages(name, city) {
            let path = dir.join(file);
            std::fs::write(&path, text).map_err(io(format!("cannot write {}", path.display())))?;
        }

        let out = self.out.clone();
        put_in_place(self.tmp, &out)?;
        let archive_bytes = std::fs::metadata(out.join("tiles.pmtiles"))
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(SiteSummary {
            tiles: summary.tiles(),
            min_zoom,
            max_zoom,
            archive_bytes,
            walk,
        })
    }
}

/// Renames the complete bundle to `out`; an existing `out` is moved aside first and removed
/// only after the new bundle is in place.
fn put_in_place(tmp: tempfile::TempDir, out: &Path) -> Result<(), ExportError> {
    let new = tmp.keep();
    let fail = |e: std::io::Error, new: &Path| {
        let _ = std::fs::remove_dir_all(new);
        ExportError::Io {
            what: format!("cannot move the bundle to {}", out.display()),
            source: e,
        }
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
    std::fs::remove_dir_all(&old).map_err(io(format!(
        "cannot remove the old bundle {}",
        old.display()
    )))
}

/// The folder of the glyph ranges in the bundle; the style names them relative to the page.
pub const GLYPHS_DIR: &str = "fonts";

/// The font stacks `style` names in its layers' `text-font` (comma-joined, as MapLibre asks).
pub fn style_font_stacks(style: &Json) -> Vec<String> {
    let mut stacks: Vec<String> = style["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["layout"]["text-font"].as_array())
        .map(|f| {
            f.iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    stacks.sort();
    stacks.dedup();
    stacks
}

/// Writes `fonts/{stack}/{start}-{end}.pbf` for every font stack `style` names and every range
/// its font has glyphs in (what a label of any name can need), and the font's licence.
fn write_glyphs(style: &Json, dir: &Path) -> Result<(), ExportError> {
    let root = dir.join(GLYPHS_DIR);
    for stack in style_font_stacks(style) {
        let glyph_error = |e: fonts::GlyphError| ExportError::Io {
            what: format!("cannot make the glyphs of font stack {stack:?}"),
            source: std::io::Error::other(e.to_string()),
        };
        let name = fonts::resolve_stack(&stack).map_err(glyph_error)?;
        let folder = root.join(&stack);
        std::fs::create_dir_all(&folder)
            .map_err(io(format!("cannot write {}", folder.display())))?;
        for start in fonts::covered_ranges(name).map_err(glyph_error)? {
            let bytes = fonts::glyph_range(name, start).map_err(glyph_error)?;
            let path = folder.join(format!("{start}-{}.pbf", start + fonts::RANGE_SIZE - 1));
            std::fs::write(&path, bytes).map_err(io(format!("cannot write {}", path.display())))?;
        }
    }
    let licence = root.join("LICENSE-LiberationSans.txt");
    std::fs::create_dir_all(&root).map_err(io(format!("cannot write {}", root.display())))?;
    std::fs::write(&licence, fonts::LICENCE)
        .map_err(io(format!("cannot write {}", licence.display())))
}

/// The map's style with its vector source read from `tiles.pmtiles` beside the page
/// (`pmtiles://` + a URL relative to the page; the page makes it absolute at run time) and its
/// glyphs from [`GLYPHS_DIR`] beside the page (relative too).
pub fn static_style(city: &City, tile_bounds: [f64; 4]) -> Json {
    let credit = attribution(city);
    let mut style = map::style_document("", Some(tile_bounds), map::data_bounds(city), &credit);
    style["glyphs"] = json!(format!("{GLYPHS_DIR}/{{fontstack}}/{{range}}.pbf"));
    style["sources"]["spielraum"] = json!({
        "type": "vector",
        "url": "pmtiles://tiles.pmtiles",
        "attribution": credit,
    });
    style
}

/// Writes the web app's static page as `index.html`, its table page as `table.html`, and every
/// file of its `assets/`.
fn copy_page(web: &webapp::WebApp, to: &Path) -> Result<(), ExportError> {
    let missing = |path: &str| ExportError::Io {
        what: format!("cannot read {path} of {web}"),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    };
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(io(format!("cannot write {}", path.display())))
    };
    let page = web
        .get(webapp::STATIC_PAGE)
        .ok_or_else(|| missing(webapp::STATIC_PAGE))?;
    write(&to.join("index.html"), &page.bytes)?;
    let table = web
        .get(webapp::STATIC_TABLE_PAGE)
        .ok_or_else(|| missing(webapp::STATIC_TABLE_PAGE))?;
    write(&to.join("table.html"), &table.bytes)?;
    let assets = to.join(webapp::ASSETS_DIR);
    std::fs::create_dir(&assets).map_err(io(format!("cannot write {}", assets.display())))?;
    let listed = web.assets().map_err(|e| ExportError::Io {
        what: format!("cannot list the assets of {web}"),
        source: std::io::Error::other(e.to_string()),
    })?;
    for path in listed {
        let file = web.get(&path).ok_or_else(|| missing(&path))?;
        let out = to.join(&path);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("cannot write {}", parent.display())))?;
        }
        write(&out, &file.bytes)?;
    }
    Ok(())
}

/// The timestamp of the city's OpenStreetMap data, as the import recorded it.
fn osm_timestamp(city: &City) -> Option<&str> {
    city.metadata
        .iter()
        .find(|(k, _)| k == "source_timestamp")
        .map(|(_, v)| v.as_str())
}

/// The pages for the city's web team beside the map: the accessibility statement template
/// (*Erklärung zur Barrierefreiheit*, German and English) and the map explained in *Leichte
/// Sprache*, with the map's name, today's date and the date of the OSM data filled in.
fn pages(name: &str, city: &City) -> [(&'static str, String); 3] {
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let name = html(name);
    let today = model::provenance::today_utc();
    // 2026-12-06 → 06.12.2026 for the German pages.
    let german = |iso: &str| match iso.get(..10).map(|d| d.split('-').collect::<Vec<_>>()) {
        Some(p) if p.len() == 3 => format!("{}.{}.{}", p[2], p[1], p[0]),
        _ => iso.to_string(),
    };
    let data = osm_timestamp(city)
        .map(|v| html(v.get(..10).unwrap_or(v)))
        .unwrap_or_else(|| today.clone());
    [
        (
            "barrierefreiheit.html",
            format!(
                include_str!("pages/barrierefreiheit.html"),
                name = name,
                date = german(&today)
            ),
        ),
        (
            "accessibility.html",
            format!(
                include_str!("pages/accessibility.html"),
                name = name,
                date = today
            ),
        ),
        (
            "leichte-sprache.html",
            format!(
                include_str!("pages/leichte-sprache.html"),
                name = name,
                date = german(&data)
            ),
        ),
    ]
}

/// The bundle's README for the web team.
fn readme(
    name: &str,
    summary: &tiles::export::ExportSummary,
    opts: &tiles::export::ExportOptions,
    city: &City,
) -> String {
    let data = osm_timestamp(city)
        .map(|v| format!(" (OpenStreetMap data of {v})"))
        .unwrap_or_default();
    let sources: String = city
        .sources
        .iter()
        .map(|s| {
            let mut line = format!("- {}: {} ({}", s.layer, s.location, s.format);
            for (label, v) in [
                ("CRS", Some(&s.crs).filter(|c| !c.is_empty())),
                ("retrieved", Some(&s.retrieved).filter(|r| !r.is_empty())),
                ("data of", s.data_as_of.as_ref()),
                ("licence", s.licence.as_ref()),
                ("credit", s.attribution.as_ref()),
            ] {
                if let Some(v) = v {
                    line.push_str(&format!("; {label} {v}"));
                }
            }
            line + ")\n"
        })
        .collect();
    format!(
        include_str!("readme.md"),
        name = name,
        data = data,
        sources = if sources.is_empty() {
            "- not recorded (imported before sources were recorded)\n".to_string()
        } else {
            sources
        },
        tiles = summary.tiles(),
        min = opts.min_zoom,
        max = opts.max_zoom,
        tolerance = walk::TOLERANCE_M,
        margin = walk::MARGIN_M,
    )
}
