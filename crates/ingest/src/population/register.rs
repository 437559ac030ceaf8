//! Register population per area: a statistical office's table of residents by age per planning
//! area (`--population-register`), described by a mapping (`--register-mapping`).
//!
//! Owns the mapping (presets `berlin-lor`, `long-form`, or a TOML file), reading the table in the
//! dialects offices write (`,` `;` or tab, decimal comma, thousands separators, UTF-8 with or
//! without BOM, Windows-1252), matching rows to areas and deriving the bands 0–5, 6–11, 12–17
//! from one-year or grouped ages. Format and rules: docs/population.md ("Register population").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use model::Neighbourhood;
use serde::Deserialize;

use super::PopulationError;
use super::calibrate::find_neighbourhood;
use super::number::{DecimalMark, parse_localized};
use super::zensus::split_into_bands;

/// The first and last age (inclusive, whole years) of the bands 0–5, 6–11, 12–17.
const BANDS: [(u32, u32); 3] = [(0, 5), (6, 11), (12, 17)];

/// One age group of a table: people aged `from..=to` (whole years).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeGroup {
    /// The column (wide form) or `line N` (long form).
    pub column: String,
    /// First age.
    pub from: u32,
    /// Last age (inclusive).
    pub to: u32,
}

impl AgeGroup {
    /// Whether the group must be split between bands (or between a band and adults): it holds
    /// children and does not lie inside one band.
    pub fn straddles(&self) -> bool {
        self.from <= 17
            && !BANDS
                .iter()
                .any(|&(lo, hi)| self.from >= lo && self.to <= hi)
    }
}

/// Column names like `E_E00_01` whose numbers are the ages of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgePattern {
    /// Text before the first age, e.g. `E_E`.
    pub prefix: String,
    /// Text between the two ages, e.g. `_`.
    pub middle: String,
    /// Text after the second age (often empty).
    pub suffix: String,
    /// Whether the second number is the first age *not* in the group (`E_E00_01` = age 0).
    pub upper_exclusive: bool,
}

impl AgePattern {
    /// Parses a template like `E_E{from}_{to}`.
    fn parse(template: &str, upper_exclusive: bool) -> Option<Self> {
        let (prefix, rest) = template.split_once("{from}")?;
        let (middle, suffix) = rest.split_once("{to}")?;
        (!middle.is_empty()).then(|| Self {
            prefix: prefix.into(),
            middle: middle.into(),
            suffix: suffix.into(),
            upper_exclusive,
        })
    }

    /// The age group a column name stands for, if it matches.
    pub fn group(&self, column: &str) -> Option<AgeGroup> {
        let rest = column
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        let (a, b) = rest.split_once(self.middle.as_str())?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return None;
        }
        let (from, upper): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        let to = if self.upper_exclusive {
            upper.checked_sub(1)?
        } else {
            upper
        };
        (from <= to).then(|| AgeGroup {
            column: column.to_string(),
            from,
            to,
        })
    }

    fn template(&self) -> String {
        format!(
            "{}{{from}}{}{{to}}{}",
            self.prefix, self.middle, self.suffix
        )
    }
}

/// How the table holds ages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterLayout {
    /// One row per area; the listed columns hold the age groups.
    Columns(Vec<AgeGroup>),
    /// One row per area; every column matching the pattern is an age group.
    Pattern(AgePattern),
    /// One row per area and age group: `area, from, to, count`.
    Long {
        /// Column of the first age.
        from_column: String,
        /// Column of the last age (inclusive).
        to_column: String,
        /// Column of the number of people.
        count_column: String,
    },
}

/// A `--register-mapping`: which column is the area id, which are the ages, and the dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterMapping {
    /// The preset's name or the mapping file, for messages.
    pub name: String,
    /// The column holding the area id (matched like `--population-totals` rows).
    pub id_column: String,
    /// The column holding all residents, if the table has one (wide form only).
    pub total_column: Option<String>,
    /// The age columns or rows.
    pub layout: RegisterLayout,
    /// The field separator; `None`: sniffed from the header (`;`, `,` or tab, the most frequent).
    pub separator: Option<u8>,
    /// The text encoding; `None`: UTF-8 if the file is valid UTF-8, else Windows-1252.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The decimal mark; `None`: `,` if the separator is `;` or tab, else `.`.
    pub decimal: Option<DecimalMark>,
}

