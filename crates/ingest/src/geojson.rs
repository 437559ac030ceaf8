//! Reading a user's GeoJSON file into features, with one-line errors that name the file (and the
//! feature by its index), and its non-standard `crs` member; `vector` builds on it.
//!
//! Also the small readings both need of a feature: its id, a text property, its geometry.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use geo_types::Geometry;
use geojson::{Feature, GeoJson};

/// The largest GeoJSON file read (512 MiB), checked before reading: parsing holds the whole
/// document in memory, a few times its size on disk.
pub const MAX_GEOJSON_BYTES: u64 = 512 * 1024 * 1024;

/// Errors reading a GeoJSON file; each names the file (and the feature).
#[derive(Debug, thiserror::Error)]
pub enum GeoJsonError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_GEOJSON_BYTES`].
    #[error("{path}: the file has {size} bytes, more than the limit of {limit} bytes (512 MiB)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit, [`MAX_GEOJSON_BYTES`].
        limit: u64,
    },
    /// The file is not GeoJSON.
    #[error("{path}: not valid GeoJSON: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The GeoJSON is not a FeatureCollection, where only one will do.
    #[error("{path}: expected a GeoJSON FeatureCollection of {of}")]
    NotCollection {
        /// The file.
        path: PathBuf,
        /// What the collection should hold, e.g. "polygons".
        of: &'static str,
    },
    /// One feature is unusable.
    #[error("{path}: feature {index}: {message}")]
    Feature {
        /// The file.
        path: PathBuf,
        /// The feature's index in the file (0-based).
        index: usize,
        /// What is wrong.
        message: String,
    },
}

/// Which top-level GeoJSON objects a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Only a FeatureCollection; anything else is [`GeoJsonError::NotCollection`] naming what it
    /// should hold.
    CollectionOf(&'static str),
    /// A FeatureCollection, or a single Feature or Geometry (one feature).
    Any,
}

/// The features of one GeoJSON file, with its path for error messages.
#[derive(Debug, Clone)]
pub struct FeatureFile {
    /// The file read.
    pub path: PathBuf,
    /// Its features in file order (index = position in the collection).
    pub features: Vec<Feature>,
    /// The non-standard `crs` member (GeoJSON 2008) of the top-level object, if it has one.
    pub crs: Option<serde_json::Value>,
}

impl FeatureFile {
    /// Reads and parses `path`, taking the top-level objects `accept` allows.
    ///
    /// Files over [`MAX_GEOJSON_BYTES`] are refused before reading, and a file whose first
    /// character (after white space) is not `{` before parsing; the rest is parsed from a
    /// buffered reader, without a copy of the text in memory.
    pub fn read(path: &Path, accept: Accept) -> Result<FeatureFile, GeoJsonError> {
        let io = |source| GeoJsonError::Io {
            path: path.to_path_buf(),
            source,
        };
        let parse = |message: String| GeoJsonError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > MAX_GEOJSON_BYTES {
            return Err(GeoJsonError::TooLarge {
                path: path.to_path_buf(),
                size,
                limit: MAX_GEOJSON_BYTES,
            });
        }
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        if let Some(first) = first_character(&mut reader).map_err(io)?
            && first != b'{'
        {
            return Err(parse(format!(
                "the file does not start like a JSON object ('{{' expected, found {})",
                describe_byte(first)
            )));
        }
        let gj: GeoJson = serde_json::from_reader(reader)
            .map_err(|e| parse(geojson::Error::from(e).to_string()))?;
        Self::from_geojson(path, gj, accept)
    }

    /// Parses GeoJSON text already in memory (e.g. a page fetched from an OGC API Features
    /// server); `name` stands for the source in error messages.
    pub fn from_bytes(
        name: &Path,
        bytes: &[u8],
        accept: Accept,
    ) -> Result<FeatureFile, GeoJsonError> {
        let gj: GeoJson = serde_json::from_slice(bytes).map_err(|e| GeoJsonError::Parse {
            path: name.to_path_buf(),
            message: geojson::Error::from(e).to_string(),
        })?;
        Self::from_geojson(name, gj, accept)
    }

    /// The features of a parsed document, as `accept` allows.
    fn from_geojson(path: &Path, gj: GeoJson, accept: Accept) -> Result<FeatureFile, GeoJsonError> {
        let crs_of = |members: &Option<geojson::JsonObject>| {
            members.as_ref().and_then(|m| m.get("crs")).cloned()
        };
        let (features, crs) = match (gj, accept) {
            (GeoJson::FeatureCollection(fc), _) => {
                let crs = crs_of(&fc.foreign_members);
                (fc.features, crs)
            }
            (GeoJson::Feature(f), Accept::Any) => {
                let crs = crs_of(&f.foreign_members);
                (vec![f], crs)
            }
            (GeoJson::Geometry(g), Accept::Any) => {
                let crs = crs_of(&g.foreign_members);
                (vec![Feature::from(g)], crs)
            }
            (_, Accept::CollectionOf(of)) => {
                return Err(GeoJsonError::NotCollection {
                    path: path.to_path_buf(),
                    of,
                });
            }
        };
        Ok(FeatureFile {
            path: path.to_path_buf(),
            features,
            crs,
        })
    }

    /// The error "feature `index`: `message`" in this file.
    pub fn error(&self, index: usize, message: impl Into<String>) -> GeoJsonError {
        GeoJsonError::Feature {
            path: self.path.clone(),
            index,
            message: message.into(),
        }
    }
}

/// The first byte after leading white space, without consuming anything but that white space's
/// buffer look-up (`None` if the file is empty or white space only up to the first buffer).
///
/// Only the first buffer is looked at: a file opening with over 64 KiB of white space is left to
/// the parser, which reads it without keeping it.
fn first_character(reader: &mut BufReader<std::fs::File>) -> std::io::Result<Option<u8>> {
    let buffer = reader.fill_buf()?;
    Ok(buffer
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')))
}

/// A byte for an error message: the character if printable ASCII, else its hex value.
fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

/// A property as text: a string as it is, a number written out; `None` if absent or other JSON.
pub fn text_property(feature: &Feature, key: &str) -> Option<String> {
    match feature.properties.as_ref()?.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The feature's id: its GeoJSON `id` (string or number), else an `id` property as text.
pub fn feature_id(feature: &Feature) -> Option<String> {
    match &feature.id {
        Some(geojson::feature::Id::String(s)) => Some(s.clone()),
        Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
        None => text_property(feature, "id"),
    }
}

/// The feature's geometry; the error message (without file and index) if it has none or it
/// cannot be converted.
///
/// Polygon rings are checked as written before the conversion (which would close them
/// silently): see [`ring_problem`].
pub fn feature_geometry(feature: &Feature) -> Result<Geometry<f64>, String> {
    let geometry = feature.geometry.clone().ok_or("has no geometry")?;
    if let Some(problem) = ring_problem(&geometry.value) {
        return Err(problem);
    }
    if let Some(short) = shortest_position(&geometry.value)
        && short < 2
    {
        // The conversion would index past the end of such a position.
        return Err(format!(
            "a position has {short} number(s), longitude and latitude expected"
        ));
    }
    geometry
        .try_into()
        .map_err(|e: geojson::Error| e.to_string())
}

/// What is wrong with a (Multi)Polygon's rings as written in the file, before conversion (which
/// would close them silently): no polygon or no points at all, or a ring that does not end where
/// it starts. Other geometry types are left to the caller.
pub fn ring_problem(value: &geojson::GeometryValue) -> Option<String> {
    let polygons: Vec<&geojson::PolygonType> = match value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        _ => return None,
    };
    let points: usize = polygons.iter().flat_map(|p| p.iter()).map(Vec::len).sum();
    if points == 0 {
        return Some("geometry is empty (no coordinates)".into());
    }
    for (p, rings) in polygons.iter().enumerate() {
        let which = |r: usize| {
            let ring = if r == 0 {
                "exterior ring".to_string()
            } else {
                format!("interior ring {}", r - 1)
            };
            if polygons.len() > 1 {
                format!("polygon {p}, {ring}")
            } else {
                ring
            }
        };
        if rings.first().is_none_or(|r| r.is_empty()) {
            return Some(format!("{} is empty", which(0)));
        }
        for (r, ring) in rings.iter().enumerate() {
            match (ring.first(), ring.last()) {
                (Some(first), Some(last)) if first.as_slice() != last.as_slice() => {
                    return Some(format!(
                        "{} is not closed (GeoJSON rings end at their first position)",
                        which(r)
                    ));
                }
                (None, _) | (_, None) => return Some(format!("{} is empty", which(r))),
                _ => {}
            }
        }
    }
    None
}

/// The fewest numbers any position of `value` has (`None` if it has no positions).
fn shortest_position(value: &geojson::GeometryValue) -> Option<usize> {
    use geojson::GeometryValue as V;
    let len = |p: &geojson::Position| p.len();
    match value {
        V::Point { coordinates } => Some(len(coordinates)),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => {
            coordinates.iter().map(len).min()
        }
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            coordinates.iter().flatten().map(len).min()
        }
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().flatten().map(len).min(),
        V::GeometryCollection { geometries } => geometries
            .iter()
            .filter_map(|g| shortest_position(&g.value))
            .min(),
    }
}

/// A temporary file holding `text`, for the readers' tests.
#[cfg(test)]
pub(crate) fn write_temp(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(f.path(), text).expect("writing the temporary file");
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use write_temp as write;

    #[test]
    fn collections_only_where_asked() {
        let f = write(r#"{"type":"Point","coordinates":[9.5,47.1]}"#);
        let one = FeatureFile::read(f.path(), Accept::Any).unwrap();
        assert_eq!(one.features.len(), 1);
        let e = FeatureFile::read(f.path(), Accept::CollectionOf("polygons"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}: expected a GeoJSON FeatureCollection of polygons",
                f.path().display()
            )
        );
    }

    #[test]
    fn ids_properties_and_geometry() {
        let f = write(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","id":5,"properties":{"name":"A","id":"x"},"geometry":null},
              {"type":"Feature","properties":{"id":"x","n":2.5,"b":true},
               "geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
        );
        let file = FeatureFile::read(f.path(), Accept::Any).unwrap();
        let [a, b] = &file.features[..] else {
            panic!("two features")
        };
        assert_eq!(feature_id(a).as_deref(), Some("5"));
        assert_eq!(feature_id(b).as_deref(), Some("x"));
        assert_eq!(text_property(b, "n").as_deref(), Some("2.5"));
        assert_eq!(text_property(b, "b"), None);
        assert_eq!(text_property(b, "missing"), None);
        assert_eq!(feature_geometry(a).unwrap_err(), "has no geometry");
        assert_eq!(
            feature_geometry(b).unwrap(),
            Geometry::Point(geo_types::Point::new(1.0, 2.0))
        );
        let e = file.error(1, "is odd").to_string();
        assert_eq!(e, format!("{}: feature 1: is odd", f.path().display()));
    }

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        // A sparse file: no disk space used, and never read.
        let f = tempfile::NamedTempFile::new().unwrap();
        f.as_file().set_len(MAX_GEOJSON_BYTES + 1).unwrap();
        let e = FeatureFile::read(f.path(), Accept::Any)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}: the file has 536870913 bytes, more than the limit of 536870912 bytes (512 MiB)",
                f.path().display()
            )
        );
    }

    #[test]
    fn files_not_starting_like_json_fail_at_once() {
        let first_line = |text: &str| {
            let f = write(text);
            let e = FeatureFile::read(f.path(), Accept::Any)
                .unwrap_err()
                .to_string();
            let prefix = format!("{}: not valid GeoJSON: ", f.path().display());
            assert!(e.starts_with(&prefix), "{e}");
            e[prefix.len()..].to_string()
        };
        assert_eq!(
            first_line("  \n[1, 2, 3]"),
            "the file does not start like a JSON object ('{' expected, found '[')"
        );
        assert_eq!(
            first_line("\u{feff}{}"),
            "the file does not start like a JSON object ('{' expected, found byte 0xef)"
        );
        // Empty and broken files keep the parser's own message.
        assert_eq!(
            first_line(""),
            "Error while deserializing GeoJSON: EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            first_line("{\"type\": \"FeatureCollection\", \"features\": ["),
            "Error while deserializing GeoJSON: EOF while parsing a list at line 1 column 43"
        );
        // A large file of zeros is refused at its first byte (the sparse file is never read).
        let f = tempfile::NamedTempFile::new().unwrap();
        f.as_file().set_len(MAX_GEOJSON_BYTES).unwrap();
        let start = std::time::Instant::now();
        let e = FeatureFile::read(f.path(), Accept::Any)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("found byte 0x00)"), "{e}");
        assert!(start.elapsed().as_secs_f64() < 1.0, "{:?}", start.elapsed());
    }

    #[test]
    fn a_collection_spread_over_many_buffers_is_read_whole() {
        // Far more than the 64 KiB buffer: the reader must stream through it all.
        let feature = r#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[9.5,47.1]}}"#;
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            vec![feature; 5000].join(",")
        );
        assert!(text.len() > 400_000);
        let f = write(&text);
        let file = FeatureFile::read(f.path(), Accept::Any).unwrap();
        assert_eq!(file.features.len(), 5000);
    }
}
