//! The Zensus 2022 100 m grid: population (`Einwohner`) and age tables, joined by `GITTER_ID_100m`.
//!
//! Owns the published CSV format (`;`, decimal `,`, thousands `.`, `–` for suppressed values,
//! values in brackets and `KLAMMERN` flags, UTF-8 or Windows-1252) and the split of Zensus age
//! classes into bands.

use std::path::PathBuf;

use geo_types::Point;
use model::{PopulationSource, PopulationUnit};

use super::laea::Laea;
use super::number::parse_zensus;
use super::{AgeShares, Lines, PopulationError, PopulationFile};

/// The id column shared by all Zensus 100 m grid tables.
pub(super) const ID_COLUMN: &str = "GITTER_ID_100m";
const GRID_COLUMNS: [&str; 4] = [ID_COLUMN, "x_mp_100m", "y_mp_100m", "Einwohner"];
/// The column of explanatory signs, lower case.
const FLAG_COLUMN: &str = "werterlaeuternde_zeichen";

/// A grid cell's key: (northing, easting) of its lower-left corner in EPSG:3035 metres, from its id.
pub type CellKey = (u32, u32);

/// One populated cell of a Zensus grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridCell {
    /// Parsed from `GITTER_ID_100m`.
    pub key: CellKey,
    /// The cell centre (`x_mp_100m`, `y_mp_100m`) in WGS84 lon/lat.
    pub location: Point<f64>,
    /// `Einwohner` (0 where suppressed).
    pub residents: f64,
}

/// A Zensus 2022 100 m population grid, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ZensusGrid {
    /// The file it came from.
    pub file: PathBuf,
    /// The cells, in file order.
    pub cells: Vec<GridCell>,
    /// Cells whose `Einwohner` was suppressed (`–`), counted as 0.
    pub suppressed: usize,
    /// Cells whose `Einwohner` was in brackets or flagged `KLAMMERN` (counted as published).
    pub flagged: usize,
}

/// The Zensus 2022 age tables that hold children's ages, finest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeTableKind {
    /// "Alter in infrastrukturellen Altersgruppen": `Unter3`, `a3bis5`, `a6bis9`, `a10bis15`, `a16bis18`, …
    Infrastructure,
    /// "Alter in 10er-Jahresgruppen": `Unter10`, `a10bis19`, …
    TenYear,
    /// "Alter in 5 Altersklassen": `Unter18`, `a18bis29`, …
    FiveClasses,
}

/// The child age columns of each table: (kind, column, first age, last age), bounds inclusive
/// as published (`a16bis18` holds 16-, 17- and 18-year-olds; the next class is `a19bis24`).
const AGE_COLUMNS: [(AgeTableKind, &str, u32, u32); 8] = [
    (AgeTableKind::Infrastructure, "Unter3", 0, 2),
    (AgeTableKind::Infrastructure, "a3bis5", 3, 5),
    (AgeTableKind::Infrastructure, "a6bis9", 6, 9),
    (AgeTableKind::Infrastructure, "a10bis15", 10, 15),
    (AgeTableKind::Infrastructure, "a16bis18", 16, 18),
    (AgeTableKind::TenYear, "Unter10", 0, 9),
    (AgeTableKind::TenYear, "a10bis19", 10, 19),
    (AgeTableKind::FiveClasses, "Unter18", 0, 17),
];

/// A Zensus 2022 100 m age table, read and split into the bands 0–5, 6–11, 12–17.
#[derive(Debug, Clone, PartialEq)]
pub struct ZensusAgeTable {
    /// The file it came from.
    pub file: PathBuf,
    /// Which table it is.
    pub kind: AgeTableKind,
    /// Children per band for each cell, sorted by cell key (first row wins for repeated keys).
    pub ages: Vec<(CellKey, [f64; 3])>,
    /// Cells with at least one suppressed child age class (counted as 0).
    pub suppressed: usize,
    /// Cells with a child age class in brackets or a row flagged `KLAMMERN` (counted as published).
    pub flagged: usize,
}

impl ZensusAgeTable {
    /// Children per band of the cell `key`, if the table has it.
    pub fn get(&self, key: CellKey) -> Option<&[f64; 3]> {
        self.ages
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|i| &self.ages[i].1)
    }
}

/// Splits `count` people aged `first..=last` (whole years) into the bands 0–5, 6–11, 12–17
/// in proportion to the years each band covers (people are assumed spread evenly over the years).
pub fn split_into_bands(count: f64, first: u32, last: u32) -> [f64; 3] {
    let years = f64::from(last - first + 1);
    [(0, 5), (6, 11), (12, 17)].map(|(lo, hi): (u32, u32)| {
        let overlap = last.min(hi).saturating_add(1).saturating_sub(first.max(lo));
        count * f64::from(overlap) / years
    })
}