/// The mapping file's TOML form (see docs/population.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingToml {
    format: Option<String>,
    id_column: String,
    total_column: Option<String>,
    separator: Option<String>,
    encoding: Option<String>,
    decimal: Option<String>,
    ages: Option<BTreeMap<String, [u32; 2]>>,
    age_pattern: Option<String>,
    pattern_upper: Option<String>,
    from_column: Option<String>,
    to_column: Option<String>,
    count_column: Option<String>,
}

/// The presets `--register-mapping` accepts besides a file.
pub const PRESETS: [&str; 2] = ["berlin-lor", "long-form"];

impl RegisterMapping {
    /// Berlin's "Einwohnerinnen und Einwohner in Berlin in LOR-Planungsräumen" matrix
    /// (`EWR…E_Matrix.csv`): id `RAUMID`, all residents `E_E`, age groups `E_Exx_yy` = ages
    /// xx to yy−1 (`E_E00_01` = under 1, `E_E03_05` = 3–4, `E_E15_18` = 15–17).
    pub fn berlin_lor() -> Self {
        Self {
            name: "berlin-lor".into(),
            id_column: "RAUMID".into(),
            total_column: Some("E_E".into()),
            layout: RegisterLayout::Pattern(AgePattern {
                prefix: "E_E".into(),
                middle: "_".into(),
                suffix: String::new(),
                upper_exclusive: true,
            }),
            separator: None,
            encoding: None,
            decimal: None,
        }
    }

    /// The plain long form `area_id,age_from,age_to,count` (ages inclusive).
    pub fn long_form() -> Self {
        Self {
            name: "long-form".into(),
            id_column: "area_id".into(),
            total_column: None,
            layout: RegisterLayout::Long {
                from_column: "age_from".into(),
                to_column: "age_to".into(),
                count_column: "count".into(),
            },
            separator: None,
            encoding: None,
            decimal: None,
        }
    }

    /// A preset by name (`berlin-lor`, `long-form`) or else a TOML mapping file.
    pub fn load(spec: &str) -> Result<Self, PopulationError> {
        match spec {
            "berlin-lor" => Ok(Self::berlin_lor()),
            "long-form" => Ok(Self::long_form()),
            path => Self::from_file(Path::new(path)),
        }
    }

