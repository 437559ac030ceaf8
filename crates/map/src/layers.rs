//! The map's tile layers: which layers a [`model::City`] and its analysis become (basemap with
//! per-class zooms, neighbourhoods with their indicators, population, gaps, facilities).
//!
//! Layer and property names follow the GeoPackage layers of the interface contract; the style
//! ([`crate::style`]) draws exactly these layers.

use std::collections::HashMap;

use analysis::AnalysisDocument;
use geo::InteriorPoint;
use geo_types::Geometry;
use model::{City, OsmId};
use serde_json::Value as Json;
use tiles::{SourceFeature, SourceLayer, Value};

/// Extra data for [`city_layers`] that does not live in the city itself.
#[derive(Debug, Clone, Default)]
pub struct CityLayerOptions {
    /// Properties added to each neighbourhood feature, by neighbourhood id (indicators,
    /// already flattened to scalar values, e.g. `served_share_age_0_5`).
    pub neighbourhood_properties: HashMap<String, Vec<(String, Value)>>,
    /// Gap areas (from the analysis), drawn as layer `gaps` when not empty.
    pub gaps: Vec<SourceFeature>,
}

/// The basemap layers, in drawing order (bottom first).
pub const BASEMAP_LAYERS: [&str; 6] = [
    "landuse",
    "water",
    "buildings",
    "railways",
    "roads",
    "places",
];

/// The lowest zoom at which a basemap feature of `layer`/`class` is drawn.
pub fn basemap_min_zoom(layer: &str, class: &str) -> u8 {
    match (layer, class) {
        ("roads", "motorway" | "trunk" | "primary") => 6,
        ("roads", "secondary") => 8,
        ("roads", "tertiary") => 10,
        ("roads", "residential" | "unclassified" | "living_street") => 12,
        ("roads", "service" | "pedestrian" | "track") => 13,
        ("roads", _) => 14,
        ("railways", _) => 9,
        ("buildings", _) => 13,
        ("places", "city" | "town" | "country" | "state") => 4,
        ("places", "village" | "suburb") => 10,
        ("places", _) => 12,
        _ => 0,
    }
}

/// A numeric id for an OSM object that keeps the type apart (node 2n, way 2n+1·…):
/// `id * 4 + {0 node, 1 way, 2 relation, 3 inventory object}` for non-negative ids.
pub fn osm_feature_id(id: OsmId) -> Option<u64> {
    let (n, t) = match id {
        OsmId::Node(n) => (n, 0),
        OsmId::Way(n) => (n, 1),
        OsmId::Relation(n) => (n, 2),
        OsmId::Official(n) => (n, 3),
    };
    u64::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(4))
        .map(|n| n + t)
}

fn opt_string(key: &str, v: &Option<String>, props: &mut Vec<(String, Value)>) {
    if let Some(s) = v {
        props.push((key.to_string(), Value::String(s.clone())));
    }
}

