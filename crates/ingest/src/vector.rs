//! One entry point for the city's vector files: GeoJSON, GeoPackage, Shapefile (also zipped) and
//! FlatGeobuf, each read into features in WGS84 lon/lat with their properties as JSON values.
//!
//! Owns choosing the reader by extension, finding each file's CRS (through [`crate::crs`]) and
//! converting its geometries, and decoding Shapefile text by its `.cpg` or DBF code page. The
//! boundary, candidate and population-point readers build on it; errors name the file and the
//! feature (its 0-based position in the file).

use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use geo_types::Geometry;
use geozero::{ColumnValue, FeatureProperties, PropertyProcessor, ToGeo};
use serde_json::{Map, Value};

use crate::crs::{Crs, CrsError};
use crate::geojson::{Accept, FeatureFile, GeoJsonError};

/// The file types read, for messages.
pub const SUPPORTED_EXTENSIONS: &str = ".geojson/.json (GeoJSON), .gpkg (GeoPackage), .shp or a .zip holding one (Shapefile), .fgb (FlatGeobuf)";

/// Errors reading a vector file; each is one line naming the file (and the feature, the field).
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// A GeoJSON problem (its messages as before).
    #[error(transparent)]
    GeoJson(#[from] GeoJsonError),
    /// The file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The extension names no supported format.
    #[error("{}: unknown file type, supported: {SUPPORTED_EXTENSIONS}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is not what its extension says, or lacks a part.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file's CRS is missing, unknown or unsupported.
    #[error("{}: {source}", path.display())]
    Crs {
        /// The file.
        path: PathBuf,
        /// What is wrong with the CRS.
        source: CrsError,
    },
    /// One feature is unusable.
    #[error("{}: feature {index}: {message}", path.display())]
    Feature {
        /// The file.
        path: PathBuf,
        /// The feature's 0-based position in the file.
        index: usize,
        /// What is wrong (naming the field where one is).
        message: String,
    },
}

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON (RFC 7946, plus the 2008 `crs` member).
    GeoJson,
    /// OGC GeoPackage: one feature table.
    GeoPackage,
    /// ESRI Shapefile (`.shp` with `.dbf`, `.prj`, optional `.cpg`), or a `.zip` holding one.
    Shapefile,
    /// FlatGeobuf.
    FlatGeobuf,
    /// Pages of GeoJSON from an OGC API Features server (see [`crate::remote`]); never a file.
    OgcApiFeatures,
    /// Pages of GeoJSON from a WFS 2.0 (see [`crate::remote`]); never a file.
    Wfs2,
}

impl Format {
    /// The format a file's extension names; a file without an extension is recognised by its
    /// first bytes (GeoJSON's `{`, SQLite's and FlatGeobuf's magic numbers).
    pub fn of(path: &Path) -> Option<Format> {
        let Some(ext) = path.extension() else {
            return Format::sniff(path);
        };
        let ext = ext.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "gpkg" => Some(Format::GeoPackage),
            "shp" | "zip" => Some(Format::Shapefile),
            "fgb" => Some(Format::FlatGeobuf),
            _ => None,
        }
    }
}

impl Format {
    /// Its usual name: `GeoJSON`, `GeoPackage`, `Shapefile`, `FlatGeobuf`, `OGC API Features`,
    /// `WFS 2.0`.
    pub fn label(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::GeoPackage => "GeoPackage",
            Format::Shapefile => "Shapefile",
            Format::FlatGeobuf => "FlatGeobuf",
            Format::OgcApiFeatures => "OGC API Features",
            Format::Wfs2 => "WFS 2.0",
        }
    }

    /// The format of a file by its first bytes (`None` if unreadable or none of ours).
    fn sniff(path: &Path) -> Option<Format> {
        let mut head = [0u8; 16];
        let mut file = std::fs::File::open(path).ok()?;
        let n = file.read(&mut head).ok()?;
        let head = &head[..n];
        if head.starts_with(b"SQLite format 3") {
            Some(Format::GeoPackage)
        } else if head.starts_with(b"fgb") {
            Some(Format::FlatGeobuf)
        } else {
            // GeoJSON, or anything else: the GeoJSON reader says what is wrong with it.
            Some(Format::GeoJson)
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// What a GeoJSON file's top level may be.
    pub accept: Accept,
    /// The GeoPackage feature table to read (`None`: the only one).
    pub layer: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            accept: Accept::Any,
            layer: None,
        }
    }
}

