//! Fuzz targets: every reader and parameter that takes user input, as a plain function of bytes.
//! Owns the targets, their seed corpora (`seeds/<target>/`) and the found-crash regressions.
//!
//! Each target feeds its input to one public entry point of the library and panics only when
//! the library misbehaves: an `Err` answer is the expected outcome for bad input, a panic, an
//! abort or a hang is a finding. Some targets also check a property of an accepted input (an
//! edit read back after writing it is the same edit, a rendered tile decodes).
//!
//! The functions build in every normal workspace build; `bench/fuzz.sh` builds the
//! `spielraum-fuzz-afl` binary (feature `afl`) with `cargo afl build` and runs AFL++ on each
//! target with its seed folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use analysis::Standards;
use ingest::osm::{OsmOptions, read_osm};
use model::Neighbourhood;
use serde_json::Value as Json;
use tiles::{TileId, TileSet};

/// A fuzz target: takes any bytes, returns when the library handled them.
pub type Target = fn(&[u8]);

/// Every target by name (the name is also its seed folder under `seeds/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("pbf", pbf),
    ("boundaries", boundaries),
    ("candidates", candidates),
    ("population", population),
    ("totals", totals),
    ("standards", standards),
    ("edits", edits),
    ("tile", tile),
];

/// The target called `name`, if there is one.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The folder of the seed corpora (`crates/fuzz/seeds`).
pub fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// The folder of inputs that once crashed a target (`crates/fuzz/regressions/<target>/`).
pub fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

/// The files of `dir` (sorted by name; none when it does not exist), with their bytes.
pub fn corpus(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// Writes `data` to a file of its own (the readers take paths, as the CLI hands them) and calls
/// `read` with its path. The file is removed afterwards.
fn with_file<R>(suffix: &str, data: &[u8], read: impl FnOnce(&Path) -> R) -> R {
    let mut file = tempfile::Builder::new()
        .prefix("spielraum-fuzz-")
        .suffix(suffix)
        .tempfile()
        .expect("a temporary file");
    file.write_all(data).expect("writing the temporary file");
    file.flush().expect("writing the temporary file");
    read(file.path())
}

/// The PBF reader path: `ingest::osm::read_osm` on the bytes as an `.osm.pbf` file.
pub fn pbf(data: &[u8]) {
    let quiet = |_: &str, _: u64, _: u64| {};
    let _ = with_file(".osm.pbf", data, |p| {
        read_osm(p, &OsmOptions::default(), &quiet)
    });
}

/// The boundaries GeoJSON reader (`ingest::boundaries::read_boundaries_geojson`).
pub fn boundaries(data: &[u8]) {
    let _ = with_file(
        ".geojson",
        data,
        ingest::boundaries::read_boundaries_geojson,
    );
}

/// The candidate sites GeoJSON reader (`ingest::candidates::read_candidate_file`).
pub fn candidates(data: &[u8]) {
    let _ = with_file(".geojson", data, ingest::candidates::read_candidate_file);
}

/// The population readers: points CSV, points GeoJSON, Zensus grid and age tables
/// (`ingest::population::read_population_file` tells them apart by the first line).
pub fn population(data: &[u8]) {
    let _ = with_file(".csv", data, ingest::population::read_population_file);
}

/// Two neighbourhoods of the seed town (`r1` West, `r2` Ost) for the totals reader to match.
fn town_neighbourhoods() -> &'static [Neighbourhood] {
    static N: OnceLock<Vec<Neighbourhood>> = OnceLock::new();
    N.get_or_init(|| {
        let square = |id: &str, name: &str, x0: f64| {
            let ring = vec![
                (x0, 47.10),
                (x0 + 0.01, 47.10),
                (x0 + 0.01, 47.11),
                (x0, 47.11),
                (x0, 47.10),
            ];
            Neighbourhood {
                id: id.into(),
                name: name.into(),
                admin_level: Some(10),
                geometry: geo_types::MultiPolygon(vec![geo_types::Polygon::new(
                    ring.into(),
                    vec![],
                )]),
                population: None,
            }
        };
        vec![square("r1", "West", 9.50), square("r2", "Ost", 9.51)]
    })
}

