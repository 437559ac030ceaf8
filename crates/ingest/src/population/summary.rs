//! The population summary printed after import: residents per neighbourhood and band.
//!
//! Owns the figures (outside totals, suppressed and flagged cells, the register, raw vs
//! calibrated) and their text layout.

use std::fmt;
use std::path::PathBuf;

use model::{Neighbourhood, PopulationSource};

use super::{Assignment, BandTotals, CalibrationReport};

/// One neighbourhood's line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourhoodRow {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Residents and children per band (after calibration, if any).
    pub totals: BandTotals,
    /// The raw estimate before calibration, where an official total was given.
    pub raw: Option<f64>,
    /// The official total, where given.
    pub official: Option<f64>,
}

/// What the register contributed.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterSummary {
    /// The register table.
    pub file: PathBuf,
    /// The mapping's name.
    pub mapping: String,
    /// The encoding it was read with.
    pub encoding: &'static str,
    /// Areas with a register row.
    pub areas: usize,
    /// Names of the areas where a group straddling a band boundary was split by whole years.
    pub split_areas: Vec<String>,
    /// Names of the areas placed at one interior point (no residential building).
    pub at_interior_point: Vec<String>,
    /// Areas without a register row (they keep the other source's estimate).
    pub without_row: usize,
    /// Whether residents came from a total column (else the sum of the age groups).
    pub total_from_column: bool,
}

/// The population summary of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationSummary {
    /// The sources used.
    pub sources: Vec<PopulationSource>,
    /// One row per neighbourhood, in the order given.
    pub neighbourhoods: Vec<NeighbourhoodRow>,
    /// Residents outside every neighbourhood.
    pub outside: BandTotals,
    /// Zensus cells whose count was suppressed (`–`), counted as 0.
    pub suppressed_cells: usize,
    /// Raw estimate vs official totals over the neighbourhoods with a total, if calibrated.
    pub calibration: Option<(f64, f64)>,
    /// Zensus cells (grid or age table) with a value in brackets or flagged `KLAMMERN`, counted.
    pub flagged_cells: usize,
    /// The register, if one was given.
    pub register: Option<RegisterSummary>,
}

impl PopulationSummary {
    /// Builds the summary from an assignment (after calibration, if any).
    pub fn new(
        sources: Vec<PopulationSource>,
        neighbourhoods: &[Neighbourhood],
        assignment: &Assignment,
        calibration: Option<&CalibrationReport>,
        suppressed_cells: usize,
    ) -> Self {
        let row_of =
            |i: usize| calibration.and_then(|c| c.rows.iter().find(|r| r.neighbourhood == i));
        Self {
            sources,
            neighbourhoods: neighbourhoods
                .iter()
                .zip(&assignment.per_neighbourhood)
                .enumerate()
                .map(|(i, (n, totals))| NeighbourhoodRow {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    totals: *totals,
                    raw: row_of(i).map(|r| r.raw),
                    official: row_of(i).map(|r| r.official),
                })
                .collect(),
            outside: assignment.outside,
            suppressed_cells,
            calibration: calibration.map(|c| (c.raw_total, c.official_total)),
            flagged_cells: 0,
            register: None,
        }
    }

    /// Residents inside all neighbourhoods.
    pub fn inside_total(&self) -> f64 {
        self.neighbourhoods.iter().map(|n| n.totals.residents).sum()
    }
}

impl fmt::Display for PopulationSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources: Vec<&str> = self.sources.iter().map(|s| s.as_str()).collect();
        writeln!(f, "population (source: {})", sources.join(", "))?;
        writeln!(
            f,
            "{:<28} {:>10} {:>9} {:>9} {:>9} {:>10} {:>10}",
            "neighbourhood", "residents", "age_0_5", "age_6_11", "age_12_17", "raw", "official"
        )?;
        let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.0}"));
        let line = |f: &mut fmt::Formatter<'_>, name: &str, t: &BandTotals, raw, official| {
            writeln!(
                f,
                "{:<28} {:>10.0} {:>9.0} {:>9.0} {:>9.0} {:>10} {:>10}",
                name, t.residents, t.ages[0], t.ages[1], t.ages[2], raw, official
            )
        };
        for n in &self.neighbourhoods {
            line(f, &n.name, &n.totals, opt(n.raw), opt(n.official))?;
        }
        line(
            f,
            "(outside every neighbourhood)",
            &self.outside,
            String::new(),
            String::new(),
        )?;
        let share = self.outside.residents
            / (self.outside.residents + self.inside_total()).max(f64::MIN_POSITIVE);
        writeln!(
            f,
            "{:.0} residents ({:.1} %) in {} units lie outside every neighbourhood",
            self.outside.residents,
            100.0 * share,
            self.outside.units
        )?;
        if self.suppressed_cells > 0 {
            writeln!(
                f,
                "{} Zensus cells were suppressed (–) and counted as 0",
                self.suppressed_cells
            )?;
        }
        if self.flagged_cells > 0 {
            writeln!(
                f,
                "{} Zensus cells had values in brackets (KLAMMERN: statistically uncertain) and were counted",
                self.flagged_cells
            )?;
        }
        if let Some(r) = &self.register {
            writeln!(
                f,
                "register {} (mapping {}, {}): {} areas spread over their residential buildings; residents {}",
                r.file.display(),
                r.mapping,
                r.encoding,
                r.areas,
                if r.total_from_column {
                    "from the total column"
                } else {
                    "= sum of the age groups given"
                }
            )?;
            if !r.split_areas.is_empty() {
                writeln!(
                    f,
                    "{} areas had an age group straddling a band boundary, split by whole years: {}",
                    r.split_areas.len(),
                    list(&r.split_areas)
                )?;
            }
            if !r.at_interior_point.is_empty() {
                writeln!(
                    f,
                    "{} areas have no residential building and were placed at one point inside: {}",
                    r.at_interior_point.len(),
                    list(&r.at_interior_point)
                )?;
            }
            if r.without_row > 0 {
                writeln!(
                    f,
                    "{} areas have no register row and keep the other source's estimate",
                    r.without_row
                )?;
            }
        }
        if let Some((raw, official)) = self.calibration {
            writeln!(
                f,
                "calibrated: raw estimate {raw:.0} vs official {official:.0} ({:+.1} %)",
                100.0 * (raw - official) / official.max(f64::MIN_POSITIVE)
            )?;
        }
        Ok(())
    }
}

/// Up to ten names, then "…".
fn list(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
    format!(
        "{}{}",
        shown.join(", "),
        if names.len() > 10 { ", …" } else { "" }
    )
}
