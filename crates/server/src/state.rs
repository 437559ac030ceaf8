//! The server's prepared state: the city, indicators per neighbourhood, the neighbourhood
//! GeoJSON, the tile cache, the walking graph for reach queries, and where the web app lives.
//!
//! Built once at start; shared read-only (behind an `Arc`) by every request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use model::City;
use serde_json::{Map, Value as Json};
use tiles::{CityLayerOptions, TileCache, TileSet, Value, city_layers};

/// Memory bound of the tile cache (raw + gzip bytes).
const TILE_CACHE_BYTES: usize = 256 << 20;

/// Shared state of all handlers (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub city: City,
    pub indicators: HashMap<String, Map<String, Json>>,
    pub neighbourhoods_json: Bytes,
    pub tiles: TileCache,
    pub graph: Result<network::WalkGraph, String>,
    pub data_bounds: Option<[f64; 4]>,
    pub web_dir: Option<PathBuf>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("facilities", &self.0.city.facilities.len())
            .field("neighbourhoods", &self.0.city.neighbourhoods.len())
            .field("web_dir", &self.0.web_dir)
            .finish()
    }
}

/// Reads indicators per neighbourhood id from either the `analyze --format json` object
/// (`{"neighbourhoods": [{"id": …, …}]}`) or a plain object keyed by id.
fn indicators_by_id(v: Option<Json>) -> HashMap<String, Map<String, Json>> {
    let mut out = HashMap::new();
    match v {
        Some(Json::Object(mut o)) => {
            if let Some(Json::Array(list)) = o.remove("neighbourhoods") {
                for item in list {
                    if let Json::Object(m) = item
                        && let Some(id) = m.get("id").and_then(Json::as_str).map(str::to_string)
                    {
                        out.insert(id, m);
                    }
                }
            } else {
                for (id, v) in o {
                    if let Json::Object(m) = v {
                        out.insert(id, m);
                    }
                }
            }
        }
        Some(Json::Array(list)) => {
            return indicators_by_id(Some(serde_json::json!({ "neighbourhoods": list })));
        }
        _ => {}
    }
    out
}

/// Flattens indicator JSON to scalar tile properties: nested objects join their keys with `_`
/// (`served_share.age_0_5` -> `served_share_age_0_5`); nulls and arrays are left out;
/// `id` and `name` are skipped (the tile layer has them already), and the analysis'
/// `population` object becomes `population_total`, `population_age_0_5`, ….
pub fn flatten_indicators(m: &Map<String, Json>) -> Vec<(String, Value)> {
    fn walk(prefix: &str, v: &Json, out: &mut Vec<(String, Value)>) {
        match v {
            Json::Bool(b) => out.push((prefix.to_string(), Value::Bool(*b))),
            Json::Number(n) => {
                if let Some(f) = n.as_f64() {
                    out.push((prefix.to_string(), Value::Double(f)));
                }
            }
            Json::String(s) => out.push((prefix.to_string(), Value::String(s.clone()))),
            Json::Object(o) => {
                for (k, v) in o {
                    walk(&format!("{prefix}_{k}"), v, out);
                }
            }
            Json::Null | Json::Array(_) => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in m {
        if k == "id" || k == "name" || (k == "population" && !v.is_object()) {
            continue;
        }
        walk(k, v, &mut out);
    }
    out
}

fn geometry_json(g: &geo_types::Geometry<f64>) -> Json {
    serde_json::to_value(geojson::Geometry::from(geojson::GeometryValue::from(g)))
        .unwrap_or(Json::Null)
}

pub(crate) fn feature(geometry: &geo_types::Geometry<f64>, properties: Map<String, Json>) -> Json {
    serde_json::json!({ "type": "Feature", "geometry": geometry_json(geometry), "properties": properties })
}

/// Gap areas for the `gaps` tile layer from `indicators["gap_areas_geojson"]` (a GeoJSON
/// FeatureCollection, e.g. `analysis.gap_areas_geojson()`); features that do not parse are skipped.
fn gap_features(indicators: Option<&Json>) -> Vec<tiles::SourceFeature> {
    let Some(Json::Array(list)) = indicators
        .and_then(|v| v.get("gap_areas_geojson"))
        .and_then(|v| v.get("features"))
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|f| {
            let g: geojson::Geometry = serde_json::from_value(f.get("geometry")?.clone()).ok()?;
            let geometry = geo_types::Geometry::<f64>::try_from(&g.value).ok()?;
            let properties = match f.get("properties") {
                Some(Json::Object(m)) => flatten_indicators(m),
                _ => Vec::new(),
            };
            Some(tiles::SourceFeature {
                id: None,
                geometry,
                properties,
                min_zoom: 0,
            })
        })
        .collect()
}

/// The lon/lat box of the neighbourhoods (else the facilities): where the map opens.
fn data_bounds(city: &City) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let rects: Vec<geo_types::Rect<f64>> = if city.neighbourhoods.is_empty() {
        city.facilities
            .iter()
            .filter_map(|f| f.geometry.bounding_rect())
            .collect()
    } else {
        city.neighbourhoods
            .iter()
            .filter_map(|n| n.geometry.bounding_rect())
            .collect()
    };
    rects.into_iter().fold(None, |acc, r| {
        let (a, b) = (r.min(), r.max());
        Some(match acc {
            None => [a.x, a.y, b.x, b.y],
            Some(o) => [o[0].min(a.x), o[1].min(a.y), o[2].max(b.x), o[3].max(b.y)],
        })
    })
}

