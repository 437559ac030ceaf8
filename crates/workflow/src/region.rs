//! Region-wide runs on a batch scheduler: one job per municipality (docs/region.md).
//!
//! Owns the plan folder: [`plan`] imports the whole region once and cuts one small city
//! GeoPackage per municipality (its own homes, and the walking network and facilities within a
//! buffer of twice the largest catchment around them); [`run_job`] computes the walking
//! distances of one job's own homes; [`merge`] puts every home's distances together and
//! computes every indicator region-wide from them, so the result equals one run over the
//! whole region exactly.
//!
//! Where a job's result goes is the [`ResultStore`] seam: [`DirResults`] writes one JSON file
//! per job into `plan/results/`; a database backend would implement the same trait.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use analysis::{Analysis, AnalysisError, Candidate, Reach, Standards};
use geo::BoundingRect;
use model::index::AreaLocator;
use model::{City, PopulationUnit};
use network::{VertexKey, WalkGraph};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::StoreError;

use crate::{ImportError, ImportOptions, Progress};

/// The `format` of `plan.json`.
pub const PLAN_FORMAT: &str = "spielraum-region-plan";
/// The version of the plan folder's layout and files this build reads and writes.
pub const PLAN_VERSION: u32 = 1;
/// The `format` of a job's result file.
pub const RESULT_FORMAT: &str = "spielraum-region-result";
/// Metres added to the buffer beyond twice the largest catchment: covers the conversion of
/// metres to degrees of the cut's bounding box (done on the safe side anyway) and rounding.
pub const BUFFER_MARGIN_M: f64 = 50.0;
/// The environment variables a job index is read from when `--job` is not given, in this
/// order: Slurm job arrays, then Kubernetes Indexed Jobs.
pub const INDEX_VARIABLES: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

/// Why a region step failed; every message is one line naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    /// The region's import failed (its error names the file).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A GeoPackage could not be read or written.
    #[error("{}: {source}", path.display())]
    Store {
        /// The file.
        path: PathBuf,
        /// What the store said.
        #[source]
        source: StoreError,
    },
    /// A file of the plan could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A plan or result file is not what this build writes.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong (field and value).
        reason: String,
    },
    /// The plan folder exists and is not empty.
    #[error("{}: the plan folder is not empty (give an empty or new folder)", path.display())]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// No municipality of the boundaries file lies in the region.
    #[error(
        "{}: no municipality overlaps the region {} (boundaries {}, region {})",
        boundaries.display(), region.display(), bbox_text(boundaries_bbox), bbox_text(region_bbox)
    )]
    NoOverlap {
        /// The boundaries file.
        boundaries: PathBuf,
        /// The region's extract.
        region: PathBuf,
        /// The boundaries' bounding box (west, south, east, north).
        boundaries_bbox: [f64; 4],
        /// The region's bounding box.
        region_bbox: [f64; 4],
    },
    /// A job index beyond the plan's jobs.
    #[error("{}: job {index} does not exist: the plan has {count} jobs (0–{})", plan.display(), count.saturating_sub(1))]
    JobOutOfRange {
        /// The plan folder.
        plan: PathBuf,
        /// The index asked for.
        index: usize,
        /// Jobs in the plan.
        count: usize,
    },
    /// No job index: neither `--job` nor one of [`INDEX_VARIABLES`].
    #[error(
        "no job index: give --job N or set SLURM_ARRAY_TASK_ID (Slurm job array) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job)"
    )]
    NoIndex,
    /// An index variable that is not a number.
    #[error("{variable}='{value}' is not a job index (a whole number from 0)")]
    BadIndex {
        /// The variable.
        variable: String,
        /// Its value.
        value: String,
    },
    /// Merge: results missing.
    #[error("{}: {} of {total} job results missing: jobs {}; run them again (region run --job N)", plan.display(), missing.len(), ranges(missing))]
    Missing {
        /// The plan folder.
        plan: PathBuf,
        /// The jobs without a result.
        missing: Vec<usize>,
        /// Jobs in the plan.
        total: usize,
    },
    /// The walking network or the analysis failed.
    #[error("{}: {source}", path.display())]
    Analysis {
        /// The job's or region's GeoPackage.
        path: PathBuf,
        /// What failed.
        #[source]
        source: AnalysisError,
    },
    /// The standards file could not be read.
    #[error(transparent)]
    Standards(#[from] analysis::StandardsError),
    /// The database that keeps the job results failed.
    #[error(transparent)]
    Database(#[from] pgstore::PgError),
}

fn bbox_text(b: &[f64; 4]) -> String {
    format!("{:.4},{:.4},{:.4},{:.4}", b[0], b[1], b[2], b[3])
}

/// `0–3, 7, 9–10` for a sorted list of indices.
fn ranges(list: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let mut j = i;
        while j + 1 < list.len() && list[j + 1] == list[j] + 1 {
            j += 1;
        }
        out.push(if j > i {
            format!("{}–{}", list[i], list[j])
        } else {
            list[i].to_string()
        });
        i = j + 1;
    }
    out.join(", ")
}

