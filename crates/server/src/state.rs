//! The server's prepared state: the city, indicators per neighbourhood, the neighbourhood
//! GeoJSON, the tile cache, the walking graph for reach queries, and where the web app comes from.
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
    pub city: Arc<City>,
    pub neighbourhoods_json: Bytes,
    pub tiles: TileCache,
    /// The walking graph and the public facilities on it, or why there is none.
    pub reach: Result<(Arc<network::WalkGraph>, network::Targets), String>,
    /// The profile the walking graph was built with, when this state built it.
    pub graph_profile: Option<network::Profile>,
    pub data_bounds: Option<[f64; 4]>,
    /// The web app: the one the binary carries, or a folder (`SPIELRAUM_WEB_DIR`).
    pub web: webapp::WebApp,
    /// Scenarios and suggestions, once [`AppState::with_scenarios`] set them up.
    pub scenarios: Option<crate::scenario::Scenarios>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("facilities", &self.0.city.facilities.len())
            .field("neighbourhoods", &self.0.city.neighbourhoods.len())
            .field("web", &self.0.web)
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

/// An indicator object as tile properties: [`analysis::export::flat_properties`] without `id`
/// and `name` (the tile layer has them already) and without nulls (tiles have no null).
fn tile_properties(m: &Map<String, Json>) -> Vec<(String, Value)> {
    analysis::export::flat_properties(m)
        .into_iter()
        .filter(|(k, _)| k != "id" && k != "name")
        .filter_map(|(k, v)| {
            let v = match v {
                Json::Bool(b) => Value::Bool(b),
                Json::Number(n) => Value::Double(n.as_f64()?),
                Json::String(s) => Value::String(s),
                _ => return None,
            };
            Some((k, v))
        })
        .collect()
}