/// Where the built web app is: `$SPIELRAUM_WEB_DIR`, else `web/dist` under the current
/// directory, else `web/dist` above the executable (`target/<profile>/spielraum`).
fn find_web_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(d) = std::env::var_os("SPIELRAUM_WEB_DIR") {
        candidates.push(PathBuf::from(d));
    }
    candidates.push(PathBuf::from("web/dist"));
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            candidates.push(up.join("web/dist"));
        }
    }
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}

impl AppState {
    /// Prepares the state: indexes tiles, builds the walking graph, renders the
    /// neighbourhood GeoJSON. `indicators` is the `analyze --format json` output (or an
    /// object keyed by neighbourhood id); `None` shows the map without indicators. When it
    /// holds `"gap_areas_geojson"` (a FeatureCollection), those polygons form the `gaps` layer.
    pub fn new(city: City, indicators: Option<Json>) -> AppState {
        let indicators_json = indicators;
        let indicators = indicators_by_id(indicators_json.clone());
        let mut opts = CityLayerOptions {
            gaps: gap_features(indicators_json.as_ref()),
            ..CityLayerOptions::default()
        };
        for (id, m) in &indicators {
            opts.neighbourhood_properties
                .insert(id.clone(), flatten_indicators(m));
        }
        let tiles = TileCache::new(TileSet::new(city_layers(&city, &opts)), TILE_CACHE_BYTES);
        let graph = network::WalkGraph::build(
            &city.walk_ways,
            &city.tagged_nodes,
            network::Profile::Default,
        )
        .map_err(|e| e.to_string());
        if let Err(e) = &graph {
            tracing::warn!("walking network unavailable, /api/reach will answer 503: {e}");
        }
        let features: Vec<Json> = city
            .neighbourhoods
            .iter()
            .map(|n| {
                let mut p = Map::new();
                p.insert("id".into(), n.id.clone().into());
                p.insert("name".into(), n.name.clone().into());
                if let Some(ind) = indicators.get(&n.id) {
                    for (k, v) in ind {
                        if k == "population" && v.is_object() {
                            p.insert("population_by_age".into(), v.clone());
                        } else if k != "id" && k != "name" {
                            p.insert(k.clone(), v.clone());
                        }
                    }
                }
                let population = n.population.map(Json::from).or_else(|| {
                    indicators
                        .get(&n.id)?
                        .get("population")?
                        .get("total")
                        .cloned()
                });
                p.insert("population".into(), population.unwrap_or(Json::Null));
                p.insert(
                    "has_indicators".into(),
                    indicators.contains_key(&n.id).into(),
                );
                feature(&n.geometry.clone().into(), p)
            })
            .collect();
        let fc = serde_json::json!({ "type": "FeatureCollection", "features": features });
        let data_bounds = data_bounds(&city).or_else(|| tiles.tiles().bounds());
        AppState(Arc::new(Inner {
            data_bounds,
            neighbourhoods_json: Bytes::from(fc.to_string()),
            city,
            indicators,
            tiles,
            graph,
            web_dir: find_web_dir(),
        }))
    }

    /// The same state serving the web app from `dir` (a built `web/dist`).
    pub fn with_web_dir(self, dir: PathBuf) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.web_dir = Some(dir);
                AppState(Arc::new(inner))
            }
            Err(arc) => {
                tracing::warn!("with_web_dir called on a shared state; ignored");
                AppState(arc)
            }
        }
    }

    /// Indicator count: how many neighbourhoods have indicators.
    pub fn indicator_count(&self) -> usize {
        self.0.indicators.len()
    }
}