/// `plan.json`: what the plan was made from and its jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// Identifies this plan: SHA-256 of the region file's checksum, the standard and the job
    /// list; every result names it.
    pub plan_id: String,
    /// The region's extract as given.
    pub region_file: String,
    /// SHA-256 of the region's extract (hex).
    pub region_sha256: String,
    /// The municipalities file as given.
    pub boundaries_file: String,
    /// The standard's short name.
    pub standard: String,
    /// The standard's TOML, as read (`None`: the shipped DIN 18034); jobs and merge read it from
    /// here, so they cannot use another.
    pub standards_toml: Option<String>,
    /// The largest catchment of the standard, metres.
    pub max_catchment_m: f64,
    /// The buffer around each job's homes the job's network and facilities are cut to, metres
    /// (2 × `max_catchment_m` + [`BUFFER_MARGIN_M`]).
    pub buffer_m: f64,
    /// The whole region's GeoPackage (an ordinary import), relative to the plan folder.
    pub region_gpkg: String,
    /// Population units of the region.
    pub units: usize,
    /// Facilities of the region.
    pub facilities: usize,
    /// One job per municipality, in the order of the boundaries (= the region's neighbourhoods).
    pub jobs: Vec<JobEntry>,
}

/// One job of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEntry {
    /// The job index (0…).
    pub index: usize,
    /// The municipality's id.
    pub id: String,
    /// The municipality's name.
    pub name: String,
    /// The municipality's bounding box (west, south, east, north), WGS84.
    pub bbox: [f64; 4],
    /// The job's own population units (its municipality's, plus unassigned ones nearest to it).
    pub units: usize,
    /// The box the job's input was cut to (own homes' box plus the buffer).
    pub cut_bbox: Option<[f64; 4]>,
    /// The job's folder, relative to the plan folder (`jobs/0007`).
    pub dir: String,
}

/// `jobs/NNNN/job.json`: how the job's city relates to the region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobInput {
    /// The plan's id.
    pub plan_id: String,
    /// The job index.
    pub index: usize,
    /// For each population unit of the job's city (all its own), its index in the region.
    pub units: Vec<usize>,
    /// For each facility of the job's city, its index in the region.
    pub facilities: Vec<usize>,
    /// Their OSM ids (`n123`, `w45`), checked when the job reads its city.
    pub facility_ids: Vec<String>,
    /// The region graph's vertices outside its largest component among the job's ways
    /// ([`WalkGraph::build_without`] drops them).
    /// (node id, sector), the sector `None` for a plain node ([`VertexKey`]).
    pub dropped_vertices: Vec<(i64, Option<u32>)>,
}

fn key_to_pair(k: VertexKey) -> (i64, Option<u32>) {
    match k {
        VertexKey::Node(id) => (id, None),
        VertexKey::Sector(id, s) => (id, Some(s)),
    }
}

fn pair_to_key((id, s): (i64, Option<u32>)) -> VertexKey {
    match s {
        None => VertexKey::Node(id),
        Some(s) => VertexKey::Sector(id, s),
    }
}

/// One job's walking distances: per own home, every candidate facility within the largest
/// catchment (region facility index, distance as the bits of the `f64`, exact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// Always [`RESULT_FORMAT`].
    pub format: String,
    /// The plan's id.
    pub plan_id: String,
    /// The job index.
    pub index: usize,
    /// Region indices of the job's homes.
    pub units: Vec<usize>,
    /// Per home (same order), `[region facility index, f64::to_bits(distance_m)]`.
    pub reach: Vec<Vec<(usize, u64)>>,
}

/// Where job results are kept: the seam for another backend (a database) beside the plan
/// folder's files.
pub trait ResultStore {
    /// Stores job `result` whole or not at all.
    fn put(&self, result: &JobResult) -> Result<(), RegionError>;
    /// The result of job `index`, if it is there (of any plan: the caller checks the id).
    fn get(&self, index: usize) -> Result<Option<JobResult>, RegionError>;
    /// Where the result of job `index` is kept, for messages.
    fn describe(&self, index: usize) -> String;
}

/// Results as `plan/results/NNNN.json`, each written to a temporary file and renamed into place
/// (a killed job leaves no half result).
pub struct DirResults {
    /// The `results` folder.
    pub dir: PathBuf,
}

impl DirResults {
    /// The results folder of `plan_dir`.
    pub fn of(plan_dir: &Path) -> DirResults {
        DirResults {
            dir: plan_dir.join("results"),
        }
    }

    /// The file of job `index`.
    pub fn path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("{index:04}.json"))
    }
}

impl ResultStore for DirResults {
    fn describe(&self, index: usize) -> String {
        self.path(index).display().to_string()
    }