/// The official totals CSV reader (`ingest::population::read_totals`), matched against two
/// neighbourhoods.
pub fn totals(data: &[u8]) {
    let _ = with_file(".csv", data, |p| {
        ingest::population::read_totals(p, town_neighbourhoods())
    });
}

/// The standards TOML (`analysis::Standards::from_toml_str`); the input must be UTF-8, as
/// `Standards::from_file` requires. An accepted file must give finite, non-negative thresholds.
pub fn standards(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = Standards::from_toml_str(text, "fuzz.toml") {
        for band in model::AgeBand::ALL {
            let rule = s.band(band);
            let (threshold, catchment) = (rule.threshold_m(), rule.catchment_m());
            assert!(
                threshold.is_finite() && threshold >= 0.0,
                "{band:?}: threshold {threshold} m accepted"
            );
            assert!(
                catchment.is_finite() && catchment >= 0.0,
                "{band:?}: catchment {catchment} m accepted"
            );
        }
        assert!(s.max_catchment_m().is_finite());
    }
}

/// The scenario edit JSON (`server::edit_json::edits_from_json` and `edit_from_json`). Every
/// accepted edit, written with `edit_to_json` and read again, must be the same edit.
pub fn edits(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Json>(data) else {
        return;
    };
    let _ = server::edit_json::edit_from_json(&v, &[]);
    if let Ok(list) = server::edit_json::edits_from_json(&v, &[]) {
        for edit in list {
            let written = server::edit_json::edit_to_json(&edit);
            let again = server::edit_json::edit_from_json(&written, &[])
                .unwrap_or_else(|e| panic!("{written} was written but is refused: {e}"));
            assert_eq!(again, edit, "{written} reads back as another edit");
        }
    }
}

/// The tile set of the seed town (`seeds/pbf/town.osm.pbf` read by the importer), built once.
fn town_tiles() -> &'static TileSet {
    static SET: OnceLock<TileSet> = OnceLock::new();
    SET.get_or_init(|| {
        let quiet = |_: &str, _: u64, _: u64| {};
        let pbf = seeds_dir().join("pbf").join("town.osm.pbf");
        let city = read_osm(&pbf, &OsmOptions::default(), &quiet)
            .expect("the seed town imports")
            .city;
        TileSet::new(map::tile_layers(&city, None))
    })
}