/// One feature, converted to WGS84.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorFeature {
    /// The format's own feature id where it has one apart from the attributes (GeoJSON `id`).
    pub id: Option<String>,
    /// The attributes (GeoJSON properties, GeoPackage columns, DBF fields, FlatGeobuf columns).
    pub properties: Map<String, Value>,
    /// The geometry in WGS84 lon/lat, or why there is none (without file and feature).
    pub geometry: Result<Geometry<f64>, String>,
}

impl VectorFeature {
    /// An attribute as text: a string as it is, a number written out (whole numbers without
    /// a fraction); `None` if absent, null or other JSON.
    pub fn text(&self, key: &str) -> Option<String> {
        match self.properties.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The feature's id: the format's own id, else an `id` attribute as text.
    pub fn default_id(&self) -> Option<String> {
        self.id.clone().or_else(|| self.text("id"))
    }
}

/// A vector file read: its features in WGS84 and where they came from.
#[derive(Debug, Clone)]
pub struct VectorFile {
    /// The file read.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The CRS its coordinates were in.
    pub crs: Crs,
    /// The GeoPackage table read, if it was one.
    pub layer: Option<String>,
    /// The features in file order.
    pub features: Vec<VectorFeature>,
}

impl VectorFile {
    /// The error "feature `index`: `message`" in this file.
    pub fn error(&self, index: usize, message: impl Into<String>) -> VectorError {
        VectorError::Feature {
            path: self.path.clone(),
            index,
            message: message.into(),
        }
    }
}

/// Reads a vector file of a supported format (chosen by its extension), converting every
/// geometry to WGS84 lon/lat.
pub fn read_features(path: &Path, options: &ReadOptions) -> Result<VectorFile, VectorError> {
    let format = Format::of(path).ok_or_else(|| VectorError::UnknownFormat {
        path: path.to_path_buf(),
    })?;
    match format {
        Format::GeoJson => {
            let file = FeatureFile::read(path, options.accept)?;
            geojson_features(file)
        }
        Format::GeoPackage => read_geopackage(path, options.layer.as_deref()),
        Format::Shapefile => read_shapefile(path),
        Format::FlatGeobuf => read_flatgeobuf(path),
        // Web services are read by `crate::remote`, never by a file's extension.
        Format::OgcApiFeatures | Format::Wfs2 => Err(VectorError::UnknownFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// Reads GeoJSON text already in memory (a page from an OGC API Features server, say); `name`
/// stands for its source in errors.
pub fn read_geojson_bytes(
    name: &Path,
    bytes: &[u8],
    accept: Accept,
) -> Result<VectorFile, VectorError> {
    geojson_features(FeatureFile::from_bytes(name, bytes, accept)?)
}

/// Converts a parsed GeoJSON file: CRS from its `crs` member (WGS84 without one).
fn geojson_features(file: FeatureFile) -> Result<VectorFile, VectorError> {
    let crs = match &file.crs {
        None | Some(Value::Null) => Crs::wgs84(),
        Some(member) => geojson_crs(member).map_err(|source| VectorError::Crs {
            path: file.path.clone(),
            source,
        })?,
    };
    let to_wgs84 = crs.to_wgs84();
    let features = file
        .features
        .iter()
        .map(|f| {
            let id = match &f.id {
                Some(geojson::feature::Id::String(s)) => Some(s.clone()),
                Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
                None => None,
            };
            let geometry = crate::geojson::feature_geometry(f)
                .and_then(|g| to_wgs84.geometry(g).map_err(|e| e.to_string()));
            VectorFeature {
                id,
                properties: f.properties.clone().unwrap_or_default(),
                geometry,
            }
        })
        .collect();
    Ok(VectorFile {
        path: file.path,
        format: Format::GeoJson,
        crs,
        layer: None,
        features,
    })
}

/// The CRS a GeoJSON 2008 `crs` member names (`{"type":"name","properties":{"name":…}}`).
fn geojson_crs(member: &Value) -> Result<Crs, CrsError> {
    let name = member
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str);
    match (member.get("type").and_then(Value::as_str), name) {
        (Some("name"), Some(name)) => Crs::from_name(name),
        _ => Err(CrsError::Unknown(format!(
            "in the crs member {member} (a {{\"type\":\"name\",\"properties\":{{\"name\":\"EPSG:…\"}}}} object expected)"
        ))),
    }
}

/// Reads one feature table of a GeoPackage.
fn read_geopackage(path: &Path, layer: Option<&str>) -> Result<VectorFile, VectorError> {
    use rusqlite::{Connection, OpenFlags, types::ValueRef};
    let format = |message: String| VectorError::Format {
        path: path.to_path_buf(),
        message,
    };
    let sql = |e: rusqlite::Error| format(format!("cannot read as a GeoPackage: {e}"));
    if !path.is_file() {
        return Err(VectorError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql)?;
    let tables: Vec<String> = db
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(sql)?;
    let table = match (layer, tables.as_slice()) {
        (Some(l), _) if tables.iter().any(|t| t == l) => l.to_string(),
        (Some(l), _) => {
            return Err(format(format!(
                "has no feature table '{l}' (it has: {})",
                list_or_none(&tables)
            )));
        }
        (None, [only]) => only.clone(),
        (None, []) => return Err(format("has no feature table".into())),
        (None, many) => {
            return Err(format(format!(
                "has {} feature tables ({}): name the one to read",
                many.len(),
                many.join(", ")
            )));
        }
    };
    let (column, srs_id): (String, i64) = db
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| format(format!("table '{table}' has no geometry column: {e}")))?;
    let (organization, code, definition): (Option<String>, Option<i64>, Option<String>) = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(|e| format(format!("srs_id {srs_id} of table '{table}' is not in gpkg_spatial_ref_sys: {e}")))?;
    let crs = Crs::from_authority(organization.as_deref(), code, definition.as_deref()).map_err(
        |source| VectorError::Crs {
            path: path.to_path_buf(),
            source,
        },
    )?;
    let to_wgs84 = crs.to_wgs84();
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    let mut statement = db
        .prepare(&format!("SELECT * FROM {quoted}"))
        .map_err(sql)?;
    let names: Vec<String> = statement.column_names().map(String::from).collect();
    let mut rows = statement.query([]).map_err(sql)?;
    let mut features = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let mut properties = Map::new();
        let mut geometry = Err("has no geometry".to_string());
        for (i, name) in names.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if *name == column {
                if let ValueRef::Blob(blob) = value {
                    geometry = geozero::wkb::GpkgWkb(blob)
                        .to_geo()
                        .map_err(|e| format!("geometry cannot be decoded: {e}"))
                        .and_then(|g| to_wgs84.geometry(g).map_err(|e| e.to_string()));
                }
                continue;
            }
            let json = match value {
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(x) => {
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            };
            properties.insert(name.clone(), json);
        }
        features.push(VectorFeature {
            id: None,
            properties,
            geometry,
        });
    }
    Ok(VectorFile {
        path: path.to_path_buf(),
        format: Format::GeoPackage,
        crs,
        layer: Some(table),
        features,
    })
}

/// "a, b" or "none".
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The parts of one shapefile, in memory.
struct ShapefileParts {
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<Vec<u8>>,
    cpg: Option<Vec<u8>>,
}

/// Reads a Shapefile (`.shp` beside its `.dbf`, `.prj` and optional `.cpg`), or the one
/// shapefile in a `.zip`.
fn read_shapefile(path: &Path) -> Result<VectorFile, VectorError> {
    let io = |source| VectorError::Io {
        path: path.to_path_buf(),
        source,
    };
    let format = |message: String| VectorError::Format {
        path: path.to_path_buf(),
        message,
    };
    let zipped = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let parts = if zipped {
        shapefile_from_zip(path)?
    } else {
        let sibling = |ext: &str| -> Result<Option<Vec<u8>>, VectorError> {
            // Either case, as written by Windows tools (.PRJ) or others.
            for e in [ext.to_string(), ext.to_ascii_uppercase()] {
                match std::fs::read(path.with_extension(e)) {
                    Ok(bytes) => return Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(e)),
                }
            }
            Ok(None)
        };
        ShapefileParts {
            shp: std::fs::read(path).map_err(io)?,
            dbf: sibling("dbf")?.ok_or_else(|| format("has no .dbf beside it".into()))?,
            prj: sibling("prj")?,
            cpg: sibling("cpg")?,
        }
    };
    let prj = parts
        .prj
        .ok_or_else(|| format("has no .prj: cannot tell its CRS".into()))?;
    let crs = Crs::from_wkt(&String::from_utf8_lossy(&prj)).map_err(|source| VectorError::Crs {
        path: path.to_path_buf(),
        source,
    })?;
    let to_wgs84 = crs.to_wgs84();
    let shp_error = |e: shapefile::Error| format(format!("not a valid shapefile: {e}"));
    let shapes = shapefile::ShapeReader::new(Cursor::new(parts.shp)).map_err(shp_error)?;
    let dbf = Cursor::new(parts.dbf);
    let dbf_error = |e: shapefile::dbase::Error| format(format!("the .dbf cannot be read: {e}"));
    let records = match parts.cpg {
        Some(cpg) => {
            let label = String::from_utf8_lossy(&cpg)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string();
            let encoding = code_page(&label).ok_or_else(|| {
                format(format!(
                    "the .cpg names code page '{label}', which is not supported (UTF-8, 1252/ANSI, ISO-8859-1/15, 850, 437, 125x)"
                ))
            })?;
            shapefile::dbase::ReaderBuilder::new()
                .with_encoding(encoding)
                .build(dbf)
                .map_err(dbf_error)?
        }
        None => shapefile::dbase::Reader::new(dbf).map_err(dbf_error)?,
    };
    let mut reader = shapefile::Reader::new(shapes, records);
    let mut features = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| VectorError::Feature {
            path: path.to_path_buf(),
            index,
            message: format!("cannot be read: {e}"),
        })?;
        let geometry = match shape {
            shapefile::Shape::NullShape => Err("has no geometry".to_string()),
            shape => Geometry::<f64>::try_from(shape)
                .map_err(|e| format!("geometry cannot be converted: {e}"))
                .and_then(|g| to_wgs84.geometry(g).map_err(|e| e.to_string())),
        };
        let properties = record
            .into_iter()
            .map(|(name, value)| (name, dbf_value(value)))
            .collect();
        features.push(VectorFeature {
            id: None,
            properties,
            geometry,
        });
    }
    Ok(VectorFile {
        path: path.to_path_buf(),
        format: Format::Shapefile,
        crs,
        layer: None,
        features,
    })
}