    fn put(&self, result: &JobResult) -> Result<(), RegionError> {
        let path = self.path(result.index);
        let io = |source| RegionError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let tmp = self.dir.join(format!(
            ".{:04}.json.{}.tmp",
            result.index,
            std::process::id()
        ));
        let text = serde_json::to_vec(result).map_err(|e| RegionError::Format {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    fn get(&self, index: usize) -> Result<Option<JobResult>, RegionError> {
        let path = self.path(index);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| RegionError::Format {
                        path,
                        reason: format!("not a job result: {e}"),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(RegionError::Io { path, source }),
        }
    }
}

/// What `region plan` needs beyond the import's options.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The import of the whole region: `input` is the region's extract, `boundaries` the
    /// municipalities; `out` is ignored (the plan folder's `region.gpkg`).
    pub import: ImportOptions,
    /// The standard's file (`None`: the shipped DIN 18034).
    pub standards: Option<PathBuf>,
    /// The plan folder (created; must be missing or empty).
    pub out: PathBuf,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> RegionError + '_ {
    move |source| RegionError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn store_err(path: &Path) -> impl Fn(StoreError) -> RegionError + '_ {
    move |source| RegionError::Store {
        path: path.to_path_buf(),
        source,
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, RegionError> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The standard of a plan (its TOML, or the shipped default).
pub fn plan_standards(plan: &Plan) -> Result<Standards, RegionError> {
    Ok(match &plan.standards_toml {
        Some(text) => Standards::from_toml_str(text, "plan.json standards_toml")?,
        None => Standards::default_din18034(),
    })
}

/// A bounding box (west, south, east, north) grown by `m` metres on every side, on the safe
/// side: a degree of latitude counted as 111 000 m (it is ≥ 110 574 m), a degree of longitude
/// at the box's latitude farthest from the equator.
pub fn grow_bbox(b: [f64; 4], m: f64) -> [f64; 4] {
    let dlat = m / 110_000.0;
    let lat = (b[1] - dlat).abs().max((b[3] + dlat).abs()).min(89.0);
    let dlon = m / (110_000.0 * lat.to_radians().cos());
    [b[0] - dlon, b[1] - dlat, b[2] + dlon, b[3] + dlat]
}

fn intersects(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn bbox_of_points(points: impl Iterator<Item = (f64, f64)>) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for (x, y) in points {
        b = Some(match b {
            None => [x, y, x, y],
            Some(b) => [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)],
        });
    }
    b
}

fn rect_of(g: &impl BoundingRect<f64>) -> Option<[f64; 4]> {
    let r: Option<geo_types::Rect<f64>> = g.bounding_rect().into();
    r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Distance in degrees (scaled) between a point and a box; 0 inside. For picking the nearest
/// municipality of a unit outside every one.
fn box_distance(b: &[f64; 4], p: (f64, f64)) -> f64 {
    let k = p.1.to_radians().cos();
    let dx = (b[0] - p.0).max(0.0).max(p.0 - b[2]) * k;
    let dy = (b[1] - p.1).max(0.0).max(p.1 - b[3]);
    dx.hypot(dy)
}

/// Which job each population unit belongs to: the municipality containing it (as the analysis
/// assigns units to neighbourhoods), else the one whose box is nearest.
pub fn assign_units(city: &City) -> Vec<usize> {
    let locator = AreaLocator::new(city.neighbourhoods.iter().map(|n| &n.geometry));
    let boxes: Vec<[f64; 4]> = city
        .neighbourhoods
        .iter()
        .map(|n| rect_of(&n.geometry).unwrap_or([0.0; 4]))
        .collect();
    city.population
        .iter()
        .map(|u| {
            locator.locate(u.location).unwrap_or_else(|| {
                let p = (u.location.x(), u.location.y());
                (0..boxes.len())
                    .min_by(|a, b| {
                        box_distance(&boxes[*a], p).total_cmp(&box_distance(&boxes[*b], p))
                    })
                    .unwrap_or(0)
            })
        })
        .collect()
}

/// Makes a plan: imports the whole region into `out/region.gpkg` (an ordinary import with the
/// municipalities as neighbourhoods), then writes one job per municipality: `jobs/NNNN/city.gpkg`
/// (the job's own homes; ways, crossing nodes and facilities within the buffer) and
/// `jobs/NNNN/job.json`, and last `plan.json`.
pub fn plan(options: &PlanOptions, progress: &dyn Progress) -> Result<Plan, RegionError> {
    let out = &options.out;
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(io_err(out))?;
        if entries.next().is_some() {
            return Err(RegionError::NotEmpty { path: out.clone() });
        }
    }
    let standards_toml = match &options.standards {
        Some(p) => Some(std::fs::read_to_string(p).map_err(io_err(p))?),
        None => None,
    };
    let standards = match (&standards_toml, &options.standards) {
        (Some(text), Some(p)) => Standards::from_toml_str(text, &p.display().to_string())?,
        _ => Standards::default_din18034(),
    };
    let boundaries = options
        .import
        .boundaries
        .clone()
        .ok_or_else(|| RegionError::Format {
            path: options.import.input.clone(),
            reason: "a region plan needs --boundaries (the municipalities)".into(),
        })?;
    // A boundaries file beside the region fails before the long import.
    if crate::import::url_of(&boundaries).is_none() {
        let b = ingest::boundaries::read_boundary_file(
            &boundaries,
            &ingest::boundaries::BoundaryOptions {
                id_attribute: options.import.boundary_id.clone(),
                name_attribute: options.import.boundary_name.clone(),
                layer: options.import.boundary_layer.clone(),
            },
        )
        .map_err(ImportError::Boundaries)?;
        let bb = bbox_of_points(
            b.neighbourhoods
                .iter()
                .filter_map(|n| rect_of(&n.geometry))
                .flat_map(|r| [(r[0], r[1]), (r[2], r[3])]),
        );
        if let (Some(bb), Some(rb)) = (bb, ingest::osm::header_bbox(&options.import.input))
            && !intersects(&bb, &rb)
        {
            return Err(RegionError::NoOverlap {
                boundaries: boundaries.clone(),
                region: options.import.input.clone(),
                boundaries_bbox: bb,
                region_bbox: rb,
            });
        }
    }
    // Made in a hidden folder beside `out` and renamed into place when complete: a failed plan
    // leaves nothing (and an existing empty `out` as it was).
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    let building = parent.join(format!(".{name}.spielraum-plan-{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    std::fs::create_dir_all(&building).map_err(io_err(&building))?;
    let made = plan_into(
        options,
        &standards,
        standards_toml,
        boundaries,
        &building,
        progress,
    )
    .and_then(|plan| {
        if out.exists() {
            std::fs::remove_dir(out).map_err(io_err(out))?;
        }
        std::fs::rename(&building, out).map_err(io_err(out))?;
        Ok(plan)
    });
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    made
}

/// [`plan`]'s work, into the folder `out`.
fn plan_into(
    options: &PlanOptions,
    standards: &Standards,
    standards_toml: Option<String>,
    boundaries: PathBuf,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Plan, RegionError> {
    let region_gpkg = out.join("region.gpkg");
    let import = ImportOptions {
        out: region_gpkg.clone(),
        ..options.import.clone()
    };
    crate::import_city(&import, progress)?;
    progress.stage("checksum of the region");
    let region_sha256 = sha256_file(&options.import.input)?;
    progress.stage("reading the region");
    let city = store::read_city_for_analysis(&region_gpkg).map_err(store_err(&region_gpkg))?;
    progress.stage("region walking network");
    let profile = analysis::network_profile(standards);
    let (_, dropped) =
        WalkGraph::build_reporting_dropped(&city.walk_ways, &city.tagged_nodes, profile).map_err(
            |e| RegionError::Analysis {
                path: region_gpkg.clone(),
                source: AnalysisError::Network(e.to_string()),
            },
        )?;
    let mut dropped_by_node: HashMap<i64, Vec<VertexKey>> = HashMap::new();
    for (k, _) in dropped {
        dropped_by_node.entry(k.node()).or_default().push(k);
    }
    let owner = assign_units(&city);
    let locator = AreaLocator::new(city.neighbourhoods.iter().map(|n| &n.geometry));
    if !city.population.is_empty()
        && city
            .population
            .iter()
            .all(|u| locator.locate(u.location).is_none())
    {
        let bb = bbox_of_points(
            city.neighbourhoods
                .iter()
                .filter_map(|n| rect_of(&n.geometry))
                .flat_map(|r| [(r[0], r[1]), (r[2], r[3])]),
        );
        let rb = bbox_of_points(
            city.population
                .iter()
                .map(|u| (u.location.x(), u.location.y())),
        );
        return Err(RegionError::NoOverlap {
            boundaries,
            region: options.import.input.clone(),
            boundaries_bbox: bb.unwrap_or([0.0; 4]),
            region_bbox: rb.unwrap_or([0.0; 4]),
        });
    }
    let buffer_m = 2.0 * standards.max_catchment_m() + BUFFER_MARGIN_M;
    // The ways' and facilities' boxes in R-trees: a cut costs what it holds, not the region.
    let way_tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        city.walk_ways
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                bbox_of_points(w.coords.iter().map(|c| (c.x, c.y))).map(|b| {
                    GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i)
                })
            })
            .collect(),
    );
    let facility_tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        city.facilities
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                rect_of(&f.geometry).map(|b| {
                    GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i)
                })
            })
            .collect(),
    );
    let mut own_units: Vec<Vec<usize>> = vec![Vec::new(); city.neighbourhoods.len()];
    for (u, j) in owner.iter().enumerate() {
        own_units[*j].push(u);
    }

    let mut jobs = Vec::new();
    let mut inputs = Vec::new();
    for (j, n) in city.neighbourhoods.iter().enumerate() {
        progress.stage(&format!("job {j}: {}", n.name));
        let own: Vec<usize> = (0..city.population.len())
            .filter(|u| owner[*u] == j)
            .collect();
        let homes = bbox_of_points(own.iter().map(|u| {
            let p = city.population[*u].location;
            (p.x(), p.y())
        }));
        let cut = homes.map(|b| grow_bbox(b, buffer_m));
        let mut job_city = City {
            neighbourhoods: vec![n.clone()],
            population: own.iter().map(|u| city.population[*u].clone()).collect(),
            metadata: city.metadata.clone(),
            sources: city.sources.clone(),
            ..City::default()
        };
        let mut facilities = Vec::new();
        let mut dropped_vertices = Vec::new();
        if let Some(cut) = &cut {
            let mut nodes: HashSet<i64> = HashSet::new();
            let env = AABB::from_corners([cut[0], cut[1]], [cut[2], cut[3]]);
            let mut ways: Vec<usize> = way_tree
                .locate_in_envelope_intersecting(&env)
                .map(|e| e.data)
                .collect();
            ways.sort_unstable();
            for w in ways.into_iter().map(|i| &city.walk_ways[i]) {
                let touches = w.coords.len() == 1
                    || w.coords.windows(2).any(|c| {
                        let b = [
                            c[0].x.min(c[1].x),
                            c[0].y.min(c[1].y),
                            c[0].x.max(c[1].x),
                            c[0].y.max(c[1].y),
                        ];
                        intersects(&b, cut)
                    });
                if touches {
                    nodes.extend(w.nodes.iter().copied());
                    job_city.walk_ways.push(w.clone());
                }
            }
            job_city.tagged_nodes = city
                .tagged_nodes
                .iter()
                .filter(|t| nodes.contains(&t.id))
                .cloned()
                .collect();
            let mut ids: Vec<i64> = nodes.into_iter().collect();
            ids.sort_unstable();
            for id in ids {
                if let Some(keys) = dropped_by_node.get(&id) {
                    dropped_vertices.extend(keys.iter().copied().map(key_to_pair));
                }
            }
            facilities = facility_tree
                .locate_in_envelope_intersecting(&env)
                .map(|e| e.data)
                .collect();
            facilities.sort_unstable();
            job_city.facilities = facilities
                .iter()
                .map(|i| city.facilities[*i].clone())
                .collect();
        }
        let dir = format!("jobs/{j:04}");
        let path = out.join(&dir);
        std::fs::create_dir_all(&path).map_err(io_err(&path))?;
        let gpkg = path.join("city.gpkg");
        store::write_city(&gpkg, &job_city).map_err(store_err(&gpkg))?;
        jobs.push(JobEntry {
            index: j,
            id: n.id.clone(),
            name: n.name.clone(),
            bbox: rect_of(&n.geometry).unwrap_or([0.0; 4]),
            units: own.len(),
            cut_bbox: cut,
            dir,
        });
        inputs.push(JobInput {
            plan_id: String::new(),
            index: j,
            units: own,
            facility_ids: job_city
                .facilities
                .iter()
                .map(|f| f.osm_id.to_string())
                .collect(),
            facilities,
            dropped_vertices,
        });
    }
    let mut plan = Plan {
        format: PLAN_FORMAT.into(),
        version: PLAN_VERSION,
        plan_id: String::new(),
        region_file: options.import.input.display().to_string(),
        region_sha256,
        boundaries_file: boundaries.display().to_string(),
        standard: standards.name.clone(),
        standards_toml,
        max_catchment_m: standards.max_catchment_m(),
        buffer_m,
        region_gpkg: "region.gpkg".into(),
        units: city.population.len(),
        facilities: city.facilities.len(),
        jobs,
    };
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&plan).unwrap_or_default());
    hasher.update(sha256_file(&region_gpkg)?.as_bytes());
    plan.plan_id = hex(&hasher.finalize());
    for mut input in inputs {
        input.plan_id = plan.plan_id.clone();
        let path = out.join(&plan.jobs[input.index].dir).join("job.json");
        write_json(&path, &input)?;
    }
    // plan.json last: a folder without it is no plan.
    write_json(&out.join("plan.json"), &plan)?;
    progress.finish();
    Ok(plan)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), RegionError> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| RegionError::Format {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(io_err(path))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path, what: &str) -> Result<T, RegionError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    serde_json::from_slice(&bytes).map_err(|e| RegionError::Format {
        path: path.to_path_buf(),
        reason: format!("not a {what}: {e}"),
    })
}

