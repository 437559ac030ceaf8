//! Provenance of an import: which input fed which layer, in which format and CRS, retrieved
//! when, under which licence and credit ([`model::provenance::DataSource`], stored in the
//! GeoPackage's `data_sources` table); a URL input by its URL, protocol and time of download.
//!
//! Owns the records an import makes and the user's licence and credit notes
//! (`--licence INPUT=TEXT`, `--attribution INPUT=TEXT`) for its inputs.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use model::City;
use model::provenance::{DataSource, SourceKind};

use crate::import::ImportOptions;

/// A licence or credit the user gives for one input (`--licence`, `--attribution`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceNote {
    /// The input it is about: a path as given on the command line or its file name.
    pub input: String,
    /// What the note says.
    pub text: String,
    /// Whether it is the licence (else the credit to show).
    pub licence: bool,
}

impl SourceNote {
    /// Parses `INPUT=TEXT` (the text may hold `=`); `None` without `=` or with an empty side.
    pub fn parse(arg: &str, licence: bool) -> Option<SourceNote> {
        let (input, text) = arg.split_once('=')?;
        let (input, text) = (input.trim(), text.trim());
        (!input.is_empty() && !text.is_empty()).then(|| SourceNote {
            input: input.to_string(),
            text: text.to_string(),
            licence,
        })
    }
}

/// The format and CRS each vector input was read in, as its reader found them, and when a URL
/// was fetched.
#[derive(Debug, Clone, Default)]
pub struct ReadAs(Vec<ReadNote>);

/// How one input was read.
#[derive(Debug, Clone)]
struct ReadNote {
    path: PathBuf,
    format: String,
    crs: String,
    fetched: Option<SystemTime>,
}

impl ReadAs {
    /// Notes that `path` was read as `format` in `crs`.
    pub fn note(&mut self, path: &Path, format: &str, crs: ingest::crs::Crs) {
        self.0.push(ReadNote {
            path: path.to_path_buf(),
            format: format.to_string(),
            crs: format!("EPSG:{}", crs.code),
            fetched: None,
        });
    }

    /// Notes that the URL `path` was fetched at `fetched` and read as `format` in `crs`.
    pub fn note_url(
        &mut self,
        path: &Path,
        format: &str,
        crs: ingest::crs::Crs,
        fetched: SystemTime,
    ) {
        self.note(path, format, crs);
        if let Some(last) = self.0.last_mut() {
            last.fetched = Some(fetched);
        }
    }

    /// The format and CRS noted for `path`.
    fn get(&self, path: &Path) -> Option<(String, String)> {
        self.0
            .iter()
            .find(|n| n.path == path)
            .map(|n| (n.format.clone(), n.crs.clone()))
    }

    /// When the URL `path` was fetched.
    fn fetched(&self, path: &Path) -> Option<SystemTime> {
        self.0.iter().find(|n| n.path == path)?.fetched
    }
}

/// The OSM licence.
const OSM_LICENCE: &str = "ODbL 1.0";

/// The layers an OpenStreetMap extract feeds (neighbourhoods too unless boundaries are given,
/// population when estimated from buildings).
const OSM_LAYERS: [&str; 6] = [
    "facilities",
    "buildings",
    "walk_ways",
    "tagged_nodes",
    "basemap",
    "candidate_sites",
];

