//! The analysis as JSON (interfaces.md contract), CSV and GeoJSON.
//!
//! Owns the field names and the rounding: people to whole persons, shares to 4 and areas to 2 decimals.

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue};
use model::AgeBand;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::gaps::GapArea;
use std::collections::BTreeMap;

use crate::indicators::{Analysis, NeighbourhoodIndicators, SocialTerm};

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn persons(x: f64) -> i64 {
    x.round() as i64
}

/// One value per age band, written as `age_0_5`, `age_6_11`, `age_12_17`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BandValues<T> {
    /// Children 0–5.
    pub age_0_5: T,
    /// Children 6–11.
    pub age_6_11: T,
    /// Young people 12–17.
    pub age_12_17: T,
}

impl<T: Copy> BandValues<T> {
    /// The values `f(band)` of every band.
    pub fn from_fn(f: impl Fn(AgeBand) -> T) -> Self {
        BandValues {
            age_0_5: f(AgeBand::Age0To5),
            age_6_11: f(AgeBand::Age6To11),
            age_12_17: f(AgeBand::Age12To17),
        }
    }

    /// The value of `band`.
    pub fn get(&self, band: AgeBand) -> T {
        match band {
            AgeBand::Age0To5 => self.age_0_5,
            AgeBand::Age6To11 => self.age_6_11,
            AgeBand::Age12To17 => self.age_12_17,
        }
    }
}

/// Residents of a neighbourhood as written: all of them and the children per band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PopulationCounts {
    /// All residents (whole persons).
    pub total: i64,
    /// Children per band (whole persons).
    #[serde(flatten)]
    pub bands: BandValues<i64>,
}

/// One neighbourhood's indicators as published (names fixed by interfaces.md; people in whole
/// persons, shares to 4 and areas to 2 decimals, the play area to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighbourhoodRow {
    /// Neighbourhood id.
    pub id: String,
    /// Neighbourhood name.
    pub name: String,
    /// Residents.
    pub population: PopulationCounts,
    /// Share of each band's children within walking distance; `None` where the band has none.
    pub served_share: BandValues<Option<f64>>,
    /// Children of each band outside walking distance.
    pub gap_children: BandValues<i64>,
    /// Net play area of the public facilities inside the neighbourhood, m².
    pub play_area_m2: f64,
    /// Net play area ÷ children, m².
    #[serde(default)]
    pub play_area_m2_per_child: Option<f64>,
    /// 2SFCA play area per child, m².
    #[serde(default)]
    pub play_area_m2_per_child_2sfca: Option<f64>,
    /// 1 = most need.
    pub need_rank: usize,
    /// Need score in [0, 1].
    #[serde(default)]
    pub need_score: f64,
    /// The need score's weighted parts by key (`age_0_5`, `age_6_11`, `age_12_17`,
    /// `play_area` when the standard sets a target, each weighed social indicator), 4 decimals;
    /// they add up to `need_score` (up to rounding). Not a flat column (its keys vary).
    #[serde(default)]
    pub need_parts: BTreeMap<String, f64>,
    /// The key of the largest part (`None` when the score is 0).
    #[serde(default)]
    pub need_driver: Option<String>,
    /// Weighed social indicators without a value for this neighbourhood (their part is 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub social_missing: Vec<String>,
    /// Net play area ÷ residents, m².
    #[serde(default)]
    pub play_area_m2_per_resident: Option<f64>,
    /// 2SFCA play area per child of each band, m².
    #[serde(default)]
    pub play_area_m2_per_child_2sfca_by_band: BandValues<Option<f64>>,
    /// The part of `play_area_m2` that is the inventory's net play area (*Nettospielfläche*),
    /// m²; only for cities imported with a facility inventory (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_area_net_m2: Option<f64>,
}

