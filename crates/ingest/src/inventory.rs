//! A city's own facility inventory (e.g. Berlin's playground register from FIS-Broker) read
//! through a mapping file (TOML) that says which of its attributes is the id, name, kind, net
//! play area (*Nettospielfläche*), gross area, age groups served, access and opening hours.
//!
//! Owns the mapping format and turning an inventory's features into [`OfficialFacility`]s;
//! matching them with OSM is [`crate::conflate`]'s. The file is read by [`read_inventory`] from a
//! path through [`crate::vector::read_features`] (any format and CRS it reads); a reader for
//! URLs can produce the same [`VectorFile`] and go through [`inventory_from_features`].
//! Every error is one line naming the file, the feature (0-based position) and the field.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use geo_types::{Geometry, MultiPolygon};
use model::{FacilityKind, OsmId};
use serde::Deserialize;
use serde_json::Value;

use crate::conflate::{ConflationOptions, Winner};
use crate::vector::{ReadOptions, VectorError, VectorFile, read_features};

/// Errors reading a mapping file or an inventory; each one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The mapping file cannot be read or is not a valid mapping.
    #[error("--facility-mapping {}: {message}", path.display())]
    Mapping {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong (the key where one is).
        message: String,
    },
    /// The inventory file cannot be read, or one feature is unusable.
    #[error("--facilities {0}")]
    Vector(#[source] VectorError),
}

/// How the kind of each object is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindRule {
    /// Every object is of this kind.
    Fixed(FacilityKind),
    /// The attribute's value, looked up in the map (a value not in it is an error).
    Map {
        /// The attribute.
        attribute: String,
        /// Inventory value → kind.
        values: BTreeMap<String, FacilityKind>,
    },
}

