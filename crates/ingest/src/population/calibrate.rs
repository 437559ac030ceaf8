//! Population units in neighbourhoods: assignment by centre-in-polygon and calibration to known totals.
//!
//! Owns the `--population-totals` CSV (`name_or_id,population` or `name,population`) and the scaling.

use std::path::{Path, PathBuf};

use model::index::AreaLocator;
use model::{Neighbourhood, PopulationUnit};

use super::{Lines, PopulationError, parse_number};

/// Residents and children per band of a set of units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BandTotals {
    /// Number of units.
    pub units: usize,
    /// All residents.
    pub residents: f64,
    /// Children per band, indexed by `AgeBand::index`.
    pub ages: [f64; 3],
}

impl BandTotals {
    fn add(&mut self, u: &PopulationUnit) {
        self.units += 1;
        self.residents += u.residents;
        for (t, a) in self.ages.iter_mut().zip(u.ages) {
            *t += a;
        }
    }

    fn scale(&mut self, factor: f64) {
        self.residents *= factor;
        for a in &mut self.ages {
            *a *= factor;
        }
    }
}

/// Which neighbourhood each unit belongs to, and the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// For each unit (same order), the index of the neighbourhood containing its centre.
    pub per_unit: Vec<Option<usize>>,
    /// Totals per neighbourhood (same order as the neighbourhoods).
    pub per_neighbourhood: Vec<BandTotals>,
    /// Totals of the units outside every neighbourhood.
    pub outside: BandTotals,
}

/// Assigns each unit to the neighbourhood that contains its centre, with
/// [`model::index::AreaLocator`] (a centre on an outline counts as inside; where
/// neighbourhoods overlap or share a border, the first one given wins) — the same rule the
/// analysis uses.
pub fn assign(units: &[PopulationUnit], neighbourhoods: &[Neighbourhood]) -> Assignment {
    let locator = AreaLocator::new(neighbourhoods.iter().map(|n| &n.geometry));
    let mut assignment = Assignment {
        per_unit: Vec::with_capacity(units.len()),
        per_neighbourhood: vec![BandTotals::default(); neighbourhoods.len()],
        outside: BandTotals::default(),
    };
    for unit in units {
        let found = locator.locate(unit.location);
        match found {
            Some(i) => assignment.per_neighbourhood[i].add(unit),
            None => assignment.outside.add(unit),
        }
        assignment.per_unit.push(found);
    }
    assignment
}

/// One row of a totals file, matched to a neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialTotal {
    /// Index of the neighbourhood.
    pub neighbourhood: usize,
    /// Its official population.
    pub population: f64,
    /// The line it came from (header = 1).
    pub line: usize,
}

/// A `--population-totals` file, matched to the neighbourhoods.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialTotals {
    /// The file it came from.
    pub file: PathBuf,
    /// Its rows, in file order.
    pub rows: Vec<OfficialTotal>,
}

/// Finds the neighbourhood a row of `file` (at `line`) names: by id, then exact name, then
/// case-insensitive name.
pub(super) fn find_neighbourhood(
    neighbourhoods: &[Neighbourhood],
    key: &str,
    file: &Path,
    line: usize,
) -> Result<usize, PopulationError> {
    if let Some(i) = neighbourhoods.iter().position(|n| n.id == key) {
        return Ok(i);
    }
    if let Some(i) = neighbourhoods.iter().position(|n| n.name == key) {
        return Ok(i);
    }
    let lower = key.to_lowercase();
    let mut matches = neighbourhoods
        .iter()
        .enumerate()
        .filter(|(_, n)| n.name.to_lowercase() == lower)
        .map(|(i, _)| i);
    match (matches.next(), matches.next()) {
        (Some(i), None) => Ok(i),
        (Some(_), Some(_)) => Err(PopulationError::AmbiguousNeighbourhood {
            file: file.to_path_buf(),
            line,
            name: key.to_string(),
        }),
        _ => Err(PopulationError::UnknownNeighbourhood {
            file: file.to_path_buf(),
            line,
            name: key.to_string(),
        }),
    }
}

