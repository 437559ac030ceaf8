//! The import workflow: an OSM extract (and optional boundaries and population files) becomes
//! one new GeoPackage, written atomically. Steps: check paths, read (the walkable ways and the
//! basemap go into the new file as they are built), build the city, add people, write the rest.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ingest::boundaries::BoundaryError;
use ingest::osm::{OsmError, OsmImport, OsmOptions, OsmSink, SinkError, Streamed};
use ingest::population::{
    PopulationError, PopulationOptions, PopulationOutcome, RegisterMapping, RegisterOptions,
};
use ingest::remote::{RemoteError, RemoteOptions, is_url};
use ingest::social::{SocialMapping, read_social};
use model::City;
use model::scenario::CandidateSite;
use store::{CityWriter, StoreError};

use crate::Progress;

/// What to import and where to write it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The OpenStreetMap extract (.osm.pbf).
    pub input: PathBuf,
    /// The GeoPackage to write (replaced atomically when the import succeeds).
    pub out: PathBuf,
    /// The OSM admin_level of the neighbourhoods (`None`: the most detailed level that tiles
    /// the extract).
    pub admin_level: Option<u8>,
    /// Neighbourhoods from a vector file of polygons (GeoJSON, GeoPackage, Shapefile,
    /// FlatGeobuf; any supported CRS), or from an `http(s)://` URL of an OGC API Features
    /// collection or a WFS 2.0 feature type, instead of OSM boundaries.
    pub boundaries: Option<PathBuf>,
    /// The boundaries' attribute holding each area's id (`None`: the feature id, an `id`
    /// attribute, the running number).
    pub boundary_id: Option<String>,
    /// The boundaries' attribute holding each area's name (`None`: `name`, `NAME` or `Name`).
    pub boundary_name: Option<String>,
    /// The GeoPackage table holding the boundaries (`None`: the only feature table); for a
    /// WFS URL without `typeNames`, the feature type.
    pub boundary_layer: Option<String>,
    /// The longest wait for one page of a URL input (`None`: 60 s).
    pub url_timeout: Option<std::time::Duration>,
    /// Residents from population files (Zensus grid or age table, CSV or GeoJSON points);
    /// empty: estimated from buildings.
    pub population: Vec<PathBuf>,
    /// Known residents per neighbourhood (CSV `name_or_id,population`) the estimate is scaled to.
    pub population_totals: Option<PathBuf>,
    /// Residents by age per area from the residents' register (a CSV keyed by area id), spread
    /// over each area's residential buildings; wins over the other sources in its areas.
    pub population_register: Option<PathBuf>,
    /// How to read the register: a preset (`berlin-lor`, `long-form`) or a TOML mapping file.
    pub register_mapping: Option<String>,
    /// The city's facility inventory (a vector file), conflated with OSM's facilities.
    pub facilities: Option<PathBuf>,
    /// The TOML mapping from the inventory's attributes to ours (with the conflation settings).
    pub facility_mapping: Option<PathBuf>,
    /// Where to write the conflation record as CSV (needs `facilities`).
    pub conflation_csv: Option<PathBuf>,
    /// Social indicators per area (a CSV keyed by area id), weighed into the need score by the
    /// standard's `[need.social]`.
    pub social: Option<PathBuf>,
    /// The TOML mapping of the social table (id column, indicators, dialect).
    pub social_mapping: Option<PathBuf>,
    /// Drop the scenarios of the file `out` replaces instead of carrying them over.
    pub replace_scenarios: bool,
    /// Licences and credits the user gives for inputs (recorded in `data_sources`).
    pub source_notes: Vec<crate::sources::SourceNote>,
}

/// What an import wrote, for the caller to report.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// The city as written (facilities, neighbourhoods with residents, population, …), without
    /// its walkable ways and basemap: those went into the file as they were read
    /// ([`ImportOutcome::streamed`] counts them).
    pub city: City,
    /// How many walkable ways and basemap features were written.
    pub streamed: StreamedRows,
    /// Objects skipped and why, all of them (the GeoPackage's `import_warnings` holds them too).
    pub warnings: Vec<String>,
    /// The candidate sites for new facilities written to the `candidate_sites` layer.
    pub candidates: Vec<CandidateSite>,
    /// The population: its units, residents per neighbourhood and the summary to show.
    pub population: PopulationOutcome,
    /// The scenarios carried over from the file `out` replaced (or how many were dropped).
    pub carried: store::Carried,
}