    /// Reads a TOML mapping file.
    pub fn from_file(path: &Path) -> Result<Self, PopulationError> {
        let name = path.display().to_string();
        let bad = |message: String| PopulationError::Mapping {
            mapping: name.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            bad(if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "no such file (nor one of the presets {})",
                    PRESETS.join(", ")
                )
            } else {
                e.to_string()
            })
        })?;
        let raw: MappingToml = toml::from_str(&text)
            .map_err(|e| bad(e.to_string().replace('\n', " ").trim().to_string()))?;
        Self::from_toml(raw, name.clone()).map_err(bad)
    }

    fn from_toml(raw: MappingToml, name: String) -> Result<Self, String> {
        let long = match raw.format.as_deref() {
            None | Some("wide") => false,
            Some("long") => true,
            Some(other) => return Err(format!("format = '{other}': expected 'wide' or 'long'")),
        };
        let layout = if long {
            if raw.ages.is_some() || raw.age_pattern.is_some() || raw.total_column.is_some() {
                return Err(
                    "format = 'long' takes from_column, to_column, count_column, not ages, age_pattern or total_column"
                        .into(),
                );
            }
            RegisterLayout::Long {
                from_column: raw.from_column.unwrap_or_else(|| "age_from".into()),
                to_column: raw.to_column.unwrap_or_else(|| "age_to".into()),
                count_column: raw.count_column.unwrap_or_else(|| "count".into()),
            }
        } else {
            if raw.from_column.is_some() || raw.to_column.is_some() || raw.count_column.is_some() {
                return Err("from_column, to_column and count_column need format = 'long'".into());
            }
            let upper_exclusive = match raw.pattern_upper.as_deref() {
                None | Some("inclusive") => false,
                Some("exclusive") => true,
                Some(other) => {
                    return Err(format!(
                        "pattern_upper = '{other}': expected 'inclusive' or 'exclusive'"
                    ));
                }
            };
            match (raw.ages, raw.age_pattern) {
                (Some(ages), None) => RegisterLayout::Columns(
                    ages.into_iter()
                        .map(|(column, [from, to])| {
                            if from > to {
                                Err(format!(
                                    "ages.{column} = [{from}, {to}]: first age after last"
                                ))
                            } else {
                                Ok(AgeGroup { column, from, to })
                            }
                        })
                        .collect::<Result<_, _>>()?,
                ),
                (None, Some(t)) => RegisterLayout::Pattern(
                    AgePattern::parse(&t, upper_exclusive).ok_or_else(|| {
                        format!(
                            "age_pattern = '{t}': expected a template like 'E_E{{from}}_{{to}}'"
                        )
                    })?,
                ),
                _ => {
                    return Err("give either [ages] (column = [first, last]) or age_pattern".into());
                }
            }
        };
        let (separator, decimal, encoding) = dialect(
            raw.separator.as_deref(),
            raw.decimal.as_deref(),
            raw.encoding.as_deref(),
        )?;
        Ok(Self {
            name,
            id_column: raw.id_column,
            total_column: raw.total_column,
            layout,
            separator,
            encoding,
            decimal,
        })
    }
}

/// A mapping's `separator`, `decimal` and `encoding` settings (each `None`: found from the file).
pub(crate) type Dialect = (
    Option<u8>,
    Option<DecimalMark>,
    Option<&'static encoding_rs::Encoding>,
);

/// Reads a mapping's dialect settings: `separator` (`;`, `,`, `tab`), `decimal` (`,`, `.`),
/// `encoding` (a WHATWG label such as `windows-1252`).
pub(crate) fn dialect(
    separator: Option<&str>,
    decimal: Option<&str>,
    encoding: Option<&str>,
) -> Result<Dialect, String> {
    let separator = match separator {
        None => None,
        Some(";") => Some(b';'),
        Some(",") => Some(b','),
        Some("\t" | "tab") => Some(b'\t'),
        Some(other) => {
            return Err(format!("separator = '{other}': expected ';', ',' or 'tab'"));
        }
    };
    let decimal = match decimal {
        None => None,
        Some(",") => Some(DecimalMark::Comma),
        Some(".") => Some(DecimalMark::Point),
        Some(other) => return Err(format!("decimal = '{other}': expected ',' or '.'")),
    };
    let encoding = match encoding {
        None => None,
        Some(label) => Some(
            encoding_rs::Encoding::for_label(label.as_bytes())
                .ok_or_else(|| format!("encoding = '{label}' is not a known encoding"))?,
        ),
    };
    Ok((separator, decimal, encoding))
}

/// One area's row(s) of the register, matched and split into bands.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterArea {
    /// Index of the neighbourhood.
    pub neighbourhood: usize,
    /// The (first) line of the area (header = 1).
    pub line: usize,
    /// All residents: the total column, else the sum of all age groups given.
    pub residents: f64,
    /// Children per band.
    pub ages: [f64; 3],
    /// Whether a group straddling a band boundary held people here (split by whole years).
    pub split: bool,
}

/// A register table, read and matched to the areas.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterTable {
    /// The file.
    pub file: PathBuf,
    /// The mapping's name.
    pub mapping: String,
    /// The encoding the file was read with.
    pub encoding: &'static str,
    /// The separator used.
    pub separator: char,
    /// The age groups of a wide table (empty for the long form).
    pub groups: Vec<AgeGroup>,
    /// Whether residents came from a total column (else: sum of the age groups).
    pub total_from_column: bool,
    /// One entry per area, in file order.
    pub areas: Vec<RegisterArea>,
}