/// Reads a totals CSV (`name_or_id,population` or `name,population`, comma separated)
/// and matches each row to one of `neighbourhoods`.
pub fn read_totals(
    path: &Path,
    neighbourhoods: &[Neighbourhood],
) -> Result<OfficialTotals, PopulationError> {
    let mut lines = Lines::open(path)?;
    let header = if lines.advance()? {
        lines.current().to_string()
    } else {
        String::new()
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    if !matches!(columns.as_slice(), ["name_or_id" | "name", "population"]) {
        lines.number = lines.number.max(1);
        return Err(lines.columns_error(format!(
            "found '{header}', expected name_or_id,population (or name,population)"
        )));
    }
    let mut rows: Vec<OfficialTotal> = Vec::new();
    while lines.advance()? {
        let row = lines.current();
        // The name may itself contain commas: the population is after the last one.
        let Some((name, value)) = row.rsplit_once(',') else {
            return Err(lines.columns_error(format!(
                "'{row}' has no ',': expected name_or_id,population"
            )));
        };
        let name = name.trim().trim_matches('"');
        let population =
            parse_number(value).ok_or_else(|| lines.not_numeric("population", value))?;
        let neighbourhood = find_neighbourhood(neighbourhoods, name, &lines.file, lines.number)?;
        if let Some(first) = rows.iter().find(|r| r.neighbourhood == neighbourhood) {
            return Err(PopulationError::DuplicateTotal {
                file: lines.file.clone(),
                line: lines.number,
                name: neighbourhoods[neighbourhood].name.clone(),
                first: first.line,
            });
        }
        rows.push(OfficialTotal {
            neighbourhood,
            population,
            line: lines.number,
        });
    }
    Ok(OfficialTotals {
        file: lines.file,
        rows,
    })
}

/// The raw estimate beside the official total of one neighbourhood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationRow {
    /// Index of the neighbourhood.
    pub neighbourhood: usize,
    /// Residents estimated inside it before calibration.
    pub raw: f64,
    /// Its official total.
    pub official: f64,
    /// The factor its units were scaled by (`official / raw`; 1 where both are 0).
    pub factor: f64,
}

/// What calibration did.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    /// One row per neighbourhood with an official total, in file order.
    pub rows: Vec<CalibrationRow>,
    /// Neighbourhoods without an official total (left as estimated).
    pub without_total: Vec<usize>,
    /// Sum of the raw estimates of the neighbourhoods with a total.
    pub raw_total: f64,
    /// Sum of the official totals.
    pub official_total: f64,
}

/// Scales the units of each neighbourhood with an official total so that they sum to it
/// (children per band scaled by the same factor) and updates `assignment`'s totals.
///
/// A neighbourhood with a positive total but no estimated residents is an error
/// ([`PopulationError::NothingToCalibrate`]): there is nobody to scale.
pub fn calibrate(
    units: &mut [PopulationUnit],
    assignment: &mut Assignment,
    totals: &OfficialTotals,
    neighbourhoods: &[Neighbourhood],
) -> Result<CalibrationReport, PopulationError> {
    let mut factors: Vec<Option<f64>> = vec![None; assignment.per_neighbourhood.len()];
    let mut rows = Vec::with_capacity(totals.rows.len());
    for t in &totals.rows {
        let raw = assignment.per_neighbourhood[t.neighbourhood].residents;
        let factor = if raw > 0.0 {
            t.population / raw
        } else if t.population == 0.0 {
            1.0
        } else {
            return Err(PopulationError::NothingToCalibrate {
                file: totals.file.clone(),
                line: t.line,
                name: neighbourhoods[t.neighbourhood].name.clone(),
                total: t.population,
            });
        };
        factors[t.neighbourhood] = Some(factor);
        rows.push(CalibrationRow {
            neighbourhood: t.neighbourhood,
            raw,
            official: t.population,
            factor,
        });
    }
    for (unit, n) in units.iter_mut().zip(&assignment.per_unit) {
        if let Some(factor) = n.and_then(|i| factors[i]) {
            unit.residents *= factor;
            for a in &mut unit.ages {
                *a *= factor;
            }
        }
    }
    for (totals, factor) in assignment.per_neighbourhood.iter_mut().zip(&factors) {
        if let Some(f) = factor {
            totals.scale(*f);
        }
    }
    Ok(CalibrationReport {
        raw_total: rows.iter().map(|r| r.raw).sum(),
        official_total: rows.iter().map(|r| r.official).sum(),
        without_total: (0..factors.len())
            .filter(|&i| factors[i].is_none())
            .collect(),
        rows,
    })
}
