//! Where children live: population units by age band from Zensus grids, point files or buildings.
//!
//! Owns reading `--population` files, the register table per area, the building-based
//! estimate, assignment to neighbourhoods and calibration.
//!
//! The usual flow (what [`build_population`] does):
//! 1. [`read_population_file`] for each `--population FILE` (kind recognised from the header),
//!    then [`combine_population_files`]; without files, [`estimate_from_buildings`];
//! 2. [`assign`] the units to neighbourhoods (centre in polygon);
//! 3. with `--population-register`, [`read_register`] and [`disaggregate`]: the register's
//!    units replace the others in every area it has a row for (the register wins);
//! 4. with `--population-totals`, [`read_totals`] and [`calibrate`];
//! 5. print the [`PopulationSummary`].

mod buildings;
mod calibrate;
mod disaggregate;
pub mod laea;
pub mod number;
mod points;
pub mod register;
mod summary;
mod zensus;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use model::{Building, Neighbourhood, PopulationSource, PopulationUnit};

pub use buildings::{BuildingRules, estimate_from_buildings};
pub use calibrate::{
    Assignment, BandTotals, CalibrationReport, CalibrationRow, OfficialTotal, OfficialTotals,
    assign, calibrate, read_totals,
};
pub use disaggregate::{Disaggregated, building_weight, disaggregate};
pub use points::{PointRecord, PointsFile};
pub use register::{RegisterArea, RegisterMapping, RegisterTable, read_register};
pub use summary::{NeighbourhoodRow, PopulationSummary, RegisterSummary};
pub use zensus::{AgeTableKind, CellKey, GridCell, ZensusAgeTable, ZensusGrid, split_into_bands};