/// Decodes the file: the mapping's encoding, else UTF-8 (BOM dropped) if valid, else Windows-1252.
fn decode(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> Result<(String, &'static str), PopulationError> {
    if let Some(enc) = forced {
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(PopulationError::Columns {
                file: path.to_path_buf(),
                line: 1,
                message: format!("the file is not valid {} as the mapping says", enc.name()),
            });
        }
        return Ok((text.into_owned(), enc.name()));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok((t.to_string(), "UTF-8")),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), "windows-1252"))
        }
    }
}

/// The most frequent of `;`, `,`, tab in the header line (ties: `;`).
fn sniff_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    let (semi, comma, tab) = (count(';'), count(','), count('\t'));
    if tab > semi && tab > comma {
        b'\t'
    } else if comma > semi {
        b','
    } else {
        b';'
    }
}

/// A delimited table as read: its header, its non-header records with their lines, and the
/// dialect found. Shared by the register and the social table (`crate::social`).
pub(crate) struct Table {
    /// The header's column names, trimmed.
    pub columns: Vec<String>,
    /// Each record after the header with its line (header = 1).
    pub rows: Vec<(usize, csv::StringRecord)>,
    /// The encoding the file was read with.
    pub encoding: &'static str,
    /// The separator used.
    pub separator: u8,
    /// The decimal mark numbers are read with.
    pub decimal: DecimalMark,
}

/// Reads a delimited table in the dialects offices write: `separator` (`None`: sniffed from
/// the header), `encoding` (`None`: UTF-8 if valid, else Windows-1252), `decimal` (`None`: `,`
/// unless the separator is `,`).
pub(crate) fn read_table(
    path: &Path,
    separator: Option<u8>,
    encoding: Option<&'static encoding_rs::Encoding>,
    decimal: Option<DecimalMark>,
) -> Result<Table, PopulationError> {
    let bytes = std::fs::read(path).map_err(|source| PopulationError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let (text, encoding) = decode(path, &bytes, encoding)?;
    // LF only: the CSV reader counts a CRLF row's line from its '\r'.
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    let separator = separator.unwrap_or_else(|| sniff_separator(&text));
    let decimal = decimal.unwrap_or(if separator == b',' {
        DecimalMark::Point
    } else {
        DecimalMark::Comma
    });
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line() as usize);
        PopulationError::Columns {
            file: path.to_path_buf(),
            line,
            message: e.to_string(),
        }
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_error)?,
        None => {
            return Err(PopulationError::Columns {
                file: path.to_path_buf(),
                line: 1,
                message: "the file is empty: expected a header line".into(),
            });
        }
    };
    let columns = header.iter().map(|c| c.trim().to_string()).collect();
    let rows = records
        .map(|r| {
            r.map(|rec| {
                let line = rec.position().map_or(0, |p| p.line() as usize);
                (line, rec)
            })
            .map_err(csv_error)
        })
        .collect::<Result<_, _>>()?;
    Ok(Table {
        columns,
        rows,
        encoding,
        separator,
        decimal,
    })
}