/// Every input of an import, with the layer it fed, its format and CRS.
fn inputs(
    options: &ImportOptions,
    read_as: &ReadAs,
    city: &City,
) -> Vec<(String, SourceKind, PathBuf, String, String)> {
    let osm = |layer: &str| {
        (
            layer.to_string(),
            SourceKind::OpenStreetMap,
            options.input.clone(),
            "OSM PBF".to_string(),
            "EPSG:4326".to_string(),
        )
    };
    let mut out: Vec<_> = OSM_LAYERS.iter().map(|l| osm(l)).collect();
    match &options.boundaries {
        Some(b) => {
            let (format, crs) = read_as.get(b).unwrap_or_default();
            let kind = if crate::import::url_of(b).is_some() {
                SourceKind::Url
            } else {
                SourceKind::File
            };
            out.push(("neighbourhoods".into(), kind, b.clone(), format, crs));
        }
        None if !city.neighbourhoods.is_empty() => out.push(osm("neighbourhoods")),
        None => {}
    }
    if options.population.is_empty() {
        out.push(osm("population"));
    }
    for p in &options.population {
        let (format, crs) = read_as.get(p).unwrap_or_else(|| population_format(p));
        out.push((
            "population".into(),
            SourceKind::File,
            p.clone(),
            format,
            crs,
        ));
    }
    if let Some(r) = &options.population_register {
        let mapping = options.register_mapping.as_deref().unwrap_or("");
        out.push((
            "population".into(),
            SourceKind::File,
            r.clone(),
            format!("residents' register (CSV, mapping {mapping})"),
            String::new(),
        ));
    }
    if let Some(f) = &options.facilities {
        let (format, crs) = read_as.get(f).unwrap_or_default();
        let mapping = options
            .facility_mapping
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let kind = if crate::import::url_of(f).is_some() {
            SourceKind::Url
        } else {
            SourceKind::File
        };
        out.push((
            "facilities".into(),
            kind,
            f.clone(),
            format!("{format} (facility inventory, mapping {mapping})"),
            crs,
        ));
    }
    if let Some(t) = &options.population_totals {
        out.push((
            "population".into(),
            SourceKind::File,
            t.clone(),
            "CSV (residents per neighbourhood)".into(),
            String::new(),
        ));
    }
    if let Some(s) = &options.social {
        let mapping = options
            .social_mapping
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        out.push((
            "social_indicators".into(),
            SourceKind::File,
            s.clone(),
            format!("CSV (social indicators per area, mapping {mapping})"),
            String::new(),
        ));
    }
    out
}

/// The format and CRS of a `--population` CSV as its reader takes it, by its first line:
/// Zensus grids are EPSG:3035, point CSVs WGS84 (vector files of points are noted in
/// [`ReadAs`] by the reader itself).
fn population_format(path: &Path) -> (String, String) {
    use std::io::BufRead;
    let first = std::fs::File::open(path)
        .ok()
        .and_then(|f| std::io::BufReader::new(f).lines().next())
        .and_then(Result::ok)
        .unwrap_or_default();
    let first = first.trim_start_matches('\u{feff}').trim_start();
    let (format, crs) = if first.starts_with("GITTER_ID_100m") {
        ("Zensus 2022 100 m grid (CSV)", "EPSG:3035")
    } else {
        ("CSV points", "EPSG:4326")
    };
    (format.to_string(), crs.to_string())
}

/// Whether `note` is about the input at `path`: the path as given or a file's name; a URL as
/// given or without its query (`INPUT=TEXT` splits at the first `=`, so a URL with a query is
/// named without it).
fn names(note: &SourceNote, path: &Path) -> bool {
    if let Some(url) = crate::import::url_of(path) {
        return note.input == url || url.split('?').next() == Some(note.input.as_str());
    }
    Path::new(&note.input) == path
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == note.input)
}

/// The note that names no input of the import, if any: `(flag, INPUT, the inputs there are)`.
pub fn unknown_note(options: &ImportOptions) -> Option<(String, String, Vec<String>)> {
    let mut paths: Vec<&PathBuf> = vec![&options.input];
    paths.extend(&options.boundaries);
    paths.extend(&options.population);
    paths.extend(&options.population_totals);
    paths.extend(&options.population_register);
    paths.extend(&options.facilities);
    paths.extend(&options.social);
    options
        .source_notes
        .iter()
        .find(|n| !paths.iter().any(|p| names(n, p)))
        .map(|n| {
            let flag = if n.licence {
                "--licence"
            } else {
                "--attribution"
            };
            let inputs = paths.iter().map(|p| p.display().to_string()).collect();
            (flag.to_string(), n.input.clone(), inputs)
        })
}

