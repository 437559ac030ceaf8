//! Social indicators per area (`--social`): a statistical office's table of shares per planning
//! area (e.g. children in households receiving SGB II benefits), described by a TOML mapping
//! (`--social-mapping`).
//!
//! Owns the mapping format, reading the table (with the register's reader: `,` `;` or tab,
//! decimal comma, UTF-8 or Windows-1252) and checking every value is a share of a known area.
//! Format and rules: docs/interfaces.md ("Social indicators").

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use model::{Neighbourhood, SocialIndicator};
use serde::Deserialize;

use crate::population::PopulationError;
use crate::population::number::parse_localized;
use crate::population::register::{Ctx, Dialect, dialect, read_table};

/// Keys a social indicator may not take: the need score's own parts.
pub const RESERVED_KEYS: [&str; 4] = ["age_0_5", "age_6_11", "age_12_17", "play_area"];

/// Cell texts that mean "no value" (suppressed or not collected): the area gets no value.
const NO_VALUE: [&str; 5] = ["", "-", "\u{2013}", ".", "x"];

/// Why a social table could not be read. Every message names the file, and the line and
/// column where there is one.
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// The mapping file is missing or not valid.
    #[error("--social-mapping {mapping}: {message}")]
    Mapping {
        /// The mapping file.
        mapping: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A column the mapping names is not in the table.
    #[error(
        "{file}:1: column '{column}' named by social mapping {mapping} is missing (found: {found})",
        file = .file.display()
    )]
    MissingColumn {
        /// The table.
        file: PathBuf,
        /// The mapping file.
        mapping: String,
        /// The missing column.
        column: String,
        /// The first columns found.
        found: String,
    },
    /// A value that is not a number.
    #[error("{file}:{line}: column {column}: '{value}' is not a number", file = .file.display())]
    NotNumeric {
        /// The table.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The column.
        column: String,
        /// The text found.
        value: String,
    },
    /// A value outside 0–1 (a share) or 0–100 (a percent).
    #[error(
        "{file}:{line}: column {column}: {value} is not a {what}",
        file = .file.display()
    )]
    OutOfRange {
        /// The table.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The column.
        column: String,
        /// The text found.
        value: String,
        /// `share between 0 and 1` or `percent between 0 and 100`.
        what: &'static str,
    },
    /// An area given twice.
    #[error(
        "{file}:{line}: area '{id}' already has a row on line {first}",
        file = .file.display()
    )]
    DuplicateArea {
        /// The table.
        file: PathBuf,
        /// The line (header = 1).
        line: usize,
        /// The neighbourhood id.
        id: String,
        /// The line of its first row.
        first: usize,
    },
    /// The table could not be read, or a row names no known area.
    #[error(transparent)]
    Table(#[from] PopulationError),
}

/// How the values of a column are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialUnit {
    /// A share between 0 and 1.
    Share,
    /// A percent between 0 and 100 (divided by 100).
    Percent,
}

/// One indicator of the mapping.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorColumn {
    /// The short key (`sgb2`) the standard's `[need.social]` weights name.
    pub key: String,
    /// The table's column.
    pub column: String,
    /// German label (default: the key).
    pub label_de: Option<String>,
    /// English label (default: the German one).
    pub label_en: Option<String>,
    /// Share (0–1) or percent (0–100).
    pub unit: SocialUnit,
}

/// A `--social-mapping`: the id column, the indicators and the table's dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialMapping {
    /// The mapping file, for messages.
    pub name: String,
    /// The column holding the area id (matched as the register's: id, name, digits without
    /// leading zeros).
    pub id_column: String,
    /// The indicators, in the mapping's order.
    pub indicators: Vec<IndicatorColumn>,
    /// Separator, decimal mark and encoding (`None`: found from the file).
    pub dialect: Dialect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingToml {
    id_column: String,
    separator: Option<String>,
    decimal: Option<String>,
    encoding: Option<String>,
    #[serde(default)]
    indicator: Vec<IndicatorColumn>,
}