/// Reads the register table `path` as `mapping` says and matches its rows to `neighbourhoods`
/// (by id, then name, as `--population-totals`; ids of digits also ignoring leading zeros).
pub fn read_register(
    path: &Path,
    mapping: &RegisterMapping,
    neighbourhoods: &[Neighbourhood],
) -> Result<RegisterTable, PopulationError> {
    let Table {
        columns,
        rows,
        encoding,
        separator,
        decimal,
    } = read_table(path, mapping.separator, mapping.encoding, mapping.decimal)?;
    let file = path.to_path_buf();
    let ctx = Ctx {
        file: &file,
        mapping: &mapping.name,
        columns: &columns,
        decimal,
    };
    let id = ctx.column(&mapping.id_column)?;
    let mut table = RegisterTable {
        file: file.clone(),
        mapping: mapping.name.clone(),
        encoding,
        separator: char::from(separator),
        groups: Vec::new(),
        total_from_column: mapping.total_column.is_some(),
        areas: Vec::new(),
    };
    let mut rows = rows.into_iter().map(Ok);
    match &mapping.layout {
        RegisterLayout::Long {
            from_column,
            to_column,
            count_column,
        } => {
            let cols = [
                ctx.column(from_column)?,
                ctx.column(to_column)?,
                ctx.column(count_column)?,
            ];
            read_long(&ctx, id, cols, &mut rows, neighbourhoods, &mut table)?;
        }
        layout => {
            let groups = match layout {
                RegisterLayout::Columns(groups) => {
                    for g in groups {
                        ctx.column(&g.column)?;
                    }
                    groups.clone()
                }
                RegisterLayout::Pattern(p) => {
                    let found: Vec<AgeGroup> = columns.iter().filter_map(|c| p.group(c)).collect();
                    if found.is_empty() {
                        return Err(PopulationError::MissingColumn {
                            file: file.clone(),
                            mapping: mapping.name.clone(),
                            column: p.template(),
                            found: found_list(&columns),
                        });
                    }
                    found
                }
                RegisterLayout::Long { .. } => unreachable!("handled above"),
            };
            check_groups(&groups).map_err(|message| PopulationError::AgeGroups {
                file: file.clone(),
                line: 1,
                message: format!("{message} (mapping {})", mapping.name),
            })?;
            let indexed: Vec<(usize, AgeGroup)> = groups
                .iter()
                .map(|g| Ok((ctx.column(&g.column)?, g.clone())))
                .collect::<Result<_, PopulationError>>()?;
            let total = mapping
                .total_column
                .as_ref()
                .map(|t| ctx.column(t))
                .transpose()?;
            table.groups = groups;
            read_wide(
                &ctx,
                id,
                total,
                &indexed,
                &mut rows,
                neighbourhoods,
                &mut table,
            )?;
        }
    }
    Ok(table)
}

/// What the row readers share (also those of the social table).
pub(crate) struct Ctx<'a> {
    /// The file, for messages.
    pub file: &'a Path,
    /// The mapping's name, for messages.
    pub mapping: &'a str,
    /// The header's columns.
    pub columns: &'a [String],
    /// The decimal mark.
    pub decimal: DecimalMark,
}

impl Ctx<'_> {
    /// The index of a column the mapping names (exact, then ignoring case).
    pub fn column(&self, name: &str) -> Result<usize, PopulationError> {
        self.columns
            .iter()
            .position(|c| c == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| PopulationError::MissingColumn {
                file: self.file.to_path_buf(),
                mapping: self.mapping.to_string(),
                column: name.to_string(),
                found: found_list(self.columns),
            })
    }

    /// A count: a non-negative number in the table's dialect; `-` / `–` (nothing) count as 0.
    fn count(
        &self,
        line: usize,
        record: &csv::StringRecord,
        index: usize,
    ) -> Result<f64, PopulationError> {
        let text = record.get(index).unwrap_or("").trim();
        if matches!(text, "-" | "\u{2013}") {
            return Ok(0.0);
        }
        match parse_localized(text, self.decimal) {
            Some(v) if v >= 0.0 => Ok(v),
            Some(_) => Err(PopulationError::NegativeCount {
                file: self.file.to_path_buf(),
                line,
                column: self.columns[index].clone(),
                value: text.to_string(),
            }),
            None => Err(PopulationError::NotNumeric {
                file: self.file.to_path_buf(),
                line,
                column: self.columns[index].clone(),
                value: text.to_string(),
            }),
        }
    }

    /// A whole age in years.
    fn age(
        &self,
        line: usize,
        record: &csv::StringRecord,
        index: usize,
    ) -> Result<u32, PopulationError> {
        let text = record.get(index).unwrap_or("").trim();
        text.parse().map_err(|_| PopulationError::NotNumeric {
            file: self.file.to_path_buf(),
            line,
            column: self.columns[index].clone(),
            value: text.to_string(),
        })
    }

    /// The neighbourhood an id names.
    pub fn area(
        &self,
        line: usize,
        key: &str,
        neighbourhoods: &[Neighbourhood],
    ) -> Result<usize, PopulationError> {
        let key = key.trim();
        match find_neighbourhood(neighbourhoods, key, self.file, line) {
            Err(PopulationError::UnknownNeighbourhood { .. })
                if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) =>
            {
                // Spreadsheets drop leading zeros: 1100101 is LOR 01100101.
                let bare = key.trim_start_matches('0');
                neighbourhoods
                    .iter()
                    .position(|n| {
                        n.id.bytes().all(|b| b.is_ascii_digit())
                            && n.id.trim_start_matches('0') == bare
                    })
                    .ok_or_else(|| PopulationError::UnknownNeighbourhood {
                        file: self.file.to_path_buf(),
                        line,
                        name: key.to_string(),
                    })
            }
            other => other,
        }
    }
}