/// RFC 3339 (UTC, seconds) of a time.
fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Records where each layer of `city` came from in `city.sources` (an OSM extract's date from
/// its `source_timestamp`; files by their name, modification time and the user's notes).
pub fn record(options: &ImportOptions, read_as: &ReadAs, city: &mut City) {
    let osm_as_of = city
        .metadata
        .iter()
        .find(|(k, _)| k == "source_timestamp")
        .map(|(_, v)| v.clone());
    city.sources = inputs(options, read_as, city)
        .into_iter()
        .map(|(layer, kind, path, format, crs)| {
            let note = |licence: bool| {
                options
                    .source_notes
                    .iter()
                    .rev()
                    .find(|n| n.licence == licence && names(n, &path))
                    .map(|n| n.text.clone())
            };
            let osm = kind == SourceKind::OpenStreetMap;
            DataSource {
                layer,
                kind,
                location: match (kind, path.file_name()) {
                    (SourceKind::Url, _) | (_, None) => path.display().to_string(),
                    (_, Some(n)) => n.to_string_lossy().into_owned(),
                },
                format,
                crs,
                retrieved: match read_as.fetched(&path) {
                    Some(t) => rfc3339(t),
                    None => std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .map(rfc3339)
                        .unwrap_or_default(),
                },
                data_as_of: if osm { osm_as_of.clone() } else { None },
                licence: note(true).or_else(|| osm.then(|| OSM_LICENCE.to_string())),
                attribution: note(false),
            }
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_input_equals_text() {
        let n = SourceNote::parse(
            "lor.shp=© AfS Berlin-Brandenburg, dl-de/by-2-0 (x=1)",
            false,
        );
        assert_eq!(
            n,
            Some(SourceNote {
                input: "lor.shp".into(),
                text: "© AfS Berlin-Brandenburg, dl-de/by-2-0 (x=1)".into(),
                licence: false,
            })
        );
        assert_eq!(SourceNote::parse("lor.shp", true), None);
        assert_eq!(SourceNote::parse("=text", true), None);
        assert_eq!(SourceNote::parse("lor.shp= ", true), None);
    }

    #[test]
    fn notes_name_inputs_by_path_or_file_name() {
        let options = ImportOptions {
            input: "data/city.osm.pbf".into(),
            boundaries: Some("data/areas.geojson".into()),
            source_notes: vec![
                SourceNote::parse("areas.geojson=© City", false).unwrap(),
                SourceNote::parse("data/city.osm.pbf=ODbL", true).unwrap(),
            ],
            ..ImportOptions::default()
        };
        assert_eq!(unknown_note(&options), None);
        let mut bad = options.clone();
        bad.source_notes
            .push(SourceNote::parse("register.csv=x", true).unwrap());
        let (flag, input, inputs) = unknown_note(&bad).unwrap();
        assert_eq!(
            (flag.as_str(), input.as_str()),
            ("--licence", "register.csv")
        );
        assert_eq!(inputs, ["data/city.osm.pbf", "data/areas.geojson"]);
    }

    #[test]
    fn notes_name_urls_whole_or_without_their_query() {
        let wfs = Path::new("https://gdi.berlin.de/services/wfs/lor?service=WFS&typeNames=lor");
        let note = |arg: &str| SourceNote::parse(arg, false).unwrap();
        assert!(names(
            &note("https://gdi.berlin.de/services/wfs/lor=© AfS"),
            wfs
        ));
        let api = Path::new("https://x.de/ogc/collections/lor");
        assert!(names(&note("https://x.de/ogc/collections/lor=© AfS"), api));
        assert!(!names(&note("lor=© AfS"), api));
    }
}