impl From<&NeighbourhoodIndicators> for NeighbourhoodRow {
    fn from(n: &NeighbourhoodIndicators) -> Self {
        let area = |x: Option<f64>| x.map(|v| round_to(v, 2));
        NeighbourhoodRow {
            id: n.id.clone(),
            name: n.name.clone(),
            population: PopulationCounts {
                total: persons(n.population_total),
                bands: BandValues::from_fn(|b| persons(n.population[b.index()])),
            },
            served_share: BandValues::from_fn(|b| n.served_share(b).map(|s| round_to(s, 4))),
            gap_children: BandValues::from_fn(|b| persons(n.gap_children[b.index()])),
            play_area_m2: round_to(n.play_area_m2, 1),
            play_area_m2_per_child: area(n.play_area_m2_per_child()),
            play_area_m2_per_child_2sfca: area(n.play_area_m2_per_child_2sfca),
            need_rank: n.need_rank,
            need_score: round_to(n.need_score, 4),
            need_parts: n
                .need_parts
                .iter()
                .map(|(k, v)| (k.clone(), round_to(*v, 4)))
                .collect(),
            need_driver: n.need_driver().map(str::to_string),
            social_missing: n.social_missing.clone(),
            play_area_m2_per_resident: area(n.play_area_m2_per_resident()),
            play_area_m2_per_child_2sfca_by_band: BandValues::from_fn(|b| {
                area(n.play_area_m2_per_child_2sfca_by_band[b.index()])
            }),
            play_area_net_m2: n.play_area_net_m2.map(|v| round_to(v, 1)),
        }
    }
}

impl NeighbourhoodRow {
    /// The row as flat, ordered (column, value) pairs ([`flat_properties`]): the CSV, the GeoJSON
    /// export, the GeoPackage layer and the map's tiles.
    pub fn flat(&self) -> Vec<(String, Value)> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => flat_properties(&m),
            _ => Vec::new(),
        }
    }
}

/// One gap area (cluster of unserved children) as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapRow {
    /// 1 = most unserved children.
    pub rank: usize,
    /// Rank by each band's unserved children.
    pub rank_by_band: BandValues<usize>,
    /// Unserved children of all bands.
    pub gap_children_total: i64,
    /// Unserved children per band.
    pub gap_children: BandValues<i64>,
    /// Grid cells of the cluster.
    pub cells: usize,
    /// Ids of the neighbourhoods it touches.
    pub neighbourhoods: Vec<String>,
    /// Longitude of its centre (6 decimals).
    pub lon: f64,
    /// Latitude of its centre (6 decimals).
    pub lat: f64,
    /// The outline, when the analysis was computed here (not written to JSON).
    #[serde(skip)]
    pub geometry: Option<geo_types::MultiPolygon<f64>>,
}

impl From<&GapArea> for GapRow {
    fn from(g: &GapArea) -> Self {
        GapRow {
            rank: g.rank,
            rank_by_band: BandValues::from_fn(|b| g.rank_by_band[b.index()]),
            gap_children_total: persons(g.total()),
            gap_children: BandValues::from_fn(|b| persons(g.gap_children[b.index()])),
            cells: g.cells,
            neighbourhoods: g.neighbourhoods.clone(),
            lon: round_to(g.centre.x(), 6),
            lat: round_to(g.centre.y(), 6),
            geometry: Some(g.geometry.clone()),
        }
    }
}

impl GapRow {
    /// The gap area as flat, ordered (column, value) pairs: rank, children (all, then per band),
    /// rank per band, cells, neighbourhood ids joined with `,`.
    pub fn flat(&self) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = vec![
            ("rank".into(), json!(self.rank)),
            ("gap_children".into(), json!(self.gap_children_total)),
        ];
        for b in AgeBand::ALL {
            out.push((
                format!("gap_children_{}", b.as_str()),
                json!(self.gap_children.get(b)),
            ));
        }
        for b in AgeBand::ALL {
            out.push((
                format!("rank_{}", b.as_str()),
                json!(self.rank_by_band.get(b)),
            ));
        }
        out.extend([
            ("cells".into(), json!(self.cells)),
            (
                "neighbourhoods".into(),
                json!(self.neighbourhoods.join(",")),
            ),
        ]);
        out
    }
}

/// Where the analysed data came from (`spielraum_meta` facts of the import).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSources {
    /// The imported extract's file name.
    pub source_file: Option<String>,
    /// The extract's timestamp.
    pub source_timestamp: Option<String>,
    /// Where the residents came from (`buildings`, `census`, `points`, …).
    pub population_source: Option<String>,
    /// Which area the play area counts: for cities imported with a facility inventory, e.g.
    /// `net play area for 12 of 15 inventory facilities (inventory spielplaetze.geojson), outline
    /// or point area for the others`; absent otherwise (every area is the outline's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_area_basis: Option<String>,
}