/// The first columns of the header, for a message.
fn found_list(columns: &[String]) -> String {
    let shown: Vec<&str> = columns.iter().take(12).map(String::as_str).collect();
    let more = if columns.len() > 12 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Checks that the groups holding children cover every age 0–17 exactly once and that no two
/// groups overlap anywhere.
pub fn check_groups(groups: &[AgeGroup]) -> Result<(), String> {
    let mut sorted: Vec<&AgeGroup> = groups.iter().collect();
    sorted.sort_by_key(|g| (g.from, g.to));
    for pair in sorted.windows(2) {
        if pair[1].from <= pair[0].to {
            return Err(format!(
                "age groups {} ({}–{}) and {} ({}–{}) overlap",
                pair[0].column, pair[0].from, pair[0].to, pair[1].column, pair[1].from, pair[1].to
            ));
        }
    }
    let mut next = 0u32;
    for g in sorted.iter().filter(|g| g.from <= 17) {
        if g.from > next {
            return Err(format!("no age group covers ages {next}–{}", g.from - 1));
        }
        next = g.to + 1;
    }
    if next <= 17 {
        return Err(format!("no age group covers ages {next}–17"));
    }
    Ok(())
}

type Rows<'a> = dyn Iterator<Item = Result<(usize, csv::StringRecord), PopulationError>> + 'a;

fn read_wide(
    ctx: &Ctx<'_>,
    id: usize,
    total: Option<usize>,
    groups: &[(usize, AgeGroup)],
    rows: &mut Rows<'_>,
    neighbourhoods: &[Neighbourhood],
    table: &mut RegisterTable,
) -> Result<(), PopulationError> {
    let mut first_line: Vec<Option<usize>> = vec![None; neighbourhoods.len()];
    for row in rows {
        let (line, record) = row?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let key = record.get(id).unwrap_or("");
        let neighbourhood = ctx.area(line, key, neighbourhoods)?;
        if let Some(first) = first_line[neighbourhood] {
            return Err(PopulationError::DuplicateTotal {
                file: ctx.file.to_path_buf(),
                line,
                name: neighbourhoods[neighbourhood].name.clone(),
                first,
            });
        }
        first_line[neighbourhood] = Some(line);
        let mut ages = [0.0; 3];
        let mut sum = 0.0;
        let mut split = false;
        for (index, group) in groups {
            let v = ctx.count(line, &record, *index)?;
            sum += v;
            split |= v > 0.0 && group.straddles();
            for (a, part) in ages
                .iter_mut()
                .zip(split_into_bands(v, group.from, group.to))
            {
                *a += part;
            }
        }
        let residents = match total {
            Some(t) => ctx.count(line, &record, t)?,
            None => sum,
        };
        table.areas.push(RegisterArea {
            neighbourhood,
            line,
            residents,
            ages,
            split,
        });
    }
    Ok(())
}

/// An area of a long table: neighbourhood, first line, its groups with their counts.
type LongArea = (usize, usize, Vec<(AgeGroup, f64)>);

fn read_long(
    ctx: &Ctx<'_>,
    id: usize,
    [from_col, to_col, count_col]: [usize; 3],
    rows: &mut Rows<'_>,
    neighbourhoods: &[Neighbourhood],
    table: &mut RegisterTable,
) -> Result<(), PopulationError> {
    // Per area: its neighbourhood, first line, groups with their counts, in file order.
    let mut per_area: Vec<LongArea> = Vec::new();
    let mut slot: Vec<Option<usize>> = vec![None; neighbourhoods.len()];
    for row in rows {
        let (line, record) = row?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let key = record.get(id).unwrap_or("");
        let neighbourhood = ctx.area(line, key, neighbourhoods)?;
        let from = ctx.age(line, &record, from_col)?;
        let to = ctx.age(line, &record, to_col)?;
        if from > to {
            return Err(PopulationError::AgeGroups {
                file: ctx.file.to_path_buf(),
                line,
                message: format!(
                    "{} = {from} is after {} = {to}",
                    ctx.columns[from_col], ctx.columns[to_col]
                ),
            });
        }
        let count = ctx.count(line, &record, count_col)?;
        let i = *slot[neighbourhood].get_or_insert_with(|| {
            per_area.push((neighbourhood, line, Vec::new()));
            per_area.len() - 1
        });
        per_area[i].2.push((
            AgeGroup {
                column: format!("line {line}"),
                from,
                to,
            },
            count,
        ));
    }
    for (neighbourhood, first, rows) in per_area {
        let groups: Vec<AgeGroup> = rows.iter().map(|r| r.0.clone()).collect();
        check_groups(&groups).map_err(|message| PopulationError::AgeGroups {
            file: ctx.file.to_path_buf(),
            line: first,
            message: format!("area '{}': {message}", neighbourhoods[neighbourhood].id),
        })?;
        let mut ages = [0.0; 3];
        let mut split = false;
        for (g, v) in &rows {
            split |= *v > 0.0 && g.straddles();
            for (a, part) in ages.iter_mut().zip(split_into_bands(*v, g.from, g.to)) {
                *a += part;
            }
        }
        table.areas.push(RegisterArea {
            neighbourhood,
            line: first,
            residents: rows.iter().map(|r| r.1).sum(),
            ages,
            split,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(from: u32, to: u32) -> AgeGroup {
        AgeGroup {
            column: format!("g{from}_{to}"),
            from,
            to,
        }
    }

    #[test]
    fn berlin_pattern_reads_upper_exclusive_bounds() {
        let RegisterLayout::Pattern(p) = RegisterMapping::berlin_lor().layout else {
            panic!("pattern")
        };
        assert_eq!(p.group("E_E00_01").map(|g| (g.from, g.to)), Some((0, 0)));
        assert_eq!(p.group("E_E03_05").map(|g| (g.from, g.to)), Some((3, 4)));
        assert_eq!(p.group("E_E15_18").map(|g| (g.from, g.to)), Some((15, 17)));
        assert_eq!(
            p.group("E_E95_110").map(|g| (g.from, g.to)),
            Some((95, 109))
        );
        assert_eq!(p.group("E_E"), None);
        assert_eq!(p.group("E_EM"), None);
        assert_eq!(p.group("E_E18U25"), None);
        assert_eq!(p.group("E_E00_00"), None);
    }

    #[test]
    fn groups_must_tile_childhood() {
        assert!(check_groups(&[g(0, 5), g(6, 11), g(12, 17)]).is_ok());
        assert!(check_groups(&[g(0, 9), g(10, 19), g(20, 99)]).is_ok());
        let e = check_groups(&[g(0, 5), g(5, 11), g(12, 17)]).unwrap_err();
        assert!(e.contains("overlap"), "{e}");
        let e = check_groups(&[g(0, 5), g(7, 17)]).unwrap_err();
        assert_eq!(e, "no age group covers ages 6–6");
        let e = check_groups(&[g(0, 5), g(6, 11)]).unwrap_err();
        assert_eq!(e, "no age group covers ages 12–17");
        let e = check_groups(&[g(1, 17)]).unwrap_err();
        assert_eq!(e, "no age group covers ages 0–0");
    }

    #[test]
    fn straddling() {
        assert!(!g(0, 0).straddles());
        assert!(!g(6, 11).straddles());
        assert!(g(10, 15).straddles());
        assert!(g(15, 18).straddles());
        assert!(!g(18, 20).straddles());
        assert!(g(0, 17).straddles());
    }
}