/// Tile addressing as the server reads `/tiles/{z}/{x}/{y}.mvt`: the input is the path after
/// `/tiles/`; numbers are parsed as the server parses them and checked by `TileId::new`, and a
/// valid tile of the seed town is rendered. A valid tile must contain its own centre and
/// render to a tile that decodes.
pub fn tile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '/');
    let (Some(z), Some(x), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let Some(y) = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
    else {
        return;
    };
    let (Ok(z), Ok(x), Ok(y)) = (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) else {
        return;
    };
    let Ok(id) = TileId::new(z, x, y) else {
        return;
    };
    let [w, s, e, n] = id.lonlat_bounds();
    assert!(w < e && s < n, "{id:?} has bounds {:?}", [w, s, e, n]);
    let centre = TileId::containing((w + e) / 2.0, (s + n) / 2.0, z);
    assert_eq!(centre, id, "the centre of {id:?} lies in {centre:?}");
    let bytes = town_tiles().render(id);
    if let Err(e) = mvt_reader::Reader::new(bytes) {
        panic!("{id:?} renders to a tile that does not decode: {e:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `name` on each of its seeds and on each input that once crashed it.
    fn run(name: &str) {
        let t = target(name).expect("a target of that name");
        let seeds = corpus(&seeds_dir().join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for (path, bytes) in seeds
            .into_iter()
            .chain(corpus(&regressions_dir().join(name)))
        {
            eprintln!("{name}: {}", path.display());
            t(&bytes);
        }
    }

    #[test]
    fn pbf_seeds() {
        run("pbf");
    }

    #[test]
    fn boundaries_seeds() {
        run("boundaries");
    }

    #[test]
    fn candidates_seeds() {
        run("candidates");
    }

    #[test]
    fn population_seeds() {
        run("population");
    }

    #[test]
    fn totals_seeds() {
        run("totals");
    }

    #[test]
    fn standards_seeds() {
        run("standards");
    }

    #[test]
    fn edits_seeds() {
        run("edits");
    }

    #[test]
    fn tile_seeds() {
        run("tile");
    }

    /// The seed at `seeds/<name>/<file>`.
    fn seed(name: &str, file: &str) -> PathBuf {
        seeds_dir().join(name).join(file)
    }

    // The seeds must reach past the first checks of their readers, or the fuzzer starts from
    // inputs that are refused at once: each is read here as the targets read it, and the result
    // compared with what the seed file says (hand-written, see the files).

    #[test]
    fn the_town_seed_imports_with_its_neighbourhoods_and_playgrounds() {
        let quiet = |_: &str, _: u64, _: u64| {};
        let city = read_osm(&seed("pbf", "town.osm.pbf"), &OsmOptions::default(), &quiet)
            .unwrap()
            .city;
        let mut names: Vec<&str> = city
            .neighbourhoods
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        names.sort();
        assert_eq!(names, ["Ost", "West"]);
        let playgrounds = city
            .facilities
            .iter()
            .filter(|f| f.kind == model::FacilityKind::Playground)
            .count();
        assert_eq!(playgrounds, 2, "the node n20 and the way w3");
    }

    #[test]
    fn the_geojson_seeds_are_accepted() {
        let n = ingest::boundaries::read_boundaries_geojson(&seed("boundaries", "two.geojson"))
            .unwrap();
        let names: Vec<&str> = n.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["West", "Ost"]);
        let sites = ingest::candidates::read_candidate_file(&seed("candidates", "sites.geojson"));
        assert!(sites.is_ok(), "{sites:?}");
    }

    #[test]
    fn the_population_and_totals_seeds_are_accepted() {
        use ingest::population::{PopulationFile, read_population_file, read_totals};
        let grid = read_population_file(&seed("population", "zensus_grid.csv")).unwrap();
        assert!(matches!(grid, PopulationFile::Grid(_)));
        let ages = read_population_file(&seed("population", "zensus_ages_infr.csv")).unwrap();
        assert!(matches!(ages, PopulationFile::Ages(_)));
        match read_population_file(&seed("population", "points.csv")).unwrap() {
            PopulationFile::Points(p) => assert_eq!(p.points.len(), 2),
            other => panic!("points.csv read as {other:?}"),
        }
        let t = read_totals(&seed("totals", "town.csv"), town_neighbourhoods()).unwrap();
        assert_eq!(t.rows.len(), 2);
    }

    #[test]
    fn the_standards_and_edit_seeds_are_accepted() {
        for (path, bytes) in corpus(&seeds_dir().join("standards")) {
            let text = String::from_utf8(bytes).unwrap();
            let s = Standards::from_toml_str(&text, "seed");
            assert!(s.is_ok(), "{}: {s:?}", path.display());
        }
        let list: Json =
            serde_json::from_slice(&std::fs::read(seed("edits", "list.json")).unwrap()).unwrap();
        assert_eq!(
            server::edit_json::edits_from_json(&list, &[])
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn a_tile_of_the_town_has_features_and_one_far_away_has_none() {
        let town =
            mvt_reader::Reader::new(town_tiles().render(TileId::new(14, 8624, 5755).unwrap()))
                .unwrap();
        let features: usize = (0..town.get_layer_names().unwrap().len())
            .map(|i| town.get_features(i).unwrap().len())
            .sum();
        assert!(features > 0);
        // 0/0 at zoom 1 is the north-west quarter of the world: the town (9.5 E, 47.1 N) is in 1/1/0.
        let far =
            mvt_reader::Reader::new(town_tiles().render(TileId::new(1, 0, 0).unwrap())).unwrap();
        let far_features: usize = (0..far.get_layer_names().unwrap().len())
            .map(|i| far.get_features(i).unwrap().len())
            .sum();
        assert_eq!(far_features, 0);
    }

    #[test]
    fn every_target_has_a_seed_folder() {
        for (name, _) in TARGETS {
            assert!(seeds_dir().join(name).is_dir(), "seeds/{name} is missing");
        }
    }
}