impl KindRule {
    /// The kinds the inventory can hold (those OSM objects are compared with it).
    pub fn kinds(&self) -> Vec<FacilityKind> {
        let mut kinds: Vec<FacilityKind> = match self {
            KindRule::Fixed(k) => vec![*k],
            KindRule::Map { values, .. } => values.values().copied().collect(),
        };
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Whether an inventory object is open to the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessValue {
    /// Open to everyone (counts for coverage).
    Public,
    /// Not open to the public (stored as `access=private`, does not count).
    Private,
}

/// The access attribute and what its values mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRule {
    /// The attribute.
    pub attribute: String,
    /// Inventory value → public/private (a value not in it is an error).
    pub values: BTreeMap<String, AccessValue>,
}

/// A mapping from an inventory's attributes to Spielraum's facility fields, with the
/// conflation settings (see `docs/interfaces.md`, "Facility mapping").
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityMapping {
    /// The attribute holding each object's id (required, unique).
    pub id: String,
    /// The attribute holding the name.
    pub name: Option<String>,
    /// How the kind is found.
    pub kind: KindRule,
    /// The attribute holding the net play area (*Nettospielfläche*) in m².
    pub net_area: Option<String>,
    /// The attribute holding the gross or cadastral area in m².
    pub gross_area: Option<String>,
    /// The attribute naming the age groups served (kept as text).
    pub age_groups: Option<String>,
    /// The access attribute and its values.
    pub access: Option<AccessRule>,
    /// The attribute holding the opening hours (kept as text).
    pub opening_hours: Option<String>,
    /// The GeoPackage table to read (`None`: the only one).
    pub layer: Option<String>,
    /// How the inventory is matched with OSM.
    pub conflation: ConflationOptions,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingToml {
    id: String,
    name: Option<String>,
    kind: KindToml,
    net_area: Option<String>,
    gross_area: Option<String>,
    age_groups: Option<String>,
    access: Option<AccessToml>,
    opening_hours: Option<String>,
    layer: Option<String>,
    #[serde(default)]
    conflation: ConflationToml,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KindToml {
    Fixed(String),
    Map {
        attribute: String,
        values: BTreeMap<String, String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessToml {
    attribute: String,
    values: BTreeMap<String, AccessValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConflationToml {
    max_distance_m: Option<f64>,
    area_tolerance_percent: Option<f64>,
    #[serde(default)]
    wins: BTreeMap<String, Winner>,
}

impl FacilityMapping {
    /// Reads a TOML mapping file.
    pub fn from_file(path: &Path) -> Result<Self, InventoryError> {
        let bad = |message: String| InventoryError::Mapping {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        Self::from_toml_str(&text).map_err(bad)
    }

    /// Parses a mapping from TOML text; the error is one line.
    pub fn from_toml_str(text: &str) -> Result<Self, String> {
        let raw: MappingToml = toml::from_str(text)
            .map_err(|e| e.to_string().replace('\n', " ").trim().to_string())?;
        let kind_of =
            |s: &str, key: &str| s.parse::<FacilityKind>().map_err(|e| format!("{key}: {e}"));
        let kind = match raw.kind {
            KindToml::Fixed(k) => KindRule::Fixed(kind_of(&k, "kind")?),
            KindToml::Map { attribute, values } => {
                if values.is_empty() {
                    return Err("kind.values: empty (map at least one value to a kind)".into());
                }
                let mut map = BTreeMap::new();
                for (v, k) in values {
                    let kind = kind_of(&k, &format!("kind.values.\"{v}\""))?;
                    map.insert(v, kind);
                }
                KindRule::Map {
                    attribute,
                    values: map,
                }
            }
        };
        let mut conflation = ConflationOptions::default();
        if let Some(d) = raw.conflation.max_distance_m {
            if !(d.is_finite() && d >= 0.0) {
                return Err(format!(
                    "conflation.max_distance_m: {d} (expected a finite distance >= 0)"
                ));
            }
            conflation.max_distance_m = d;
        }
        if let Some(p) = raw.conflation.area_tolerance_percent {
            if !(p.is_finite() && p >= 0.0) {
                return Err(format!(
                    "conflation.area_tolerance_percent: {p} (expected a finite percentage >= 0)"
                ));
            }
            conflation.area_tolerance = p / 100.0;
        }
        for (k, w) in raw.conflation.wins {
            conflation
                .wins
                .insert(kind_of(&k, &format!("conflation.wins.{k}"))?, w);
        }
        Ok(FacilityMapping {
            id: raw.id,
            name: raw.name,
            kind,
            net_area: raw.net_area,
            gross_area: raw.gross_area,
            age_groups: raw.age_groups,
            access: raw.access.map(|a| AccessRule {
                attribute: a.attribute,
                values: a.values,
            }),
            opening_hours: raw.opening_hours,
            layer: raw.layer,
            conflation,
        })
    }
}

/// One object of the city's inventory, in WGS84.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialFacility {
    /// The inventory's own id (text as written).
    pub id: String,
    /// The id Spielraum gives it if no OSM object matches ([`OsmId::Official`]).
    pub osm_id: OsmId,
    /// Its kind.
    pub kind: FacilityKind,
    /// Its name.
    pub name: Option<String>,
    /// A `Point` or a `MultiPolygon`, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// Net play area (*Nettospielfläche*), m², where the inventory has it.
    pub net_area_m2: Option<f64>,
    /// Gross or cadastral area, m², where the inventory has it.
    pub gross_area_m2: Option<f64>,
    /// Age groups served, as written.
    pub age_groups: Option<String>,
    /// `Some("private")` for a private object, `None` for a public one (as OSM's `access`).
    pub access: Option<String>,
    /// Opening hours, as written.
    pub opening_hours: Option<String>,
}

/// An inventory read: its objects and the file's format and CRS (for the record of sources).
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The objects in file order.
    pub facilities: Vec<OfficialFacility>,
    /// The file's format (`GeoJSON`, `Shapefile`, …).
    pub format: String,
    /// The CRS it was read in.
    pub crs: crate::crs::Crs,
}

/// Reads an inventory file (any format and CRS [`read_features`] reads) through `mapping`.
pub fn read_inventory(path: &Path, mapping: &FacilityMapping) -> Result<Inventory, InventoryError> {
    let file = read_features(
        path,
        &ReadOptions {
            layer: mapping.layer.clone(),
            ..ReadOptions::default()
        },
    )
    .map_err(InventoryError::Vector)?;
    inventory_from_features(&file, mapping).map_err(InventoryError::Vector)
}

/// The inventory's objects from features already read (from a file or a web service).
pub fn inventory_from_features(
    file: &VectorFile,
    mapping: &FacilityMapping,
) -> Result<Inventory, VectorError> {
    let mut out = Vec::with_capacity(file.features.len());
    let mut seen: HashMap<OsmId, (usize, String)> = HashMap::new();
    for (index, f) in file.features.iter().enumerate() {
        let err = |m: String| file.error(index, m);
        // A mapped attribute must exist in every feature (null is "not known").
        let get = |attr: &str, key: &str| -> Result<Option<&Value>, VectorError> {
            match f.properties.get(attr) {
                None => Err(err(format!(
                    "field '{attr}': no such attribute (mapped as {key})"
                ))),
                Some(Value::Null) => Ok(None),
                Some(v) => Ok(Some(v)),
            }
        };
        let text = |attr: &str, key: &str| -> Result<Option<String>, VectorError> {
            Ok(get(attr, key)?
                .and_then(value_text)
                .filter(|s| !s.is_empty()))
        };
        let area = |attr: &Option<String>, key: &str| -> Result<Option<f64>, VectorError> {
            let Some(attr) = attr else { return Ok(None) };
            let Some(v) = get(attr, key)? else {
                return Ok(None);
            };
            match number(v) {
                Number::Empty => Ok(None),
                Number::Value(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                Number::Value(x) => Err(err(format!(
                    "field '{attr}': {x} is not an area (expected m² >= 0; mapped as {key})"
                ))),
                Number::Invalid(s) => Err(err(format!(
                    "field '{attr}': '{s}' is not a number (mapped as {key}, m²)"
                ))),
            }
        };
        let id = text(&mapping.id, "id")?
            .ok_or_else(|| err(format!("field '{}': empty (mapped as id)", mapping.id)))?;
        let kind = match &mapping.kind {
            KindRule::Fixed(k) => *k,
            KindRule::Map { attribute, values } => {
                let v = text(attribute, "kind")?.unwrap_or_default();
                *values.get(&v).ok_or_else(|| {
                    err(format!(
                        "field '{attribute}': unknown kind value '{v}' (the mapping's kind.values: {})",
                        values.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })?
            }
        };
        let access = match &mapping.access {
            None => None,
            Some(rule) => {
                let v = text(&rule.attribute, "access")?;
                match v {
                    None => None,
                    Some(v) => match rule.values.get(&v) {
                        Some(AccessValue::Public) => None,
                        Some(AccessValue::Private) => Some("private".to_string()),
                        None => {
                            return Err(err(format!(
                                "field '{}': unknown access value '{v}' (the mapping's access.values: {})",
                                rule.attribute,
                                rule.values.keys().cloned().collect::<Vec<_>>().join(", ")
                            )));
                        }
                    },
                }
            }
        };
        let geometry = match &f.geometry {
            Ok(Geometry::Point(p)) => Geometry::Point(*p),
            Ok(Geometry::Polygon(p)) => Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
            Ok(Geometry::MultiPolygon(mp)) => Geometry::MultiPolygon(mp.clone()),
            Ok(_) => {
                return Err(err(
                    "geometry: expected a Point, Polygon or MultiPolygon".into()
                ));
            }
            Err(why) => return Err(err(format!("geometry: {why}"))),
        };
        let osm_id = official_id(&id);
        if let Some((other, other_id)) = seen.insert(osm_id, (index, id.clone())) {
            let what = if other_id == id {
                format!("id '{id}' is also the id of feature {other}")
            } else {
                format!("id '{id}' gives the same o-number as '{other_id}' of feature {other}")
            };
            return Err(err(format!("field '{}': {what}", mapping.id)));
        }
        out.push(OfficialFacility {
            id,
            osm_id,
            kind,
            name: match &mapping.name {
                Some(a) => text(a, "name")?,
                None => None,
            },
            geometry,
            net_area_m2: area(&mapping.net_area, "net_area")?,
            gross_area_m2: area(&mapping.gross_area, "gross_area")?,
            age_groups: match &mapping.age_groups {
                Some(a) => text(a, "age_groups")?,
                None => None,
            },
            access,
            opening_hours: match &mapping.opening_hours {
                Some(a) => text(a, "opening_hours")?,
                None => None,
            },
        });
    }
    Ok(Inventory {
        facilities: out,
        format: file.format.label().to_string(),
        crs: file.crs,
    })
}

/// The largest inventory number used as it is (2^48 − 1: ×4 in map feature ids stays exact
/// in JavaScript).
const MAX_DIRECT_ID: u64 = (1 << 48) - 1;

/// The [`OsmId::Official`] of an inventory id: the number itself when the id is a whole number
/// from 0 to 2^48 − 1 (leading zeros kept apart: `007` is not `7`), else 2^48 plus the first 47
/// bits of the id's FNV-1a hash. Stable across imports as long as the inventory keeps its ids.
///
/// # Examples
/// ```
/// use spielraum_ingest::inventory::official_id;
/// use model::OsmId;
/// assert_eq!(official_id("4711"), OsmId::Official(4711));
/// assert_eq!(official_id("01-0042"), official_id("01-0042"));
/// assert!(matches!(official_id("01-0042"), OsmId::Official(n) if n >= 1 << 48));
/// ```
pub fn official_id(id: &str) -> OsmId {
    let direct = id
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= MAX_DIRECT_ID && n.to_string() == id);
    let n = match direct {
        Some(n) => n,
        None => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in id.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            (1 << 48) + (h >> 17)
        }
    };
    OsmId::Official(n as i64)
}

/// A JSON value as text: strings as they are, numbers written out, booleans as `true`/`false`.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

enum Number {
    Empty,
    Value(f64),
    Invalid(String),
}

/// A number attribute: a JSON number, or text with a decimal point or a German decimal comma
/// (`1234.5`, `1234,5`, `1.234,5`); empty text is "not known".
fn number(v: &Value) -> Number {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or(Number::Invalid(n.to_string()), Number::Value),
        Value::String(s) if s.trim().is_empty() => Number::Empty,
        Value::String(s) => {
            let t = s.trim();
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .or_else(|| {
                    crate::population::number::parse_localized(
                        t,
                        crate::population::number::DecimalMark::Comma,
                    )
                })
                .map_or_else(|| Number::Invalid(s.clone()), Number::Value)
        }
        other => Number::Invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERLIN: &str = r#"
id = "spielplatznr"
name = "name"
net_area = "nettospielflaeche"
gross_area = "bruttoflaeche"
[kind]
attribute = "kategorie"
values = { "Spielplatz" = "playground", "Bolzplatz" = "open_space" }
[access]
attribute = "zugang"
values = { "öffentlich" = "public", "privat" = "private" }
[conflation]
max_distance_m = 40
area_tolerance_percent = 30
wins = { playground = "official", open_space = "osm" }
"#;

    #[test]
    fn a_berlin_like_mapping_reads() {
        let m = FacilityMapping::from_toml_str(BERLIN).unwrap();
        assert_eq!(m.id, "spielplatznr");
        assert_eq!(
            m.kind.kinds(),
            [FacilityKind::Playground, FacilityKind::OpenSpace]
        );
        assert_eq!(m.conflation.max_distance_m, 40.0);
        assert!((m.conflation.area_tolerance - 0.3).abs() < 1e-12);
        assert_eq!(m.conflation.winner(FacilityKind::OpenSpace), Winner::Osm);
        let fixed = FacilityMapping::from_toml_str("id = \"nr\"\nkind = \"playground\"").unwrap();
        assert_eq!(fixed.kind, KindRule::Fixed(FacilityKind::Playground));
        assert_eq!(fixed.conflation, ConflationOptions::default());
    }

    #[test]
    fn bad_mappings_say_which_key() {
        let e = FacilityMapping::from_toml_str("id = \"nr\"\nkind = \"park\"").unwrap_err();
        assert!(e.contains("kind") && e.contains("park"), "{e}");
        let e = FacilityMapping::from_toml_str(
            "id = \"nr\"\nkind = { attribute = \"k\", values = { \"A\" = \"pool\" } }",
        )
        .unwrap_err();
        assert!(e.contains("kind.values.\"A\""), "{e}");
        let e = FacilityMapping::from_toml_str("id = \"nr\"\nkind = \"school\"\nnet = \"x\"")
            .unwrap_err();
        assert!(e.contains("net"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn numbers_take_points_and_commas_and_refuse_words() {
        let n = |v: Value| match number(&v) {
            Number::Value(x) => Some(x),
            _ => None,
        };
        assert_eq!(n(serde_json::json!(1250.5)), Some(1250.5));
        assert_eq!(n(serde_json::json!("1250.5")), Some(1250.5));
        assert_eq!(n(serde_json::json!("1250,5")), Some(1250.5));
        assert_eq!(n(serde_json::json!("1.250,5")), Some(1250.5));
        assert_eq!(n(serde_json::json!("ca. 300")), None);
        assert!(matches!(number(&serde_json::json!(" ")), Number::Empty));
    }

    #[test]
    fn official_ids_are_stable_and_apart() {
        assert_eq!(official_id("12"), OsmId::Official(12));
        assert_ne!(official_id("012"), OsmId::Official(12));
        assert_ne!(official_id("a"), official_id("b"));
        assert_eq!(official_id("x-1"), official_id("x-1"));
    }
}