/// Reads a Zensus grid or age table whose header line is `header`.
pub(super) fn read(lines: Lines, header: &str) -> Result<PopulationFile, PopulationError> {
    let columns: Vec<&str> = header.split(';').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name));
    // `werterlaeuternde_Zeichen` (or `<column>_werterlaeuternde_Zeichen`): `KLAMMERN` marks a
    // value published in brackets (statistically uncertain).
    let flags: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let c = c.to_ascii_lowercase();
            c == FLAG_COLUMN || c.ends_with(&format!("_{FLAG_COLUMN}"))
        })
        .map(|(i, _)| i)
        .collect();
    let Some(id) = find(ID_COLUMN) else {
        return Err(PopulationError::UnknownKind {
            file: lines.file.clone(),
            header: header.to_string(),
        });
    };
    if let (Some(x), Some(y), Some(count)) = (
        find(GRID_COLUMNS[1]),
        find(GRID_COLUMNS[2]),
        find(GRID_COLUMNS[3]),
    ) {
        return read_grid(lines, columns.len(), [id, x, y, count], &flags)
            .map(PopulationFile::Grid);
    }
    let Some(kind) = AGE_COLUMNS
        .iter()
        .filter(|(_, name, _, _)| find(name).is_some())
        .map(|(kind, _, _, _)| *kind)
        .min()
    else {
        return Err(lines.columns_error(format!(
            "found '{header}', expected a Zensus grid ({}) or an age table with {ID_COLUMN} and child age \
             classes ({})",
            GRID_COLUMNS.join(";"),
            AGE_COLUMNS.map(|c| c.1).join(", ")
        )));
    };
    let mut classes = Vec::new();
    for (k, name, first, last) in AGE_COLUMNS {
        if k != kind {
            continue;
        }
        let Some(index) = find(name) else {
            return Err(lines.columns_error(format!(
                "age table misses column {name} (expected all of {})",
                AGE_COLUMNS
                    .iter()
                    .filter(|c| c.0 == kind)
                    .map(|c| c.1)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        classes.push((index, name, first, last));
    }
    read_ages(lines, columns.len(), id, kind, &classes, &flags).map(PopulationFile::Ages)
}

/// Splits the current row into exactly `n` fields, or reports the wrong count.
fn fields(lines: &Lines, n: usize) -> Result<Vec<&str>, PopulationError> {
    let out: Vec<&str> = lines.current().split(';').collect();
    if out.len() == n {
        Ok(out)
    } else {
        Err(lines.columns_error(format!(
            "{} fields separated by ';', expected {n} as in the header",
            out.len()
        )))
    }
}

/// A count that may be suppressed: `–` (U+2013) or `-` → `None`; else the value and whether it
/// was in brackets.
fn count(lines: &Lines, column: &str, text: &str) -> Result<Option<(f64, bool)>, PopulationError> {
    match text.trim() {
        "\u{2013}" | "-" => Ok(None),
        t => parse_zensus(t)
            .map(Some)
            .ok_or_else(|| lines.not_numeric(column, text)),
    }
}

/// Whether one of the flag columns of `row` says `KLAMMERN`.
fn flagged(row: &[&str], flags: &[usize]) -> bool {
    flags
        .iter()
        .any(|&i| row[i].to_ascii_uppercase().contains("KLAMMERN"))
}

/// Parses `CRS3035RES100mN2689100E4337000` into (northing, easting).
fn parse_id(lines: &Lines, id: &str) -> Result<CellKey, PopulationError> {
    let bad = || PopulationError::BadGridId {
        file: lines.file.clone(),
        line: lines.number,
        id: id.to_string(),
    };
    let rest = id.trim().strip_prefix("CRS3035RES100mN").ok_or_else(bad)?;
    let (n, e) = rest.split_once('E').ok_or_else(bad)?;
    Ok((n.parse().map_err(|_| bad())?, e.parse().map_err(|_| bad())?))
}

fn read_grid(
    mut lines: Lines,
    n: usize,
    [id, x, y, count_col]: [usize; 4],
    flags: &[usize],
) -> Result<ZensusGrid, PopulationError> {
    let laea = Laea::new();
    let mut cells = Vec::new();
    let mut suppressed = 0;
    let mut flagged_cells = 0;
    while lines.advance()? {
        let row = fields(&lines, n)?;
        let key = parse_id(&lines, row[id])?;
        let coord = |col: usize| {
            parse_zensus(row[col]).map(|v| v.0).ok_or_else(|| {
                lines.not_numeric(GRID_COLUMNS[if col == x { 1 } else { 2 }], row[col])
            })
        };
        let (easting, northing) = (coord(x)?, coord(y)?);
        let residents = match count(&lines, GRID_COLUMNS[3], row[count_col])? {
            Some((v, bracketed)) => {
                flagged_cells += usize::from(bracketed || flagged(&row, flags));
                v
            }
            None => {
                suppressed += 1;
                0.0
            }
        };
        let (lon, lat) =
            laea.to_lon_lat(easting, northing)
                .map_err(|_| PopulationError::OutsideArea {
                    file: lines.file.clone(),
                    line: lines.number,
                    x: easting,
                    y: northing,
                })?;
        cells.push(GridCell {
            key,
            location: Point::new(lon, lat),
            residents,
        });
    }
    Ok(ZensusGrid {
        file: lines.file,
        cells,
        suppressed,
        flagged: flagged_cells,
    })
}

fn read_ages(
    mut lines: Lines,
    n: usize,
    id: usize,
    kind: AgeTableKind,
    classes: &[(usize, &str, u32, u32)],
    flags: &[usize],
) -> Result<ZensusAgeTable, PopulationError> {
    let mut ages = Vec::new();
    let mut suppressed = 0;
    let mut flagged_cells = 0;
    while lines.advance()? {
        let row = fields(&lines, n)?;
        let key = parse_id(&lines, row[id])?;
        let mut bands = [0.0; 3];
        let mut any_suppressed = false;
        let mut any_flagged = flagged(&row, flags);
        for &(index, name, first, last) in classes {
            match count(&lines, name, row[index])? {
                Some((v, bracketed)) => {
                    any_flagged |= bracketed;
                    for (b, part) in bands.iter_mut().zip(split_into_bands(v, first, last)) {
                        *b += part;
                    }
                }
                None => any_suppressed = true,
            }
        }
        suppressed += usize::from(any_suppressed);
        flagged_cells += usize::from(any_flagged);
        ages.push((key, bands));
    }
    // Stable: the first of repeated keys stays first and is kept. Published files are sorted already.
    ages.sort_by_key(|(k, _)| *k);
    ages.dedup_by_key(|(k, _)| *k);
    Ok(ZensusAgeTable {
        file: lines.file,
        kind,
        ages,
        suppressed,
        flagged: flagged_cells,
    })
}

/// Grids joined with their age tables.
pub(super) struct Joined {
    pub units: Vec<PopulationUnit>,
    pub suppressed_cells: usize,
    pub suppressed_age_cells: usize,
    pub flagged_cells: usize,
    pub flagged_age_cells: usize,
    pub cells_without_ages: usize,
    pub age_rows_without_cell: usize,
}

/// Joins grid cells with the finest age table that has each cell; other cells get `shares`.
pub(super) fn join(
    grids: Vec<ZensusGrid>,
    mut tables: Vec<ZensusAgeTable>,
    shares: &AgeShares,
) -> Joined {
    tables.sort_by_key(|t| t.kind);
    let mut matched: Vec<usize> = vec![0; tables.len()];
    let mut joined = Joined {
        units: Vec::with_capacity(grids.iter().map(|g| g.cells.len()).sum()),
        suppressed_cells: grids.iter().map(|g| g.suppressed).sum(),
        suppressed_age_cells: tables.iter().map(|t| t.suppressed).sum(),
        flagged_cells: grids.iter().map(|g| g.flagged).sum(),
        flagged_age_cells: tables.iter().map(|t| t.flagged).sum(),
        cells_without_ages: 0,
        age_rows_without_cell: 0,
    };
    for grid in grids {
        for cell in grid.cells {
            let mut finest = None;
            for (table, count) in tables.iter().zip(matched.iter_mut()) {
                if let Some(a) = table.get(cell.key) {
                    *count += 1;
                    finest = finest.or(Some(*a));
                }
            }
            let ages = finest.unwrap_or_else(|| {
                joined.cells_without_ages += 1;
                shares.apply(cell.residents)
            });
            joined.units.push(PopulationUnit {
                location: cell.location,
                residents: cell.residents,
                ages,
                source: PopulationSource::Census,
            });
        }
    }
    joined.age_rows_without_cell = tables
        .iter()
        .zip(&matched)
        .map(|(t, &m)| t.ages.len().saturating_sub(m))
        .sum();
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_split_by_years() {
        // a10bis15 = ages 10..=15 (6 years): 10, 11 → 6–11 (2/6); 12..15 → 12–17 (4/6).
        assert_eq!(split_into_bands(6.0, 10, 15), [0.0, 2.0, 4.0]);
        // a16bis18 = 16, 17, 18 (3 years): 16, 17 → 12–17 (2/3); 18 is no child.
        assert_eq!(split_into_bands(9.0, 16, 18), [0.0, 0.0, 6.0]);
        // Unter10 = 0..=9: 0..5 → 6/10, 6..9 → 4/10.
        assert_eq!(split_into_bands(10.0, 0, 9), [6.0, 4.0, 0.0]);
        // a10bis19: 10, 11 → 2/10; 12..17 → 6/10; 18, 19 → none.
        assert_eq!(split_into_bands(20.0, 10, 19), [0.0, 4.0, 12.0]);
        // Unter18 = 0..=17: a third each.
        assert_eq!(split_into_bands(18.0, 0, 17), [6.0, 6.0, 6.0]);
        // Whole classes.
        assert_eq!(split_into_bands(5.0, 0, 2), [5.0, 0.0, 0.0]);
        assert_eq!(split_into_bands(5.0, 6, 9), [0.0, 5.0, 0.0]);
    }
}