/// Reads `plan_dir/plan.json` and checks its format and version.
pub fn read_plan(plan_dir: &Path) -> Result<Plan, RegionError> {
    let path = plan_dir.join("plan.json");
    if !path.is_file() {
        return Err(RegionError::Format {
            path,
            reason: "missing: not a plan folder (make one with spielraum region plan)".into(),
        });
    }
    let plan: Plan = read_json(&path, "region plan")?;
    if plan.format != PLAN_FORMAT || plan.version != PLAN_VERSION {
        return Err(RegionError::Format {
            path,
            reason: format!(
                "format '{}' version {}: this spielraum reads '{PLAN_FORMAT}' version {PLAN_VERSION}",
                plan.format, plan.version
            ),
        });
    }
    Ok(plan)
}

/// The job index: `explicit` (`--job`) if given, else the first of [`INDEX_VARIABLES`] that is
/// set (as `lookup` gives it: `std::env::var` in the binary).
pub fn job_index(
    explicit: Option<usize>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<usize, RegionError> {
    if let Some(i) = explicit {
        return Ok(i);
    }
    for v in INDEX_VARIABLES {
        if let Some(value) = lookup(v) {
            return value.trim().parse().map_err(|_| RegionError::BadIndex {
                variable: v.into(),
                value,
            });
        }
    }
    Err(RegionError::NoIndex)
}

/// What a job did.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// The job index.
    pub index: usize,
    /// The municipality's name.
    pub name: String,
    /// Homes whose distances were computed.
    pub units: usize,
    /// Facilities in the job's cut.
    pub facilities: usize,
    /// Where the result went.
    pub result: String,
}