/// Builds every tile layer of a city: `landuse`, `water`, `buildings`, `railways`, `roads`,
/// `places` (basemap), then `neighbourhoods`, `population`, `gaps` (when given), `facilities`
/// (as imported) and `facility_points` (one point per facility, areas at an interior point).
pub fn city_layers(city: &City, opts: &CityLayerOptions) -> Vec<SourceLayer> {
    let mut basemap: HashMap<&str, Vec<SourceFeature>> = HashMap::new();
    for f in &city.basemap {
        let mut properties = vec![("class".to_string(), Value::String(f.class.clone()))];
        opt_string("name", &f.name, &mut properties);
        basemap
            .entry(f.layer.as_str())
            .or_default()
            .push(SourceFeature {
                id: None,
                geometry: f.geometry.clone(),
                properties,
                min_zoom: basemap_min_zoom(&f.layer, &f.class),
            });
    }
    let mut layers: Vec<SourceLayer> = BASEMAP_LAYERS
        .iter()
        .map(|name| SourceLayer {
            name: name.to_string(),
            features: basemap.remove(name).unwrap_or_default(),
        })
        .collect();

    let neighbourhoods = city
        .neighbourhoods
        .iter()
        .map(|n| {
            let mut properties = vec![
                ("id".to_string(), Value::String(n.id.clone())),
                ("name".to_string(), Value::String(n.name.clone())),
            ];
            if let Some(p) = n.population {
                properties.push(("population".to_string(), Value::Double(p)));
            }
            if let Some(extra) = opts.neighbourhood_properties.get(&n.id) {
                properties.extend(extra.iter().cloned());
            }
            SourceFeature {
                id: None,
                geometry: n.geometry.clone().into(),
                properties,
                min_zoom: 0,
            }
        })
        .collect();
    layers.push(SourceLayer {
        name: "neighbourhoods".into(),
        features: neighbourhoods,
    });

    let population = city
        .population
        .iter()
        .map(|u| {
            let mut properties = vec![("residents".to_string(), Value::Double(u.residents))];
            for band in model::AgeBand::ALL {
                properties.push((
                    band.as_str().to_string(),
                    Value::Double(u.ages[band.index()]),
                ));
            }
            properties.push(("source".into(), Value::String(u.source.as_str().into())));
            SourceFeature {
                id: None,
                geometry: u.location.into(),
                properties,
                min_zoom: 12,
            }
        })
        .collect();
    layers.push(SourceLayer {
        name: "population".into(),
        features: population,
    });

    if !opts.gaps.is_empty() {
        layers.push(SourceLayer {
            name: "gaps".into(),
            features: opts.gaps.clone(),
        });
    }

    let facilities: Vec<SourceFeature> = city
        .facilities
        .iter()
        .map(|f| {
            let mut properties = vec![
                ("osm_id".to_string(), Value::String(f.osm_id.to_string())),
                ("kind".to_string(), Value::String(f.kind.as_str().into())),
            ];
            opt_string("name", &f.name, &mut properties);
            if let Some(a) = f.area_m2 {
                properties.push(("area_m2".into(), Value::Double(a)));
            }
            opt_string("access", &f.access, &mut properties);
            SourceFeature {
                id: osm_feature_id(f.osm_id),
                geometry: f.geometry.clone(),
                properties,
                min_zoom: 0,
            }
        })
        .collect();
    // One point per facility (areas at an interior point), so every facility has a
    // symbol at every zoom even where its area is too small to draw.
    let points = facilities
        .iter()
        .filter_map(|f| {
            let p = match &f.geometry {
                Geometry::Point(p) => *p,
                g => g.interior_point()?,
            };
            Some(SourceFeature {
                geometry: p.into(),
                ..f.clone()
            })
        })
        .collect();
    layers.push(SourceLayer {
        name: "facilities".into(),
        features: facilities,
    });
    layers.push(SourceLayer {
        name: "facility_points".into(),
        features: points,
    });
    layers
}

/// A flat (column, value) list as tile properties: without `id` and `name` (the feature has
/// them already) and without nulls (tiles have no null); every number as a double.
fn tile_properties(flat: Vec<(String, Json)>) -> Vec<(String, Value)> {
    flat.into_iter()
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

/// A gap area's tile properties, in the order the tiles have always had: as read from the gap
/// GeoJSON properties (a JSON object, keys sorted) by [`analysis::export::flat_properties`].
fn gap_properties(g: &analysis::GapRow) -> Vec<(String, Value)> {
    let object: serde_json::Map<String, Json> = g.flat().into_iter().collect();
    tile_properties(analysis::export::flat_properties(&object))
}

/// The gap areas of `indicators` that carry their outline, as features of the `gaps` layer.
fn gap_features(indicators: &AnalysisDocument) -> Vec<SourceFeature> {
    indicators
        .gap_areas
        .iter()
        .filter_map(|g| {
            Some(SourceFeature {
                id: None,
                geometry: Geometry::MultiPolygon(g.geometry.clone()?),
                properties: gap_properties(g),
                min_zoom: 0,
            })
        })
        .collect()
}

/// Every tile layer of the map of `city` with `indicators`: the city's layers
/// ([`city_layers`]), neighbourhoods with the flat indicator properties, and the `gaps` layer from
/// the gap areas' outlines. The server and the static export draw these same layers.
pub fn tile_layers(city: &City, indicators: Option<&AnalysisDocument>) -> Vec<SourceLayer> {
    let mut opts = CityLayerOptions::default();
    if let Some(doc) = indicators {
        opts.gaps = gap_features(doc);
        for n in &doc.neighbourhoods {
            opts.neighbourhood_properties
                .insert(n.id.clone(), tile_properties(n.flat()));
        }
    }
    city_layers(city, &opts)
}