/// An error in a population, totals or points file; names the file and, where there is one, the line
/// (counted from the file's first line, header = 1).
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    /// The file could not be opened or read.
    #[error("{file}: {source}", file = .file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The header is not one of the known population file kinds.
    #[error(
        "{file}:1: not a population file: header '{header}' is none of: Zensus grid \
         (GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner), Zensus age table (GITTER_ID_100m;…;Unter3;a3bis5;…), \
         points CSV (lon,lat,residents[,age_0_5,age_6_11,age_12_17]), GeoJSON points",
        file = .file.display()
    )]
    UnknownKind {
        /// The file.
        file: PathBuf,
        /// Its first line.
        header: String,
    },
    /// A header or row with the wrong columns.
    #[error("{file}:{line}: wrong columns: {message}", file = .file.display())]
    Columns {
        /// The file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// Which columns were found and which are expected.
        message: String,
    },
    /// A value that should be a (non-negative) number is not.
    #[error("{file}:{line}: column {column}: '{value}' is not a non-negative number", file = .file.display())]
    NotNumeric {
        /// The file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The column name.
        column: String,
        /// The offending text.
        value: String,
    },
    /// EPSG:3035 coordinates outside the projection's area of use.
    #[error("{file}:{line}: coordinates ({x}, {y}) are outside EPSG:3035's area of use", file = .file.display())]
    OutsideArea {
        /// The file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// Easting.
        x: f64,
        /// Northing.
        y: f64,
    },
    /// WGS84 coordinates that are not a longitude/latitude pair.
    #[error("{file}:{line}: ({lon}, {lat}) is not a WGS84 longitude/latitude", file = .file.display())]
    BadLonLat {
        /// The file.
        file: PathBuf,
        /// The line (header = 1), or the feature number (first = 1) in GeoJSON.
        line: usize,
        /// Longitude.
        lon: f64,
        /// Latitude.
        lat: f64,
    },
    /// A Zensus grid id that is not of the form `CRS3035RES100mN2689100E4337000`.
    #[error(
        "{file}:{line}: '{id}' is not a Zensus 100 m grid id like CRS3035RES100mN2689100E4337000",
        file = .file.display()
    )]
    BadGridId {
        /// The file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The offending id.
        id: String,
    },
    /// A GeoJSON file that is not a FeatureCollection of points with a numeric `residents`.
    #[error("{file}: {message}", file = .file.display())]
    GeoJson {
        /// The file.
        file: PathBuf,
        /// What is wrong, naming the feature (first = 1).
        message: String,
    },
    /// Zensus age tables were given without a Zensus grid to join them to.
    #[error(
        "{file}: a Zensus age table needs a Zensus grid file (GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner) \
         given with it",
        file = .file.display()
    )]
    AgesWithoutGrid {
        /// The age table.
        file: PathBuf,
    },
    /// A totals row naming no known neighbourhood.
    #[error("{file}:{line}: unknown neighbourhood '{name}' (no neighbourhood has this id or name)", file = .file.display())]
    UnknownNeighbourhood {
        /// The totals file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The name or id given.
        name: String,
    },
    /// A totals row whose name matches several neighbourhoods only case-insensitively.
    #[error("{file}:{line}: '{name}' matches several neighbourhoods: give the id instead", file = .file.display())]
    AmbiguousNeighbourhood {
        /// The totals file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The name given.
        name: String,
    },
    /// A neighbourhood given twice in a totals file.
    #[error("{file}:{line}: neighbourhood '{name}' already has a total on line {first}", file = .file.display())]
    DuplicateTotal {
        /// The totals file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The neighbourhood's name.
        name: String,
        /// The line of the first total.
        first: usize,
    },
    /// A register mapping (preset or TOML file) that cannot be used.
    #[error("--register-mapping {mapping}: {message}")]
    Mapping {
        /// The preset name or file.
        mapping: String,
        /// What is wrong.
        message: String,
    },
    /// A column the register mapping names is not in the table's header.
    #[error(
        "{file}:1: column '{column}' named by register mapping {mapping} is missing (found: {found})",
        file = .file.display()
    )]
    MissingColumn {
        /// The register table.
        file: PathBuf,
        /// The mapping's name.
        mapping: String,
        /// The missing column (or the pattern no column matches).
        column: String,
        /// The first columns found.
        found: String,
    },
    /// Age groups that overlap, leave a gap inside 0–17, or run backwards.
    #[error("{file}:{line}: {message}", file = .file.display())]
    AgeGroups {
        /// The register table.
        file: PathBuf,
        /// The line (header = 1 for the columns of a wide table).
        line: usize,
        /// Which groups and ages.
        message: String,
    },
    /// A negative count of people.
    #[error("{file}:{line}: column {column}: '{value}' is negative (a count of residents cannot be)", file = .file.display())]
    NegativeCount {
        /// The file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The column name.
        column: String,
        /// The offending text.
        value: String,
    },
    /// A register given without any areas to key it to.
    #[error(
        "--population-register {}: there are no areas to match its rows to (give --boundaries, or an \
         extract with administrative boundaries)",
        .0.display()
    )]
    RegisterWithoutAreas(PathBuf),
    /// A register and a totals file both given: both set the residents per area.
    #[error(
        "--population-register {}: --population-totals sets the residents per area too; give only one of them",
        .0.display()
    )]
    RegisterWithTotals(PathBuf),
    /// A positive official total for a neighbourhood where the estimate found nobody to scale.
    #[error(
        "{file}:{line}: neighbourhood '{name}' has an official total of {total} but no estimated residents \
         to scale (no residential building or unit inside it)",
        file = .file.display()
    )]
    NothingToCalibrate {
        /// The totals file.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The neighbourhood's name.
        name: String,
        /// The official total.
        total: f64,
    },
}

/// Shares of all residents in each age band, used where a source has no ages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgeShares {
    /// Share aged 0–5.
    pub age_0_5: f64,
    /// Share aged 6–11.
    pub age_6_11: f64,
    /// Share aged 12–17.
    pub age_12_17: f64,
}

impl Default for AgeShares {
    /// Germany around 2022, an approximation (derivation in docs/population.md): 0–5 5.6 %, 6–11 5.5 %, 12–17 5.4 %.
    fn default() -> Self {
        Self {
            age_0_5: 0.056,
            age_6_11: 0.055,
            age_12_17: 0.054,
        }
    }
}

impl AgeShares {
    /// The shares as an array indexed by `AgeBand::index`.
    pub fn as_array(&self) -> [f64; 3] {
        [self.age_0_5, self.age_6_11, self.age_12_17]
    }

    /// Children per band among `residents`.
    pub fn apply(&self, residents: f64) -> [f64; 3] {
        self.as_array().map(|s| s * residents)
    }
}

/// One `--population` file, read.
#[derive(Debug, Clone, PartialEq)]
pub enum PopulationFile {
    /// A Zensus 2022 100 m population grid.
    Grid(ZensusGrid),
    /// A Zensus 2022 100 m age table.
    Ages(ZensusAgeTable),
    /// A points CSV or GeoJSON.
    Points(PointsFile),
}