impl SocialMapping {
    /// Reads and checks a TOML mapping file.
    pub fn from_file(path: &Path) -> Result<SocialMapping, SocialError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SocialError::Mapping {
            mapping: name.clone(),
            message: e.to_string(),
        })?;
        Self::from_toml_str(&text, &name)
    }

    /// Parses and checks a mapping's TOML text; `name` names it in messages.
    pub fn from_toml_str(text: &str, name: &str) -> Result<SocialMapping, SocialError> {
        let bad = |message: String| SocialError::Mapping {
            mapping: name.to_string(),
            message,
        };
        let raw: MappingToml = toml::from_str(text)
            .map_err(|e| bad(e.to_string().replace('\n', " ").trim().to_string()))?;
        if raw.indicator.is_empty() {
            return Err(bad(
                "no [[indicator]] given (key, column, unit = 'share' or 'percent')".into(),
            ));
        }
        let mut seen = HashSet::new();
        for i in &raw.indicator {
            let k = i.key.as_str();
            if k.is_empty()
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(bad(format!(
                    "indicator key '{k}': use lower-case letters, digits and '_'"
                )));
            }
            if RESERVED_KEYS.contains(&k) {
                return Err(bad(format!(
                    "indicator key '{k}' is taken by the need score's own parts ({})",
                    RESERVED_KEYS.join(", ")
                )));
            }
            if !seen.insert(k) {
                return Err(bad(format!("indicator key '{k}' is given twice")));
            }
        }
        let dialect = dialect(
            raw.separator.as_deref(),
            raw.decimal.as_deref(),
            raw.encoding.as_deref(),
        )
        .map_err(bad)?;
        Ok(SocialMapping {
            name: name.to_string(),
            id_column: raw.id_column,
            indicators: raw.indicator,
            dialect,
        })
    }
}

/// Reads the social table `path` as `mapping` says: one indicator per mapped column, each value
/// a share of the neighbourhood the row's id names. A cell that is empty, `-`, `–`, `.` or `x`
/// gives that area no value for the column.
pub fn read_social(
    path: &Path,
    mapping: &SocialMapping,
    neighbourhoods: &[Neighbourhood],
) -> Result<Vec<SocialIndicator>, SocialError> {
    let (separator, decimal, encoding) = mapping.dialect;
    let table = read_table(path, separator, encoding, decimal)?;
    let ctx = Ctx {
        file: path,
        mapping: &mapping.name,
        columns: &table.columns,
        decimal: table.decimal,
    };
    let column = |name: &str| {
        ctx.column(name).map_err(|_| SocialError::MissingColumn {
            file: path.to_path_buf(),
            mapping: mapping.name.clone(),
            column: name.to_string(),
            found: table
                .columns
                .iter()
                .take(12)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })
    };
    let id = column(&mapping.id_column)?;
    let columns: Vec<usize> = mapping
        .indicators
        .iter()
        .map(|i| column(&i.column))
        .collect::<Result<_, _>>()?;
    let mut out: Vec<SocialIndicator> = mapping
        .indicators
        .iter()
        .map(|i| {
            let de = i.label_de.clone().unwrap_or_else(|| i.key.clone());
            SocialIndicator {
                key: i.key.clone(),
                label_en: i.label_en.clone().unwrap_or_else(|| de.clone()),
                label_de: de,
                values: BTreeMap::new(),
            }
        })
        .collect();
    let mut first_line: Vec<Option<usize>> = vec![None; neighbourhoods.len()];
    for (line, record) in &table.rows {
        let line = *line;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let n = ctx.area(line, record.get(id).unwrap_or(""), neighbourhoods)?;
        let area_id = &neighbourhoods[n].id;
        if let Some(first) = first_line[n] {
            return Err(SocialError::DuplicateArea {
                file: path.to_path_buf(),
                line,
                id: area_id.clone(),
                first,
            });
        }
        first_line[n] = Some(line);
        for ((indicator, &index), into) in mapping.indicators.iter().zip(&columns).zip(&mut out) {
            let text = record.get(index).unwrap_or("").trim();
            if NO_VALUE.contains(&text) {
                continue;
            }
            let column = table.columns[index].clone();
            let v =
                parse_localized(text, table.decimal).ok_or_else(|| SocialError::NotNumeric {
                    file: path.to_path_buf(),
                    line,
                    column: column.clone(),
                    value: text.to_string(),
                })?;
            let (share, what) = match indicator.unit {
                SocialUnit::Share => (v, "share between 0 and 1"),
                SocialUnit::Percent => (v / 100.0, "percent between 0 and 100"),
            };
            if !(0.0..=1.0).contains(&share) {
                return Err(SocialError::OutOfRange {
                    file: path.to_path_buf(),
                    line,
                    column,
                    value: text.to_string(),
                    what,
                });
            }
            into.values.insert(area_id.clone(), share);
        }
    }
    Ok(out)
}