/// Runs job `index` of the plan in `plan_dir`: builds the walking graph of the job's cut
/// (without the region's dropped vertices), computes every own home's walking distances to
/// the candidate facilities within the largest catchment and stores them in `results`.
pub fn run_job(
    plan_dir: &Path,
    index: usize,
    results: &dyn ResultStore,
    progress: &dyn Progress,
) -> Result<JobOutcome, RegionError> {
    let plan = read_plan(plan_dir)?;
    let Some(entry) = plan.jobs.get(index) else {
        return Err(RegionError::JobOutOfRange {
            plan: plan_dir.to_path_buf(),
            index,
            count: plan.jobs.len(),
        });
    };
    let standards = plan_standards(&plan)?;
    let dir = plan_dir.join(&entry.dir);
    let input_path = dir.join("job.json");
    let input: JobInput = read_json(&input_path, "job input")?;
    if input.plan_id != plan.plan_id || input.index != index {
        return Err(RegionError::Format {
            path: input_path,
            reason: format!(
                "plan_id/index {}/{} do not match plan.json ({}/{index})",
                input.plan_id, input.index, plan.plan_id
            ),
        });
    }
    let gpkg = dir.join("city.gpkg");
    progress.stage("reading the job's city");
    let city = store::read_city_for_analysis(&gpkg).map_err(store_err(&gpkg))?;
    if city.population.len() != input.units.len()
        || city.facilities.len() != input.facilities.len()
        || input.facility_ids.len() != input.facilities.len()
    {
        return Err(RegionError::Format {
            path: gpkg,
            reason: format!(
                "{} homes and {} facilities, job.json lists {} and {}",
                city.population.len(),
                city.facilities.len(),
                input.units.len(),
                input.facilities.len()
            ),
        });
    }
    if let Some((i, f)) = city
        .facilities
        .iter()
        .enumerate()
        .find(|(i, f)| f.osm_id.to_string() != input.facility_ids[*i])
    {
        return Err(RegionError::Format {
            path: gpkg,
            reason: format!(
                "facility {i} is {}, job.json lists {}",
                f.osm_id, input.facility_ids[i]
            ),
        });
    }
    let reach: Reach = if city.population.is_empty() {
        Vec::new()
    } else {
        progress.stage("walking network");
        let dropped: HashSet<VertexKey> = input
            .dropped_vertices
            .iter()
            .copied()
            .map(pair_to_key)
            .collect();
        let graph = WalkGraph::build_without(
            &city.walk_ways,
            &city.tagged_nodes,
            analysis::network_profile(&standards),
            &dropped,
        );
        match graph {
            Ok(graph) => {
                progress.stage("walking distances");
                analysis::compute_reach(&city, &graph, &standards)
            }
            // No walkable way near the homes: they reach nothing on foot, as in the region
            // (only a facility containing a home would count; see docs/region.md).
            Err(network::NetworkError::Empty) => contained_only(&city, &standards),
            Err(e) => {
                return Err(RegionError::Analysis {
                    path: gpkg,
                    source: AnalysisError::Network(e.to_string()),
                });
            }
        }
    };
    let result = JobResult {
        format: RESULT_FORMAT.into(),
        plan_id: plan.plan_id.clone(),
        index,
        units: input.units.clone(),
        reach: reach
            .iter()
            .map(|list| {
                list.iter()
                    .map(|c| (input.facilities[c.facility], c.distance_m.to_bits()))
                    .collect()
            })
            .collect(),
    };
    results.put(&result)?;
    progress.finish();
    Ok(JobOutcome {
        index,
        name: entry.name.clone(),
        units: input.units.len(),
        facilities: input.facilities.len(),
        result: results.describe(index),
    })
}