/// Reads one `--population` file, recognising its kind from its header (or `{` for GeoJSON);
/// GeoPackage, Shapefile and FlatGeobuf points by their extension.
///
/// Streams CSV files line by line; a leading UTF-8 byte-order mark is ignored.
pub fn read_population_file(path: &Path) -> Result<PopulationFile, PopulationError> {
    if points::is_vector_file(path) {
        return points::read_vector(path).map(PopulationFile::Points);
    }
    let mut lines = Lines::open(path)?;
    if !lines.advance()? {
        return Err(PopulationError::UnknownKind {
            file: path.to_path_buf(),
            header: String::new(),
        });
    }
    let header = lines.current().to_string();
    if header.trim_start().starts_with('{') {
        return points::read_geojson(lines, &header).map(PopulationFile::Points);
    }
    if header.contains(';') || header.starts_with(zensus::ID_COLUMN) {
        zensus::read(lines, &header)
    } else if header.contains(',') {
        points::read_csv(lines, &header).map(PopulationFile::Points)
    } else {
        Err(PopulationError::UnknownKind {
            file: path.to_path_buf(),
            header,
        })
    }
}

/// Population units combined from several `--population` files.
#[derive(Debug, Clone, PartialEq)]
pub struct CombinedPopulation {
    /// The units: one per grid cell and point.
    pub units: Vec<PopulationUnit>,
    /// The sources present, in the order first met.
    pub sources: Vec<PopulationSource>,
    /// Grid cells whose `Einwohner` was suppressed (`–`), counted as 0.
    pub suppressed_cells: usize,
    /// Age-table cells with at least one suppressed child age class (counted as 0).
    pub suppressed_age_cells: usize,
    /// Grid cells whose `Einwohner` was published in brackets or flagged `KLAMMERN` (counted).
    pub flagged_cells: usize,
    /// Age-table cells with a child class in brackets or flagged `KLAMMERN` (counted).
    pub flagged_age_cells: usize,
    /// Grid cells without an age-table row: their bands come from the configured shares.
    pub cells_without_ages: usize,
    /// Age-table rows for cells missing from the grid (ignored).
    pub age_rows_without_cell: usize,
}