/// The analysis as published: the object of `spielraum analyze --format json` (interfaces.md).
/// The one typed result that the map, the server, the export and the report read; JSON is made
/// from it only at the edges ([`AnalysisDocument::to_json`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisDocument {
    /// The standard's short name.
    pub standard: String,
    /// The standard's title.
    #[serde(default)]
    pub standard_title: String,
    /// Where the data came from.
    #[serde(default)]
    pub data: DataSources,
    /// Residents living in no neighbourhood (whole persons).
    #[serde(default)]
    pub unassigned_residents: i64,
    /// One row per neighbourhood, in the city's order.
    pub neighbourhoods: Vec<NeighbourhoodRow>,
    /// Gap areas, rank 1 first.
    #[serde(default)]
    pub gap_areas: Vec<GapRow>,
    /// The social indicators the need score weighs, with labels and weights (absent without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub social_indicators: Vec<SocialTerm>,
}

impl AnalysisDocument {
    /// The JSON object of `analyze --format json` (keys sorted, as every JSON we write).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads an `analyze --format json` document.
    pub fn from_json_str(text: &str) -> Result<AnalysisDocument, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// One CSV row per neighbourhood, with a header: the same text as [`Analysis::to_csv`] of
    /// the analysis this document publishes (`analyze --format csv`).
    pub fn to_csv(&self) -> String {
        csv_of(
            self.neighbourhoods
                .iter()
                .map(NeighbourhoodRow::flat)
                .collect(),
        )
    }

    /// The row of the neighbourhood with id `id` (the last one, should a file repeat an id).
    pub fn neighbourhood(&self, id: &str) -> Option<&NeighbourhoodRow> {
        self.neighbourhoods.iter().rev().find(|n| n.id == id)
    }
}