/// Without any walkable way: the only reach is standing inside a candidate facility (distance
/// 0), as the region's search gives it for such homes.
fn contained_only(city: &City, standards: &Standards) -> Reach {
    use geo::Intersects;
    city.population
        .iter()
        .map(|u: &PopulationUnit| {
            city.facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_public() && standards.counts_for_any_band(f.kind))
                .filter(|(_, f)| network::area_of(f).is_some_and(|a| a.intersects(&u.location)))
                .map(|(i, _)| Candidate {
                    facility: i,
                    distance_m: 0.0,
                })
                .collect()
        })
        .collect()
}

/// The merged region: the whole region's city, its reach put together from the jobs, and the
/// analysis computed from them.
#[derive(Debug)]
pub struct Merged {
    /// The plan.
    pub plan: Plan,
    /// The region's city as the analysis reads it.
    pub city: City,
    /// Every home's candidates, as one run over the region computes them.
    pub reach: Reach,
    /// The analysis.
    pub analysis: Analysis,
    /// The GeoPackage written (the region with the result layers).
    pub gpkg: PathBuf,
}

/// Checks that every job's result is there and belongs to the plan, puts the homes' distances
/// together, computes every indicator region-wide from them (2SFCA ratios, need ranks, gap areas)
/// and writes `gpkg_out`: a copy of the region's GeoPackage with the analysis' result layers and
/// the layer `home_distances`. Nothing is written when a result is missing or foreign.
pub fn merge(
    plan_dir: &Path,
    results: &dyn ResultStore,
    gpkg_out: &Path,
    progress: &dyn Progress,
) -> Result<Merged, RegionError> {
    let plan = read_plan(plan_dir)?;
    progress.stage("checking job results");
    let mut found = Vec::with_capacity(plan.jobs.len());
    let mut missing = Vec::new();
    for job in &plan.jobs {
        match results.get(job.index)? {
            Some(r) => found.push(r),
            None => missing.push(job.index),
        }
    }
    if !missing.is_empty() {
        return Err(RegionError::Missing {
            plan: plan_dir.to_path_buf(),
            missing,
            total: plan.jobs.len(),
        });
    }
    for (job, r) in plan.jobs.iter().zip(&found) {
        let reason = if r.format != RESULT_FORMAT {
            Some(format!("format '{}' is not '{RESULT_FORMAT}'", r.format))
        } else if r.plan_id != plan.plan_id {
            Some(format!(
                "plan_id {} is not this plan's ({}): the result of another plan; run job {} again",
                r.plan_id, plan.plan_id, r.index
            ))
        } else if r.index != job.index {
            Some(format!(
                "index {} is not {}: the result of another job",
                r.index, job.index
            ))
        } else if r.reach.len() != r.units.len() {
            Some(format!(
                "{} homes but {} reach lists",
                r.units.len(),
                r.reach.len()
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(RegionError::Format {
                path: DirResults::of(plan_dir).path(job.index),
                reason,
            });
        }
    }
    let standards = plan_standards(&plan)?;
    let region = plan_dir.join(&plan.region_gpkg);
    progress.stage("reading the region");
    let city = store::read_city_for_analysis(&region).map_err(store_err(&region))?;
    let mut reach: Vec<Option<Vec<Candidate>>> = vec![None; city.population.len()];
    let nf = city.facilities.len();
    for r in found {
        let path = DirResults::of(plan_dir).path(r.index);
        for (u, list) in r.units.into_iter().zip(r.reach) {
            let bad = |reason: String| RegionError::Format {
                path: path.clone(),
                reason,
            };
            let slot = reach
                .get_mut(u)
                .ok_or_else(|| bad(format!("home {u} beyond the region's {}", plan.units)))?;
            if slot.is_some() {
                return Err(bad(format!("home {u} is in two jobs' results")));
            }
            let mut cands = Vec::with_capacity(list.len());
            for (f, bits) in list {
                if f >= nf {
                    return Err(bad(format!("facility {f} beyond the region's {nf}")));
                }
                cands.push(Candidate {
                    facility: f,
                    distance_m: f64::from_bits(bits),
                });
            }
            // The order of one region-wide run (compute_reach_from).
            cands.sort_by(|a, b| {
                a.distance_m
                    .total_cmp(&b.distance_m)
                    .then(a.facility.cmp(&b.facility))
            });
            *slot = Some(cands);
        }
    }
    if let Some(u) = reach.iter().position(Option::is_none) {
        return Err(RegionError::Format {
            path: plan_dir.join("plan.json"),
            reason: format!("home {u} of the region is in no job's result"),
        });
    }
    let reach: Reach = reach.into_iter().map(Option::unwrap_or_default).collect();
    progress.stage("indicators");
    let analysis = analysis::analyze_reach(&city, &standards, &reach).map_err(|source| {
        RegionError::Analysis {
            path: region.clone(),
            source,
        }
    })?;
    progress.stage("writing the region's GeoPackage");
    let parent = gpkg_out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    let tmp = parent.join(format!(".spielraum-merge-{}.gpkg.tmp", std::process::id()));
    let written = (|| {
        std::fs::copy(&region, &tmp).map_err(io_err(&tmp))?;
        crate::write_results(&tmp, &analysis).map_err(|e| RegionError::Format {
            path: gpkg_out.to_path_buf(),
            reason: e.to_string(),
        })?;
        store::write_layer(&tmp, &home_layer(&city, &standards, &reach))
            .map_err(store_err(gpkg_out))?;
        std::fs::rename(&tmp, gpkg_out).map_err(io_err(gpkg_out))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    progress.finish();
    Ok(Merged {
        plan,
        city,
        reach,
        analysis,
        gpkg: gpkg_out.to_path_buf(),
    })
}

/// The kinds some band of the standard counts, in a fixed order.
pub fn candidate_kinds(standards: &Standards) -> Vec<model::FacilityKind> {
    model::FacilityKind::ALL
        .iter()
        .copied()
        .filter(|k| standards.counts_for_any_band(*k))
        .collect()
}

/// The layer `home_distances`: per home (point), its region index, the job that computed it,
/// and the walking distance to the nearest public facility of each kind the standard counts,
/// within the largest catchment (empty beyond).
pub fn home_layer(city: &City, standards: &Standards, reach: &Reach) -> store::Layer {
    use store::{Column, ColumnType, Feature, GeometryType, Layer, Value};
    let kinds = candidate_kinds(standards);
    let owner = assign_units(city);
    let mut columns = vec![
        Column::new("unit", ColumnType::Integer),
        Column::new("job", ColumnType::Integer),
        Column::new("children", ColumnType::Real),
    ];
    for k in &kinds {
        columns.push(Column::new(&format!("{}_m", k.as_str()), ColumnType::Real));
    }
    let features = city
        .population
        .iter()
        .zip(reach)
        .enumerate()
        .map(|(i, (u, list))| {
            let mut values = vec![
                Value::Integer(i as i64),
                Value::Integer(owner[i] as i64),
                Value::Real(u.ages.iter().sum()),
            ];
            for k in &kinds {
                let d = list
                    .iter()
                    .filter(|c| city.facilities[c.facility].kind == *k)
                    .map(|c| c.distance_m)
                    .min_by(f64::total_cmp);
                values.push(d.map_or(Value::Null, Value::Real));
            }
            Feature {
                geometry: Some(u.location.into()),
                values,
            }
        })
        .collect();
    Layer {
        name: "home_distances".into(),
        geometry_type: Some(GeometryType::Point),
        columns,
        features,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_index_comes_from_the_flag_then_slurm_then_kubernetes() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let both = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(job_index(Some(7), &both).unwrap(), 7);
        assert_eq!(job_index(None, &both).unwrap(), 3);
        assert_eq!(
            job_index(None, &env(&[("JOB_COMPLETION_INDEX", "5")])).unwrap(),
            5
        );
        assert!(matches!(
            job_index(None, &env(&[])),
            Err(RegionError::NoIndex)
        ));
        let bad = job_index(None, &env(&[("SLURM_ARRAY_TASK_ID", "x")])).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "SLURM_ARRAY_TASK_ID='x' is not a job index (a whole number from 0)"
        );
    }

    #[test]
    fn missing_jobs_are_named_as_ranges() {
        assert_eq!(ranges(&[0, 1, 3, 5, 6, 7, 8, 9, 10]), "0–1, 3, 5–10");
        assert_eq!(ranges(&[4]), "4");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn a_grown_box_is_at_least_the_distance_away_on_every_side() {
        // Checked with great-circle distances (model::geodesy), at the equator, in Germany and
        // near the Arctic circle.
        for lat in [0.0, 47.1, 54.9, 66.0] {
            let b = [9.5, lat, 9.6, lat + 0.1];
            let g = grow_bbox(b, 2050.0);
            let d = |x0: f64, y0: f64, x1: f64, y1: f64| {
                model::geodesy::distance_m(
                    geo_types::Coord { x: x0, y: y0 },
                    geo_types::Coord { x: x1, y: y1 },
                )
            };
            assert!(d(b[0], b[1], b[0], g[1]) >= 2050.0);
            assert!(d(b[0], b[3], b[0], g[3]) >= 2050.0);
            // East and west, at the box's latitudes farthest from the equator (where a degree
            // of longitude is shortest).
            for y in [g[1], g[3]] {
                assert!(
                    d(b[0], y, g[0], y) >= 2050.0,
                    "lat {lat}: {}",
                    d(b[0], y, g[0], y)
                );
                assert!(d(b[2], y, g[2], y) >= 2050.0);
            }
            // Not wastefully large: within 2 % of the distance.
            assert!(d(b[0], b[1], b[0], g[1]) < 2050.0 * 1.02);
        }
    }
}