pub(crate) fn geometry_json(g: &geo_types::Geometry<f64>) -> Json {
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
                Some(Json::Object(m)) => tile_properties(m),
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
pub fn data_bounds(city: &City) -> Option<[f64; 4]> {
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

/// The tile layers the server draws for `city` with `indicators` (as [`AppState::new`] takes
/// them): the city's layers, neighbourhoods with the flat indicator properties, and the `gaps`
/// layer from `gap_areas_geojson`. The static export writes these same layers.
pub fn tile_layers(city: &City, indicators: Option<&Json>) -> Vec<tiles::SourceLayer> {
    let mut opts = CityLayerOptions {
        gaps: gap_features(indicators),
        ..CityLayerOptions::default()
    };
    for (id, m) in &indicators_by_id(indicators.cloned()) {
        opts.neighbourhood_properties
            .insert(id.clone(), tile_properties(m));
    }
    city_layers(city, &opts)
}

/// `/api/neighbourhoods` properties of one neighbourhood: `id`, `name`, the flat indicator
/// properties (as in tiles and the GeoJSON export), the nested objects of `analyze --format
/// json` (`population`, `served_share`, …) as they are, and `has_indicators`.
/// `population_total` falls back to the GeoPackage's residents.
fn neighbourhood_properties(
    n: &model::Neighbourhood,
    indicators: Option<&Map<String, Json>>,
) -> Map<String, Json> {
    let mut p = Map::new();
    p.insert("id".into(), n.id.clone().into());
    p.insert("name".into(), n.name.clone().into());
    if let Some(ind) = indicators {
        for (k, v) in ind {
            if v.is_object() {
                p.insert(k.clone(), v.clone());
            }
        }
        p.extend(analysis::export::flat_properties(ind));
        p.insert("id".into(), n.id.clone().into());
        p.insert("name".into(), n.name.clone().into());
    }
    if !p.get("population_total").is_some_and(Json::is_number) {
        p.insert(
            "population_total".into(),
            n.population.map(Json::from).unwrap_or(Json::Null),
        );
    }
    p.insert("has_indicators".into(), indicators.is_some().into());
    p
}

impl AppState {
    /// Prepares the state: indexes tiles, builds the walking graph (default profile), renders
    /// the neighbourhood GeoJSON. `indicators` is the `analyze --format json` output (or an
    /// object keyed by neighbourhood id); `None` shows the map without indicators. When it
    /// holds `"gap_areas_geojson"` (a FeatureCollection), those polygons form the `gaps` layer.
    pub fn new(city: City, indicators: Option<Json>) -> AppState {
        let graph = network::WalkGraph::build(
            &city.walk_ways,
            &city.tagged_nodes,
            network::Profile::Default,
        )
        .map_err(|e| e.to_string());
        AppState::build(city, graph, Some(network::Profile::Default), indicators)
    }

    /// As [`AppState::new`], with a walking graph built already from `city` (e.g. the one
    /// the indicators were computed on), so it is not built twice.
    pub fn with_graph(city: City, graph: network::WalkGraph, indicators: Option<Json>) -> AppState {
        AppState::build(city, Ok(graph), None, indicators)
    }

    fn build(
        city: City,
        graph: Result<network::WalkGraph, String>,
        graph_profile: Option<network::Profile>,
        indicators: Option<Json>,
    ) -> AppState {
        let indicators_json = indicators;
        let tiles = TileCache::new(
            TileSet::new(tile_layers(&city, indicators_json.as_ref())),
            TILE_CACHE_BYTES,
        );
        let indicators = indicators_by_id(indicators_json.clone());
        if let Err(e) = &graph {
            tracing::warn!("walking network unavailable, /api/reach will answer 503: {e}");
        }
        let reach = graph.map(|g| {
            let targets = crate::reach::public_targets(&city, &g);
            (Arc::new(g), targets)
        });
        let features: Vec<Json> = city
            .neighbourhoods
            .iter()
            .map(|n| {
                let p = neighbourhood_properties(n, indicators.get(&n.id));
                feature(&n.geometry.clone().into(), p)
            })
            .collect();
        let fc = serde_json::json!({ "type": "FeatureCollection", "features": features });
        let data_bounds = data_bounds(&city).or_else(|| tiles.tiles().bounds());
        AppState(Arc::new(Inner {
            data_bounds,
            neighbourhoods_json: Bytes::from(fc.to_string()),
            city: Arc::new(city),
            tiles,
            reach,
            graph_profile,
            web: webapp::WebApp::from_env(),
            scenarios: None,
        }))
    }

    /// The same state serving the web app from the folder `dir` (a built `web/dist`) instead
    /// of the one the binary carries.
    pub fn with_web_dir(self, dir: PathBuf) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.web = webapp::WebApp::Folder(dir);
                AppState(Arc::new(inner))
            }
            Err(arc) => {
                tracing::warn!("with_web_dir called on a shared state; ignored");
                AppState(arc)
            }
        }
    }

    /// The same state answering the scenario and suggestion routes (`/api/scenarios…`,
    /// `/api/compare`, `/api/suggest`): builds the scenario engine once on this state's city and
    /// walking graph (the graph must be the one `setup.standards` asks for, e.g. the one given to
    /// [`AppState::with_graph`]; a state from [`AppState::new`] rebuilds it when the standard
    /// walks another profile). Without it those routes answer 503.
    pub fn with_scenarios(self, setup: crate::scenario::ScenarioSetup) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.scenarios = Some(crate::scenario::Scenarios::new(&inner, setup));
                AppState(Arc::new(inner))
            }
            Err(arc) => {
                tracing::warn!("with_scenarios called on a shared state; ignored");
                AppState(arc)
            }
        }
    }

    /// The same state with its tile cache backed by a persistent store (e.g. the GeoPackage's
    /// tile table), so tiles rendered once survive a restart.
    pub fn with_tile_store(self, store: Box<dyn tiles::TileStore>) -> AppState {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.tiles.set_store(store);
                AppState(Arc::new(inner))
            }
            Err(arc) => {
                tracing::warn!("with_tile_store called on a shared state; ignored");
                AppState(arc)
            }
        }
    }

    /// How many tiles this server has rendered (not found in memory or the tile store).
    pub fn tiles_rendered(&self) -> u64 {
        self.0.tiles.rendered()
    }
}