fn metadata(a: &Analysis, key: &str) -> Option<String> {
    a.metadata
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// Keys of the `analyze --format json` neighbourhood object, in the order their flat columns
/// are written; other keys follow in the object's order.
const FLAT_ORDER: [&str; 13] = [
    "id",
    "name",
    "population",
    "served_share",
    "gap_children",
    "play_area_m2_per_child_2sfca_by_band",
    "play_area_m2",
    "play_area_m2_per_child",
    "play_area_m2_per_child_2sfca",
    "play_area_m2_per_resident",
    "need_score",
    "need_rank",
    "need_driver",
];

/// Keys of the neighbourhood object left out of the flat properties: their sub-keys depend on
/// the standard and the social table, so they cannot be fixed columns.
const NOT_FLAT: [&str; 1] = ["need_parts"];

/// One neighbourhood's object of `analyze --format json` as flat, ordered properties: the one
/// naming used by the CSV, the GeoJSON export, the GeoPackage layer and the map's vector tiles.
///
/// Scalars keep their key; `population` becomes `population_total` and `age_0_5`, `age_6_11`,
/// `age_12_17` (children); any other object `key` becomes `key_sub` (`served_share_age_0_5`),
/// except that a trailing `_by_band` is dropped (`play_area_m2_per_child_2sfca_age_0_5`).
/// Nulls are kept (empty CSV cells); arrays are left out.
pub fn flat_properties(neighbourhood: &serde_json::Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut put = |key: &str, v: &Value| match v {
        Value::Array(_) => {}
        Value::Object(o) => {
            let prefix = key.strip_suffix("_by_band").unwrap_or(key);
            // "total", then the bands youngest first, then anything else.
            let known = std::iter::once("total").chain(AgeBand::ALL.iter().map(|b| b.as_str()));
            let known: Vec<&str> = known.collect();
            let subs = known
                .iter()
                .filter_map(|k| o.get_key_value(*k))
                .chain(o.iter().filter(|(k, _)| !known.contains(&k.as_str())));
            for (sub, v) in subs {
                if v.is_array() || v.is_object() {
                    continue;
                }
                let name = match (prefix, sub.as_str()) {
                    ("population", band) if known[1..].contains(&band) => band.to_string(),
                    (p, s) => format!("{p}_{s}"),
                };
                out.push((name, v.clone()));
            }
        }
        v => out.push((key.to_string(), v.clone())),
    };
    for key in FLAT_ORDER {
        if let Some(v) = neighbourhood.get(key) {
            put(key, v);
        }
    }
    for (key, v) in neighbourhood {
        if !FLAT_ORDER.contains(&key.as_str()) && !NOT_FLAT.contains(&key.as_str()) {
            put(key, v);
        }
    }
    out
}

/// One CSV row per flat row, with a header (the first row's columns; `id,name` without rows);
/// empty cells for nulls.
fn csv_of(rows: Vec<Vec<(String, Value)>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = rows
        .first()
        .map(|r| r.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    if header.is_empty() {
        header = vec!["id".into(), "name".into()];
    }
    // Writing into memory cannot fail; results are ignored deliberately.
    let _ = w.write_record(&header);
    for row in rows {
        let cells = row.into_iter().map(|(_, v)| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            v => v.to_string(),
        });
        let _ = w.write_record(cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

impl Analysis {
    /// The analysis as published (rounded, typed): see [`AnalysisDocument`].
    pub fn document(&self) -> AnalysisDocument {
        AnalysisDocument {
            standard: self.standard.clone(),
            standard_title: self.standard_title.clone(),
            data: DataSources {
                source_file: metadata(self, "source_file"),
                source_timestamp: metadata(self, "source_timestamp"),
                population_source: metadata(self, "population_source"),
                play_area_basis: metadata(self, "play_area_basis"),
            },
            unassigned_residents: persons(self.unassigned_residents),
            neighbourhoods: self
                .neighbourhoods
                .iter()
                .map(NeighbourhoodRow::from)
                .collect(),
            gap_areas: self.gap_areas.iter().map(GapRow::from).collect(),
            social_indicators: self.social_terms.clone(),
        }
    }

    /// Each neighbourhood's indicators as flat, ordered (column, value) pairs: the CSV,
    /// GeoJSON properties and GeoPackage columns.
    pub fn neighbourhood_rows(&self) -> Vec<Vec<(String, Value)>> {
        self.neighbourhoods
            .iter()
            .map(|n| NeighbourhoodRow::from(n).flat())
            .collect()
    }

    /// Each gap area as flat, ordered (column, value) pairs (rank, children, cells, neighbourhoods).
    pub fn gap_area_rows(&self) -> Vec<Vec<(String, Value)>> {
        self.gap_areas
            .iter()
            .map(|g| GapRow::from(g).flat())
            .collect()
    }

    /// The JSON object of `analyze --format json` (interfaces.md), with extra fields:
    /// `standard_title`, `data`, `unassigned_residents`, `gap_areas`.
    pub fn to_json(&self) -> Value {
        self.document().to_json()
    }

    /// Column names of [`Analysis::to_csv`].
    pub fn csv_columns(&self) -> Vec<String> {
        self.neighbourhoods
            .first()
            .map(|n| {
                NeighbourhoodRow::from(n)
                    .flat()
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One CSV row per neighbourhood, with a header; empty cells for nulls.
    pub fn to_csv(&self) -> String {
        csv_of(self.neighbourhood_rows())
    }

    /// Neighbourhood polygons with the flat indicators ([`flat_properties`]) as properties.
    pub fn to_geojson(&self) -> FeatureCollection {
        polygons(
            self.neighbourhoods
                .iter()
                .map(|n| (&n.geometry, NeighbourhoodRow::from(n).flat())),
        )
    }

    /// Gap areas as polygons with rank and children as properties.
    pub fn gap_areas_geojson(&self) -> FeatureCollection {
        polygons(
            self.gap_areas
                .iter()
                .map(|g| (&g.geometry, GapRow::from(g).flat())),
        )
    }
}

/// A FeatureCollection of polygons with flat properties.
fn polygons<'a>(
    items: impl Iterator<Item = (&'a geo_types::MultiPolygon<f64>, Vec<(String, Value)>)>,
) -> FeatureCollection {
    let features = items
        .map(|(geometry, properties)| Feature {
            geometry: Some(Geometry::new(GeometryValue::from(geometry))),
            properties: Some(properties.into_iter().collect()),
            ..Feature::default()
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_properties_names_and_order() {
        // Hand-written `analyze --format json` object, keys deliberately out of order.
        let v = json!({
            "need_rank": 2,
            "served_share": {"age_12_17": null, "age_0_5": 0.75, "age_6_11": 0.5},
            "name": "Westend",
            "population": {"age_6_11": 90, "total": 1200, "age_0_5": 80, "age_12_17": 100},
            "play_area_m2_per_child_2sfca_by_band": {"age_0_5": 1.5},
            "id": "west",
            "extra": {"note": "x", "list": [1]},
            "tags": [1, 2],
        });
        let Value::Object(m) = v else { unreachable!() };
        let expected: Vec<(String, Value)> = [
            ("id", json!("west")),
            ("name", json!("Westend")),
            ("population_total", json!(1200)),
            ("age_0_5", json!(80)),
            ("age_6_11", json!(90)),
            ("age_12_17", json!(100)),
            ("served_share_age_0_5", json!(0.75)),
            ("served_share_age_6_11", json!(0.5)),
            ("served_share_age_12_17", Value::Null),
            ("play_area_m2_per_child_2sfca_age_0_5", json!(1.5)),
            ("need_rank", json!(2)),
            ("extra_note", json!("x")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(flat_properties(&m), expected);
    }
}