/// A [`VectorError::Format`] about `path` with a message.
fn format_error(path: &Path) -> impl Fn(String) -> VectorError + '_ {
    move |message| VectorError::Format {
        path: path.to_path_buf(),
        message,
    }
}

/// Opens `path` for reading ([`VectorError::Io`] naming it).
fn open_file(path: &Path) -> Result<std::fs::File, VectorError> {
    std::fs::File::open(path).map_err(|source| VectorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The parts of the one shapefile in a zip archive.
fn shapefile_from_zip(path: &Path) -> Result<ShapefileParts, VectorError> {
    let format = format_error(path);
    let file = open_file(path)?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = archive.file_names().map(String::from).collect();
    let shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".shp"))
        .collect();
    let shp_name = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(format("the zip archive holds no .shp".into())),
        many => {
            return Err(format(format!(
                "the zip archive holds {} shapefiles ({}), one expected",
                many.len(),
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let stem = &shp_name[..shp_name.len() - 4];
    let mut part = |ext: &str| -> Result<Option<Vec<u8>>, VectorError> {
        let Some(name) = names.iter().find(|n| {
            n.len() == stem.len() + 4
                && n.starts_with(stem)
                && n[stem.len()..].eq_ignore_ascii_case(ext)
        }) else {
            return Ok(None);
        };
        let mut entry = archive
            .by_name(name)
            .map_err(|e| format(format!("{name} in the zip archive cannot be read: {e}")))?;
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format(format!("{name} in the zip archive cannot be read: {e}")))?;
        Ok(Some(bytes))
    };
    let shp = part(".shp")?.unwrap_or_default();
    let dbf = part(".dbf")?.ok_or_else(|| {
        format(format!(
            "{shp_name} has no .dbf beside it in the zip archive"
        ))
    })?;
    Ok(ShapefileParts {
        shp,
        dbf,
        prj: part(".prj")?,
        cpg: part(".cpg")?,
    })
}

/// The DBF text encoding a `.cpg` label names (`None`: not one we know).
///
/// ISO-8859-1 is read as Windows-1252, its superset in the printable range (as GDAL does).
pub fn code_page(label: &str) -> Option<shapefile::dbase::encoding::DynEncoding> {
    use shapefile::dbase::encoding::{DynEncoding, EncodingRs};
    use shapefile::dbase::yore::code_pages;
    let upper = label.trim().to_ascii_uppercase();
    let upper = upper
        .strip_prefix("ANSI ")
        .or_else(|| upper.strip_prefix("OEM "))
        .or_else(|| upper.strip_prefix("IBM"))
        .or_else(|| upper.strip_prefix("CP"))
        .or_else(|| upper.strip_prefix("WINDOWS-"))
        .unwrap_or(&upper)
        .trim()
        .to_string();
    Some(match upper.as_str() {
        "UTF-8" | "UTF8" | "65001" => DynEncoding::from(shapefile::dbase::Unicode),
        "1252" | "ISO-8859-1" | "ISO8859-1" | "8859-1" | "88591" | "LATIN1" | "LATIN-1" => {
            DynEncoding::from(code_pages::CP1252)
        }
        "ISO-8859-15" | "ISO8859-15" | "8859-15" | "885915" | "LATIN9" | "LATIN-9" => {
            DynEncoding::from(EncodingRs::from(encoding_rs::ISO_8859_15))
        }
        "850" => DynEncoding::from(code_pages::CP850),
        "437" => DynEncoding::from(code_pages::CP437),
        "852" => DynEncoding::from(code_pages::CP852),
        // Other labels as the WHATWG Encoding Standard knows them ("windows-1250", "ISO-8859-2"…).
        other => {
            let found =
                encoding_rs::Encoding::for_label(label.trim().as_bytes()).or_else(|| {
                    other.parse::<u16>().ok().and_then(|n| {
                        encoding_rs::Encoding::for_label(format!("windows-{n}").as_bytes())
                    })
                })?;
            DynEncoding::from(EncodingRs::from(found))
        }
    })
}

/// A DBF value as JSON: whole numbers as integers, blank fields as null.
fn dbf_value(value: shapefile::dbase::FieldValue) -> Value {
    use shapefile::dbase::FieldValue as F;
    let number = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            Value::from(x as i64)
        } else {
            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
        }
    };
    match value {
        F::Character(s) => s.map_or(Value::Null, |s| Value::String(s.trim_end().to_string())),
        F::Memo(s) => Value::String(s),
        F::Numeric(x) => x.map_or(Value::Null, number),
        F::Float(x) => x.map_or(Value::Null, |x| number(f64::from(x))),
        F::Integer(n) => Value::from(n),
        F::Double(x) | F::Currency(x) => number(x),
        F::Logical(b) => b.map_or(Value::Null, Value::Bool),
        F::Date(d) => d.map_or(Value::Null, |d| {
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        F::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }
}

/// Reads a FlatGeobuf file; its header must name the CRS.
fn read_flatgeobuf(path: &Path) -> Result<VectorFile, VectorError> {
    use flatgeobuf::FallibleStreamingIterator;
    let format = format_error(path);
    let file = open_file(path)?;
    let fgb_error = |e: flatgeobuf::Error| format(format!("not a valid FlatGeobuf file: {e}"));
    let reader = flatgeobuf::FgbReader::open(BufReader::new(file)).map_err(fgb_error)?;
    let crs = {
        let header = reader.header();
        let stated = header.crs();
        let result = match stated {
            None => Err(CrsError::Missing(
                "the FlatGeobuf header names no CRS: cannot tell its CRS".into(),
            )),
            Some(c) => Crs::from_authority(c.org(), Some(i64::from(c.code())), c.wkt()),
        };
        result.map_err(|source| VectorError::Crs {
            path: path.to_path_buf(),
            source,
        })?
    };
    let to_wgs84 = crs.to_wgs84();
    let mut iter = reader.select_all_seq().map_err(fgb_error)?;
    let mut features = Vec::new();
    while let Some(feature) = iter.next().map_err(fgb_error)? {
        let index = features.len();
        let geometry = if feature.geometry().is_none() {
            Err("has no geometry".to_string())
        } else {
            feature
                .to_geo()
                .map_err(|e| format!("geometry cannot be decoded: {e}"))
                .and_then(|g| to_wgs84.geometry(g).map_err(|e| e.to_string()))
        };
        let mut properties = JsonProperties::default();
        feature
            .process_properties(&mut properties)
            .map_err(|e| VectorError::Feature {
                path: path.to_path_buf(),
                index,
                message: format!("attributes cannot be read: {e}"),
            })?;
        features.push(VectorFeature {
            id: None,
            properties: properties.0,
            geometry,
        });
    }
    Ok(VectorFile {
        path: path.to_path_buf(),
        format: Format::FlatGeobuf,
        crs,
        layer: None,
        features,
    })
}

/// Collects a geozero feature's properties as JSON values.
#[derive(Default)]
struct JsonProperties(Map<String, Value>);

impl PropertyProcessor for JsonProperties {
    fn property(
        &mut self,
        _index: usize,
        name: &str,
        value: &ColumnValue,
    ) -> geozero::error::Result<bool> {
        let json = match value {
            ColumnValue::Byte(v) => Value::from(*v),
            ColumnValue::UByte(v) => Value::from(*v),
            ColumnValue::Bool(v) => Value::from(*v),
            ColumnValue::Short(v) => Value::from(*v),
            ColumnValue::UShort(v) => Value::from(*v),
            ColumnValue::Int(v) => Value::from(*v),
            ColumnValue::UInt(v) => Value::from(*v),
            ColumnValue::Long(v) => Value::from(*v),
            ColumnValue::ULong(v) => Value::from(*v),
            ColumnValue::Float(v) => {
                serde_json::Number::from_f64(f64::from(*v)).map_or(Value::Null, Value::Number)
            }
            ColumnValue::Double(v) => {
                serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number)
            }
            ColumnValue::String(s) | ColumnValue::DateTime(s) => Value::String((*s).to_string()),
            ColumnValue::Json(s) => {
                serde_json::from_str(s).unwrap_or_else(|_| Value::String((*s).to_string()))
            }
            ColumnValue::Binary(_) => Value::Null,
        };
        self.0.insert(name.to_string(), json);
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a/b.GeoJSON")), Some(Format::GeoJson));
        assert_eq!(Format::of(Path::new("b.shp")), Some(Format::Shapefile));
        assert_eq!(Format::of(Path::new("b.zip")), Some(Format::Shapefile));
        assert_eq!(Format::of(Path::new("b.fgb")), Some(Format::FlatGeobuf));
        assert_eq!(Format::of(Path::new("b.gpkg")), Some(Format::GeoPackage));
        assert_eq!(Format::of(Path::new("b.kml")), None);
        let e = read_features(Path::new("x/b.kml"), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!("x/b.kml: unknown file type, supported: {SUPPORTED_EXTENSIONS}")
        );
    }

    #[test]
    fn code_pages_by_label() {
        let decode = |label: &str, bytes: &[u8]| {
            use shapefile::dbase::Encoding;
            code_page(label).map(|e| e.decode(bytes).map(|s| s.into_owned()).unwrap_or_default())
        };
        // "Grünau" in each encoding (ü: 0xFC in 1252/8859-1/15, 0x81 in 850 and 437).
        assert_eq!(
            decode("UTF-8", "Grünau".as_bytes()).as_deref(),
            Some("Grünau")
        );
        assert_eq!(decode("1252", b"Gr\xfcnau").as_deref(), Some("Grünau"));
        assert_eq!(decode("ANSI 1252", b"Gr\xfcnau").as_deref(), Some("Grünau"));
        assert_eq!(
            decode("ISO-8859-1", b"Gr\xfcnau").as_deref(),
            Some("Grünau")
        );
        assert_eq!(
            decode("ISO-8859-15", b"Gr\xfcnau \xa4").as_deref(),
            Some("Grünau €")
        );
        assert_eq!(decode("850", b"Gr\x81nau").as_deref(), Some("Grünau"));
        assert_eq!(decode("OEM 850", b"Gr\x81nau").as_deref(), Some("Grünau"));
        assert_eq!(decode("437", b"Gr\x81nau").as_deref(), Some("Grünau"));
        assert!(code_page("KLINGON").is_none());
    }

    #[test]
    fn geojson_crs_member() {
        let text = br#"{"type":"FeatureCollection",
            "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},
            "features":[{"type":"Feature","id":"a","properties":{"n":1},
              "geometry":{"type":"Point","coordinates":[1113194.9079327357,0]}}]}"#;
        let file = read_geojson_bytes(Path::new("page-1"), text, Accept::Any).unwrap();
        assert_eq!(file.crs.code, 3857);
        // 10° of longitude on the 6 378 137 m sphere is 1 113 194.908 m (hand-worked).
        let Ok(Geometry::Point(p)) = &file.features[0].geometry else {
            panic!("a point")
        };
        assert!((p.x() - 10.0).abs() < 1e-9 && p.y().abs() < 1e-9, "{p:?}");
        assert_eq!(file.features[0].default_id().as_deref(), Some("a"));
        let bad = br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:99999"}},"features":[]}"#;
        let e = read_geojson_bytes(Path::new("page-2"), bad, Accept::Any)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("page-2: unsupported CRS EPSG:99999 (supported: EPSG:4326"),
            "{e}"
        );
        let odd = br#"{"type":"FeatureCollection","crs":{"type":"link","properties":{"href":"x"}},"features":[]}"#;
        let e = read_geojson_bytes(Path::new("page-3"), odd, Accept::Any)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("page-3: unknown CRS in the crs member"),
            "{e}"
        );
    }
}
