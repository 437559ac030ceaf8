//! The analysis as JSON (interfaces.md contract), CSV and GeoJSON.
//!
//! Owns the field names and the rounding: people to whole persons, shares to 4 and areas to 2 decimals.

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue};
use model::AgeBand;
use serde::Serialize;
use serde_json::{Value, json};

use crate::gaps::GapArea;
use crate::indicators::{Analysis, NeighbourhoodIndicators};

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn persons(x: f64) -> i64 {
    x.round() as i64
}

#[derive(Serialize)]
struct BandValues<T> {
    age_0_5: T,
    age_6_11: T,
    age_12_17: T,
}

impl<T: Copy> BandValues<T> {
    fn from_fn(f: impl Fn(AgeBand) -> T) -> Self {
        BandValues {
            age_0_5: f(AgeBand::Age0To5),
            age_6_11: f(AgeBand::Age6To11),
            age_12_17: f(AgeBand::Age12To17),
        }
    }
}

#[derive(Serialize)]
struct Population {
    total: i64,
    #[serde(flatten)]
    bands: BandValues<i64>,
}

/// One neighbourhood as written (names fixed by interfaces.md).
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    population: Population,
    served_share: BandValues<Option<f64>>,
    gap_children: BandValues<i64>,
    play_area_m2: f64,
    play_area_m2_per_child: Option<f64>,
    play_area_m2_per_child_2sfca: Option<f64>,
    need_rank: usize,
    need_score: f64,
    play_area_m2_per_resident: Option<f64>,
    play_area_m2_per_child_2sfca_by_band: BandValues<Option<f64>>,
}

impl<'a> From<&'a NeighbourhoodIndicators> for Row<'a> {
    fn from(n: &'a NeighbourhoodIndicators) -> Self {
        let area = |x: Option<f64>| x.map(|v| round_to(v, 2));
        Row {
            id: &n.id,
            name: &n.name,
            population: Population {
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
            play_area_m2_per_resident: area(n.play_area_m2_per_resident()),
            play_area_m2_per_child_2sfca_by_band: BandValues::from_fn(|b| {
                area(n.play_area_m2_per_child_2sfca_by_band[b.index()])
            }),
        }
    }
}

#[derive(Serialize)]
struct GapRow<'a> {
    rank: usize,
    rank_by_band: BandValues<usize>,
    gap_children_total: i64,
    gap_children: BandValues<i64>,
    cells: usize,
    neighbourhoods: &'a [String],
    lon: f64,
    lat: f64,
}

impl<'a> From<&'a GapArea> for GapRow<'a> {
    fn from(g: &'a GapArea) -> Self {
        GapRow {
            rank: g.rank,
            rank_by_band: BandValues::from_fn(|b| g.rank_by_band[b.index()]),
            gap_children_total: persons(g.total()),
            gap_children: BandValues::from_fn(|b| persons(g.gap_children[b.index()])),
            cells: g.cells,
            neighbourhoods: &g.neighbourhoods,
            lon: round_to(g.centre.x(), 6),
            lat: round_to(g.centre.y(), 6),
        }
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
const FLAT_ORDER: [&str; 12] = [
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
];

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
        if !FLAT_ORDER.contains(&key.as_str()) {
            put(key, v);
        }
    }
    out
}

/// A neighbourhood's indicators as flat, ordered columns (see [`flat_properties`]).
fn flat_row(n: &NeighbourhoodIndicators) -> Vec<(String, Value)> {
    match serde_json::to_value(Row::from(n)) {
        Ok(Value::Object(m)) => flat_properties(&m),
        _ => Vec::new(),
    }
}

/// A gap area as flat, ordered columns (neighbourhood ids joined with `,`).
fn flat_gap(g: &GapArea) -> Vec<(String, Value)> {
    let row = GapRow::from(g);
    let mut out: Vec<(String, Value)> = vec![
        ("rank".into(), json!(row.rank)),
        ("gap_children".into(), json!(row.gap_children_total)),
    ];
    for (prefix, bands) in [
        ("gap_children", json!(row.gap_children)),
        ("rank", json!(row.rank_by_band)),
    ] {
        for b in AgeBand::ALL {
            out.push((
                format!("{prefix}_{}", b.as_str()),
                bands.get(b.as_str()).cloned().unwrap_or(Value::Null),
            ));
        }
    }
    out.extend([
        ("cells".into(), json!(row.cells)),
        ("neighbourhoods".into(), json!(row.neighbourhoods.join(","))),
    ]);
    out
}

impl Analysis {
    /// Each neighbourhood's indicators as flat, ordered (column, value) pairs: the CSV,
    /// GeoJSON properties and GeoPackage columns.
    pub fn neighbourhood_rows(&self) -> Vec<Vec<(String, Value)>> {
        self.neighbourhoods.iter().map(flat_row).collect()
    }

    /// Each gap area as flat, ordered (column, value) pairs (rank, children, cells, neighbourhoods).
    pub fn gap_area_rows(&self) -> Vec<Vec<(String, Value)>> {
        self.gap_areas.iter().map(flat_gap).collect()
    }

    /// The JSON object of `analyze --format json` (interfaces.md), with extra fields:
    /// `standard_title`, `data`, `unassigned_residents`, `gap_areas`.
    pub fn to_json(&self) -> Value {
        json!({
            "standard": self.standard,
            "standard_title": self.standard_title,
            "data": {
                "source_file": metadata(self, "source_file"),
                "source_timestamp": metadata(self, "source_timestamp"),
                "population_source": metadata(self, "population_source"),
            },
            "unassigned_residents": persons(self.unassigned_residents),
            "neighbourhoods": self.neighbourhoods.iter().map(Row::from).collect::<Vec<_>>(),
            "gap_areas": self.gap_areas.iter().map(GapRow::from).collect::<Vec<_>>(),
        })
    }

    /// Column names of [`Analysis::to_csv`].
    pub fn csv_columns(&self) -> Vec<String> {
        self.neighbourhoods
            .first()
            .map(|n| flat_row(n).into_iter().map(|(k, _)| k).collect())
            .unwrap_or_default()
    }

    /// One CSV row per neighbourhood, with a header; empty cells for nulls.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = self.csv_columns();
        if header.is_empty() {
            header = vec!["id".into(), "name".into()];
        }
        // Writing into memory cannot fail; results are ignored deliberately.
        let _ = w.write_record(&header);
        for n in &self.neighbourhoods {
            let cells = flat_row(n).into_iter().map(|(_, v)| match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                v => v.to_string(),
            });
            let _ = w.write_record(cells);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Neighbourhood polygons with the flat indicators ([`flat_properties`]) as properties.
    pub fn to_geojson(&self) -> FeatureCollection {
        polygons(
            self.neighbourhoods
                .iter()
                .map(|n| (&n.geometry, flat_row(n))),
        )
    }

    /// Gap areas as polygons with rank and children as properties.
    pub fn gap_areas_geojson(&self) -> FeatureCollection {
        polygons(self.gap_areas.iter().map(|g| (&g.geometry, flat_gap(g))))
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