/// Combines read files into population units: Zensus grids joined with their age tables
/// (source `Census`), points (source `Points`); missing bands from `shares`.
///
/// Where several age tables cover a cell, the finest (infrastructure classes, then ten-year groups,
/// then five classes) is used. Age tables without any grid file are an error.
pub fn combine_population_files(
    files: Vec<PopulationFile>,
    shares: &AgeShares,
) -> Result<CombinedPopulation, PopulationError> {
    let mut grids = Vec::new();
    let mut tables = Vec::new();
    let mut point_files = Vec::new();
    let mut sources = Vec::new();
    for file in files {
        let source = match file {
            PopulationFile::Grid(g) => {
                grids.push(g);
                PopulationSource::Census
            }
            PopulationFile::Ages(a) => {
                tables.push(a);
                PopulationSource::Census
            }
            PopulationFile::Points(p) => {
                point_files.push(p);
                PopulationSource::Points
            }
        };
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    if grids.is_empty()
        && let Some(t) = tables.first()
    {
        return Err(PopulationError::AgesWithoutGrid {
            file: t.file.clone(),
        });
    }
    let joined = zensus::join(grids, tables, shares);
    let mut units = joined.units;
    for file in point_files {
        units.extend(file.points.into_iter().map(|p| p.into_unit(shares)));
    }
    Ok(CombinedPopulation {
        units,
        sources,
        suppressed_cells: joined.suppressed_cells,
        suppressed_age_cells: joined.suppressed_age_cells,
        flagged_cells: joined.flagged_cells,
        flagged_age_cells: joined.flagged_age_cells,
        cells_without_ages: joined.cells_without_ages,
        age_rows_without_cell: joined.age_rows_without_cell,
    })
}

/// The register of `--population-register FILE --register-mapping SPEC`.
#[derive(Debug, Clone)]
pub struct RegisterOptions {
    /// The register table.
    pub file: PathBuf,
    /// How to read it.
    pub mapping: RegisterMapping,
}

/// What `spielraum import` needs to build the population.
#[derive(Debug, Clone, Default)]
pub struct PopulationOptions {
    /// `--population FILE` (any number); empty → estimate from buildings.
    pub files: Vec<PathBuf>,
    /// `--population-totals FILE.csv`.
    pub totals: Option<PathBuf>,
    /// `--population-register FILE` with its mapping: wins in every area it has a row for.
    pub register: Option<RegisterOptions>,
    /// Rules of the building-based estimate (and of the register's spread over buildings).
    pub rules: BuildingRules,
    /// Age shares where a source has no ages.
    pub shares: AgeShares,
}

/// The population of a city, ready to store.
#[derive(Debug, Clone)]
pub struct PopulationOutcome {
    /// The units (calibrated where totals were given).
    pub units: Vec<PopulationUnit>,
    /// Residents per neighbourhood, same order as the neighbourhoods given.
    pub neighbourhood_population: Vec<f64>,
    /// Which neighbourhood each unit belongs to, and totals.
    pub assignment: Assignment,
    /// Raw estimate beside the official totals, where totals were given.
    pub calibration: Option<CalibrationReport>,
    /// The summary to show.
    pub summary: PopulationSummary,
    /// Things the planner should know (e.g. a register area placed at one point).
    pub warnings: Vec<String>,
    /// The vector files of points among the population files, with the format and CRS each
    /// was read in (for the record of sources).
    pub vector_files: Vec<(PathBuf, crate::vector::Format, crate::crs::Crs)>,
}

/// Reads the population files (or estimates from `buildings` without any), assigns the units to
/// `neighbourhoods`, replaces them with the register's units in the areas the register has a
/// row for, calibrates to the totals file if given, and summarises.
pub fn build_population(
    options: &PopulationOptions,
    buildings: &[Building],
    neighbourhoods: &[Neighbourhood],
) -> Result<PopulationOutcome, PopulationError> {
    // The register first: its errors should not wait for a long Zensus read.
    let register = match &options.register {
        Some(r) => {
            if neighbourhoods.is_empty() {
                return Err(PopulationError::RegisterWithoutAreas(r.file.clone()));
            }
            if options.totals.is_some() {
                return Err(PopulationError::RegisterWithTotals(r.file.clone()));
            }
            Some(read_register(&r.file, &r.mapping, neighbourhoods)?)
        }
        None => None,
    };
    let mut vector_files = Vec::new();
    let (mut units, mut sources, suppressed, flagged) = if options.files.is_empty() {
        let units = estimate_from_buildings(buildings, &options.rules, &options.shares);
        (units, vec![PopulationSource::Buildings], 0, 0)
    } else {
        let files = options
            .files
            .iter()
            .map(|f| read_population_file(f))
            .collect::<Result<Vec<_>, _>>()?;
        for f in &files {
            if let PopulationFile::Points(PointsFile {
                file,
                read_as: Some((format, crs)),
                ..
            }) = f
            {
                vector_files.push((file.clone(), *format, *crs));
            }
        }
        let combined = combine_population_files(files, &options.shares)?;
        (
            combined.units,
            combined.sources,
            combined.suppressed_cells,
            combined.flagged_cells + combined.flagged_age_cells,
        )
    };
    let mut warnings = Vec::new();
    let mut register_summary = None;
    if let Some(table) = &register {
        let covered = {
            let mut c = vec![false; neighbourhoods.len()];
            for a in &table.areas {
                c[a.neighbourhood] = true;
            }
            c
        };
        // The register wins: other units in its areas go. Without population files, the
        // building estimate only fills areas without a row (none outside every area).
        let estimated = options.files.is_empty();
        let before = assign(&units, neighbourhoods);
        let mut kept = Vec::with_capacity(units.len());
        for (u, n) in units.into_iter().zip(&before.per_unit) {
            let keep = match n {
                Some(i) => !covered[*i],
                None => !estimated,
            };
            if keep {
                kept.push(u);
            }
        }
        let spread = disaggregate(table, buildings, &options.rules, neighbourhoods);
        warnings.extend(spread.warnings.iter().cloned());
        let without_row: Vec<usize> = (0..neighbourhoods.len()).filter(|&i| !covered[i]).collect();
        if !without_row.is_empty() {
            let names: Vec<&str> = without_row
                .iter()
                .take(10)
                .map(|&i| neighbourhoods[i].name.as_str())
                .collect();
            warnings.push(format!(
                "{}: {} of {} areas have no register row and keep the {} estimate: {}{}",
                table.file.display(),
                without_row.len(),
                neighbourhoods.len(),
                sources
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                names.join(", "),
                if without_row.len() > 10 { ", …" } else { "" }
            ));
        }
        // A total below the children it holds: the columns or the mapping are off.
        let short = table
            .areas
            .iter()
            .filter(|a| table.total_from_column && a.residents + 1e-9 < a.ages.iter().sum::<f64>());
        for a in short {
            warnings.push(format!(
                "{}:{}: area '{}' has {:.0} residents in its total column but {:.0} children",
                table.file.display(),
                a.line,
                neighbourhoods[a.neighbourhood].name,
                a.residents,
                a.ages.iter().sum::<f64>()
            ));
        }
        let other_sources = std::mem::take(&mut sources);
        sources.push(PopulationSource::Register);
        if !kept.is_empty() {
            sources.extend(other_sources);
        }
        units = spread.units;
        units.extend(kept);
        register_summary = Some(RegisterSummary {
            file: table.file.clone(),
            mapping: table.mapping.clone(),
            encoding: table.encoding,
            areas: table.areas.len(),
            split_areas: table
                .areas
                .iter()
                .filter(|a| a.split)
                .map(|a| neighbourhoods[a.neighbourhood].name.clone())
                .collect(),
            at_interior_point: spread
                .at_interior_point
                .iter()
                .map(|&i| neighbourhoods[i].name.clone())
                .collect(),
            without_row: without_row.len(),
            total_from_column: table.total_from_column,
        });
    }
    let mut assignment = assign(&units, neighbourhoods);
    let calibration = match &options.totals {
        Some(path) => {
            let totals = read_totals(path, neighbourhoods)?;
            Some(calibrate(
                &mut units,
                &mut assignment,
                &totals,
                neighbourhoods,
            )?)
        }
        None => None,
    };
    let mut summary = PopulationSummary::new(
        sources,
        neighbourhoods,
        &assignment,
        calibration.as_ref(),
        suppressed,
    );
    summary.flagged_cells = flagged;
    summary.register = register_summary;
    let neighbourhood_population = assignment
        .per_neighbourhood
        .iter()
        .map(|t| t.residents)
        .collect();
    Ok(PopulationOutcome {
        units,
        neighbourhood_population,
        assignment,
        calibration,
        summary,
        warnings,
        vector_files,
    })
}

/// A text file read line by line, counting lines from 1 and dropping a UTF-8 BOM and line ends.
struct Lines {
    file: PathBuf,
    reader: BufReader<File>,
    buf: String,
    number: usize,
}

impl Lines {
    fn open(path: &Path) -> Result<Self, PopulationError> {
        let file = File::open(path).map_err(|source| PopulationError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            file: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 20, file),
            buf: String::new(),
            number: 0,
        })
    }

    /// Moves to the next non-blank line; `false` at the end of the file.
    fn advance(&mut self) -> Result<bool, PopulationError> {
        loop {
            // Reuse the line's allocation for the raw bytes.
            let mut raw = std::mem::take(&mut self.buf).into_bytes();
            raw.clear();
            let n =
                self.reader
                    .read_until(b'\n', &mut raw)
                    .map_err(|source| PopulationError::Io {
                        file: self.file.clone(),
                        source,
                    })?;
            if n == 0 {
                return Ok(false);
            }
            self.number += 1;
            if self.number == 1 && raw.starts_with("\u{feff}".as_bytes()) {
                raw.drain(.."\u{feff}".len());
            }
            self.buf = match String::from_utf8(raw) {
                Ok(line) => line,
                // Not UTF-8: the other encoding offices and spreadsheets write.
                Err(e) => encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(e.as_bytes())
                    .0
                    .into_owned(),
            };
            if !self.buf.trim().is_empty() {
                return Ok(true);
            }
        }
    }

    /// The current line, without its line end.
    fn current(&self) -> &str {
        self.buf.trim_end_matches(['\n', '\r'])
    }

    /// The rest of the file as one string (for GeoJSON).
    fn rest(mut self, first: &str) -> Result<(PathBuf, String), PopulationError> {
        let mut text = format!("{first}\n");
        std::io::Read::read_to_string(&mut self.reader, &mut text).map_err(|source| {
            PopulationError::Io {
                file: self.file.clone(),
                source,
            }
        })?;
        Ok((self.file, text))
    }

    fn columns_error(&self, message: String) -> PopulationError {
        PopulationError::Columns {
            file: self.file.clone(),
            line: self.number,
            message,
        }
    }

    fn not_numeric(&self, column: &str, value: &str) -> PopulationError {
        PopulationError::NotNumeric {
            file: self.file.clone(),
            line: self.number,
            column: column.to_string(),
            value: value.to_string(),
        }
    }
}

/// Parses a non-negative number, with `.` or (German) `,` as the decimal mark.
fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let value: f64 = if text.contains(',') {
        text.replace(',', ".").parse().ok()?
    } else {
        text.parse().ok()?
    };
    (value.is_finite() && value >= 0.0).then_some(value)
}