/// The rows of the layers an import writes while it reads (not kept in [`ImportOutcome::city`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamedRows {
    /// Rows of the `walk_ways` layer.
    pub walk_ways: usize,
    /// Rows of the `basemap` layer.
    pub basemap: usize,
}

/// Why an import failed. Nothing is written then; an existing `out` file is untouched.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The extract does not exist.
    #[error("{}: no such file (expected an .osm.pbf extract)", .0.display())]
    MissingInput(PathBuf),
    /// The boundaries file does not exist.
    #[error("--boundaries {}: no such file", .0.display())]
    MissingBoundaries(PathBuf),
    /// The register file does not exist.
    #[error("--population-register {}: no such file", .0.display())]
    MissingRegister(PathBuf),
    /// A register without a mapping, or a mapping without a register.
    #[error("--population-register and --register-mapping must be given together")]
    RegisterWithoutMapping,
    /// The social table does not exist.
    #[error("--social {}: no such file", .0.display())]
    MissingSocial(PathBuf),
    /// A social table without a mapping, or a mapping without a table.
    #[error("--social and --social-mapping must be given together")]
    SocialWithoutMapping,
    /// The social table or its mapping could not be read.
    #[error(transparent)]
    Social(#[from] ingest::social::SocialError),
    /// The inventory file does not exist.
    #[error("--facilities {}: no such file", .0.display())]
    MissingFacilities(PathBuf),
    /// An inventory without a mapping, a mapping without an inventory, or a conflation CSV
    /// without an inventory.
    #[error(
        "--facilities and --facility-mapping must be given together (--conflation-csv needs both)"
    )]
    FacilitiesWithoutMapping,
    /// The folder of the conflation CSV does not exist.
    #[error("--conflation-csv {}: folder {} does not exist", csv.display(), folder.display())]
    MissingCsvFolder {
        /// The CSV file.
        csv: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// The inventory or its mapping could not be read.
    #[error(transparent)]
    Inventory(#[from] ingest::inventory::InventoryError),
    /// The conflation CSV could not be written (the GeoPackage was).
    #[error("cannot write --conflation-csv {}: {source}", path.display())]
    ConflationCsv {
        /// The CSV file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The folder of the output file does not exist.
    #[error("--out {}: folder {} does not exist", out.display(), folder.display())]
    MissingOutFolder {
        /// The output file.
        out: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// The output names a folder.
    #[error("--out {}: is a folder, expected a file name", .0.display())]
    OutIsFolder(PathBuf),
    /// A `--licence` or `--attribution` names no input of the import.
    #[error("{flag} {input}=…: names no input of this import (inputs: {})", inputs.join(", "))]
    UnknownSourceNote {
        /// The flag.
        flag: String,
        /// The input it names.
        input: String,
        /// The inputs there are.
        inputs: Vec<String>,
    },
    /// The extract could not be read.
    #[error(transparent)]
    Osm(#[from] OsmError),
    /// The boundaries file could not be read.
    #[error("--boundaries")]
    Boundaries(#[source] BoundaryError),
    /// The boundaries could not be read from their URL.
    #[error("--boundaries")]
    RemoteBoundaries(#[source] RemoteError),
    /// The facility inventory could not be read from its URL.
    #[error("--facilities")]
    RemoteFacilities(#[source] RemoteError),
    /// The population could not be built (a bad population or totals file).
    #[error(transparent)]
    Population(#[from] PopulationError),
    /// The file being replaced holds scenarios that cannot be carried over; nothing is written.
    #[error(
        "--out {}: it holds scenarios that cannot be carried over into the new import; \
         nothing was written (use --replace-scenarios to drop them)",
        out.display()
    )]
    CannotCarry {
        /// The output file.
        out: PathBuf,
        /// Why they cannot be carried over.
        #[source]
        source: StoreError,
    },
    /// The GeoPackage could not be written.
    #[error("cannot write --out {}", out.display())]
    Write {
        /// The output file.
        out: PathBuf,
        /// What the store said.
        #[source]
        source: StoreError,
    },
}

/// Imports a city: checks the paths, reads the extract and the optional boundaries, builds the
/// city, adds its residents and writes the GeoPackage `options.out` atomically, carrying the
/// scenarios of the file it replaces over (see [`store::carry`]) unless
/// [`ImportOptions::replace_scenarios`] is set.
pub fn import_city(
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportOutcome, ImportError> {
    check_paths(options)?;
    // The mappings are checked before the long read of the extract.
    let register = register_options(options)?;
    let social_mapping = match (&options.social, &options.social_mapping) {
        (None, None) => None,
        (Some(_), Some(m)) => Some(SocialMapping::from_file(m)?),
        _ => return Err(ImportError::SocialWithoutMapping),
    };
    // So is the inventory: a bad one fails at once, before anything is written.
    // Web services are asked only for what meets the extract's box (its header's, if any).
    let remote = RemoteOptions {
        page_timeout: options
            .url_timeout
            .unwrap_or(RemoteOptions::default().page_timeout),
        bbox: ingest::osm::header_bbox(&options.input),
        ..RemoteOptions::default()
    };
    let inventory = match (&options.facilities, &options.facility_mapping) {
        (Some(f), Some(m)) => Some(crate::inventory::read_input(f, m, &remote).map_err(
            |e| match e {
                crate::inventory::InputError::Inventory(e) => ImportError::Inventory(e),
                crate::inventory::InputError::Remote(e) => ImportError::RemoteFacilities(e),
            },
        )?),
        _ => None,
    };
    // Read before the long pass over the extract, so that a bad file fails at once.
    let boundary_options = ingest::boundaries::BoundaryOptions {
        id_attribute: options.boundary_id.clone(),
        name_attribute: options.boundary_name.clone(),
        layer: options.boundary_layer.clone(),
    };
    let mut read_as = crate::sources::ReadAs::default();
    // The final URL of every page fetched, for `spielraum_meta`.
    let mut fetched_pages: Vec<String> = Vec::new();
    let boundaries = match &options.boundaries {
        Some(p) => match url_of(p) {
            Some(url) => {
                let remote = RemoteOptions {
                    type_name: options.boundary_layer.clone(),
                    ..remote.clone()
                };
                let (b, retrieval) =
                    ingest::boundaries::read_boundary_url(url, &boundary_options, &remote)
                        .map_err(ImportError::RemoteBoundaries)?;
                read_as.note_url(p, b.format.label(), b.crs, retrieval.retrieved);
                fetched_pages = retrieval.pages;
                Some(b)
            }
            None => {
                let b = ingest::boundaries::read_boundary_file(p, &boundary_options)
                    .map_err(ImportError::Boundaries)?;
                // What the record of sources says of the boundaries file.
                read_as.note(p, b.format.label(), b.crs);
                Some(b)
            }
        },
        None => None,
    };
    if let Some(i) = &inventory {
        match &i.retrieval {
            Some(r) => read_as.note_url(&i.path, &i.inventory.format, i.inventory.crs, r.retrieved),
            None => read_as.note(&i.path, &i.inventory.format, i.inventory.crs),
        }
    }
    let boundaries = boundaries.map(|b| b.neighbourhoods);
    let write_error = |source| match source {
        StoreError::CannotCarry { .. } => ImportError::CannotCarry {
            out: options.out.clone(),
            source,
        },
        source => ImportError::Write {
            out: options.out.clone(),
            source,
        },
    };
    // The file is created when the first rows arrive, once the extract has been read through
    // and found sound.
    let mut sink = FileSink {
        out: &options.out,
        writer: None,
        rows: StreamedRows::default(),
    };
    let mut osm = match read_osm(options, progress, &mut sink) {
        Err(ImportError::Osm(OsmError::Sink(e))) => {
            return Err(match e.downcast::<StoreError>() {
                Ok(source) => write_error(*source),
                Err(e) => ImportError::Osm(OsmError::Sink(e)),
            });
        }
        other => other?,
    };
    let FileSink { writer, rows, .. } = sink;
    let writer = match writer {
        Some(w) => w,
        None => CityWriter::create(&options.out).map_err(write_error)?,
    };
    let candidates = std::mem::take(&mut osm.candidates);
    let (mut city, warnings) = build_city(osm, boundaries);
    if !fetched_pages.is_empty() {
        city.metadata
            .push(("boundaries_pages".into(), fetched_pages.join("\n")));
    }
    let conflation = inventory
        .as_ref()
        .map(|i| crate::inventory::apply(i, &mut city));
    progress.stage("population");
    let mut population = add_population(options, register, &mut city)?;
    if let (Some(file), Some(mapping)) = (&options.social, &social_mapping) {
        // A bad row fails here: the new file is dropped unfinished, `out` is untouched.
        city.social = read_social(file, mapping, &city.neighbourhoods)?;
    }
    for (path, format, crs) in &population.vector_files {
        read_as.note(path, &format!("{} points", format.label()), *crs);
    }
    crate::sources::record(options, &read_as, &mut city);
    progress.finish();
    let mut warnings = warnings;
    if !population.warnings.is_empty() {
        // First: a terminal shows only the first few, and these are about the city's own data.
        warnings.splice(0..0, population.warnings.iter().cloned());
        city.metadata.retain(|(k, _)| k != "import_warnings");
        city.metadata
            .push(("import_warnings".into(), warnings.join("\n")));
    }
    let carry = if options.replace_scenarios {
        store::Carry::Replace
    } else {
        store::Carry::Keep
    };
    let mut writer = writer;
    writer.add_styles(crate::styles::city());
    if let Some(records) = &conflation {
        writer.add_layer(crate::inventory::conflation_layer(records, &city));
    }
    let carried = writer
        .finish(&city, &candidates, carry)
        .map_err(write_error)?;
    if let (Some(records), Some(csv)) = (&conflation, &options.conflation_csv) {
        crate::inventory::write_csv(csv, records, &city).map_err(|source| {
            ImportError::ConflationCsv {
                path: csv.clone(),
                source,
            }
        })?;
    }
    // Copied only now: the writer's memory is given back.
    population.units.clone_from(&city.population);
    Ok(ImportOutcome {
        city,
        streamed: rows,
        warnings,
        candidates,
        population,
        carried,
    })
}

/// The register and its mapping, read and checked (not yet the table itself).
fn register_options(options: &ImportOptions) -> Result<Option<RegisterOptions>, ImportError> {
    match (&options.population_register, &options.register_mapping) {
        (None, None) => Ok(None),
        (Some(file), Some(spec)) => Ok(Some(RegisterOptions {
            file: file.clone(),
            mapping: RegisterMapping::load(spec)?,
        })),
        _ => Err(ImportError::RegisterWithoutMapping),
    }
}

/// The URL an input argument is, if it is one (`http://`, `https://`).
pub(crate) fn url_of(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| is_url(s))
}

/// Fails early on paths that cannot work, before any long reading.
fn check_paths(options: &ImportOptions) -> Result<(), ImportError> {
    if !options.input.is_file() {
        return Err(ImportError::MissingInput(options.input.clone()));
    }
    if let Some(b) = options
        .boundaries
        .as_ref()
        .filter(|b| url_of(b).is_none() && !b.is_file())
    {
        return Err(ImportError::MissingBoundaries(b.clone()));
    }
    if let Some(r) = options
        .population_register
        .as_ref()
        .filter(|r| !r.is_file())
    {
        return Err(ImportError::MissingRegister(r.clone()));
    }
    if let Some(s) = options.social.as_ref().filter(|s| !s.is_file()) {
        return Err(ImportError::MissingSocial(s.clone()));
    }
    match (
        &options.facilities,
        &options.facility_mapping,
        &options.conflation_csv,
    ) {
        (Some(f), Some(_), _) if !f.is_file() && url_of(f).is_none() => {
            return Err(ImportError::MissingFacilities(f.clone()));
        }
        (Some(_), Some(_), _) | (None, None, None) => {}
        _ => return Err(ImportError::FacilitiesWithoutMapping),
    }
    if let Some(csv) = &options.conflation_csv {
        let folder = match csv.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(ImportError::MissingCsvFolder {
                csv: csv.clone(),
                folder: folder.to_path_buf(),
            });
        }
    }
    let folder = match options.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(ImportError::MissingOutFolder {
            out: options.out.clone(),
            folder: folder.to_path_buf(),
        });
    }
    if options.out.is_dir() {
        return Err(ImportError::OutIsFolder(options.out.clone()));
    }
    if let Some((flag, input, inputs)) = crate::sources::unknown_note(options) {
        return Err(ImportError::UnknownSourceNote {
            flag,
            input,
            inputs,
        });
    }
    Ok(())
}

/// Writes the walkable ways and the basemap into the new GeoPackage as they are read.
struct FileSink<'a> {
    out: &'a Path,
    /// Created with the first rows.
    writer: Option<CityWriter>,
    rows: StreamedRows,
}

impl OsmSink for FileSink<'_> {
    fn take(&mut self, batch: &mut Streamed) -> Result<(), SinkError> {
        let writer = match &mut self.writer {
            Some(w) => w,
            None => self.writer.insert(CityWriter::create(self.out)?),
        };
        writer.add_walk_ways(&batch.walk_ways)?;
        writer.add_basemap(&batch.basemap)?;
        self.rows.walk_ways += batch.walk_ways.len();
        self.rows.basemap += batch.basemap.len();
        Ok(())
    }
}

/// Reads the extract into `sink` and a city, telling each of its phases as a stage with a bar.
fn read_osm(
    options: &ImportOptions,
    progress: &dyn Progress,
    sink: &mut dyn OsmSink,
) -> Result<OsmImport, ImportError> {
    progress.stage("reading OSM");
    progress.length(1);
    let phase = Mutex::new(String::new());
    let report = |name: &str, done: u64, total: u64| {
        if let Ok(mut p) = phase.lock()
            && *p != name
        {
            *p = name.to_string();
            progress.stage(name);
        }
        progress.length(total.max(1));
        progress.position(done);
    };
    let opts = OsmOptions {
        admin_level: options.admin_level,
    };
    Ok(ingest::osm::read_osm_into(
        &options.input,
        &opts,
        &report,
        sink,
    )?)
}

/// Combines the inputs into one city, with the warnings to show.
fn build_city(
    osm: OsmImport,
    boundaries: Option<Vec<model::Neighbourhood>>,
) -> (City, Vec<String>) {
    let mut city = osm.city;
    let mut warnings = osm.warnings;
    if let Some(b) = boundaries {
        city.neighbourhoods = b;
        city.metadata.retain(|(k, _)| k != "admin_level");
        city.metadata
            .push(("neighbourhoods_source".into(), "boundaries".into()));
        // What the extract's own boundaries lacked does not matter any more.
        warnings.retain(|w| {
            !w.contains("admin_level") && !w.starts_with("no complete administrative boundaries")
        });
    }
    if !warnings.is_empty() {
        // All of them, one per line, for planners and tests (a terminal shows only the first few).
        city.metadata
            .push(("import_warnings".into(), warnings.join("\n")));
    }
    (city, warnings)
}

/// Residents by age band (from population files, else from buildings; the register wins in
/// its areas), assigned to the neighbourhoods and calibrated to the totals file.
fn add_population(
    options: &ImportOptions,
    register: Option<RegisterOptions>,
    city: &mut City,
) -> Result<PopulationOutcome, ImportError> {
    let population = PopulationOptions {
        files: options.population.clone(),
        totals: options.population_totals.clone(),
        register,
        ..PopulationOptions::default()
    };
    let mut outcome =
        ingest::population::build_population(&population, &city.buildings, &city.neighbourhoods)?;
    for (n, residents) in city
        .neighbourhoods
        .iter_mut()
        .zip(&outcome.neighbourhood_population)
    {
        n.population = Some(*residents);
    }
    // Moved for the write; the outcome gets its copy back afterwards (see import_city).
    city.population = std::mem::take(&mut outcome.units);
    let sources: Vec<&str> = outcome.summary.sources.iter().map(|s| s.as_str()).collect();
    city.metadata
        .push(("population_source".into(), sources.join(",")));
    if let Some(t) = &options.population_totals {
        let name = t
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        city.metadata.push(("population_totals".into(), name));
    }
    if let (Some(r), Some(m)) = (&options.population_register, &options.register_mapping) {
        let name = r
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        city.metadata.push(("population_register".into(), name));
        let mapping = Path::new(m)
            .file_name()
            .map_or_else(|| m.clone(), |n| n.to_string_lossy().into_owned());
        city.metadata.push(("register_mapping".into(), mapping));
    }
    if let Some(r) = &outcome.summary.register
        && !r.split_areas.is_empty()
    {
        // Where a straddling age group was split by years (docs/population.md).
        city.metadata
            .push(("register_split_areas".into(), r.split_areas.join("\n")));
    }
    if outcome.summary.flagged_cells > 0 {
        city.metadata.push((
            "zensus_flagged_cells".into(),
            outcome.summary.flagged_cells.to_string(),
        ));
    }
    Ok(outcome)
}
