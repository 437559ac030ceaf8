//! Walking reach around a point: the isochrone and the public facilities inside it, as GeoJSON.
//! Shared by `/api/reach` and `spielraum reach`, so both answer with the same features.

use geo_types::Coord;
use model::{City, Facility, FacilityKind};
use network::{Targets, WalkGraph};
use serde_json::{Map, Value as Json};

use crate::state::feature;

/// The facilities reach queries look for: the public ones, in city order. Index `i` of this
/// list is target `i` of [`public_targets`].
pub fn public_facilities(city: &City) -> Vec<&Facility> {
    city.facilities.iter().filter(|f| f.is_public()).collect()
}

/// The public facilities snapped onto `graph`, built once and reused for every query.
pub fn public_targets(city: &City, graph: &WalkGraph) -> Targets {
    Targets::from_facilities(graph, &public_facilities(city))
}

/// A facility's GeoJSON properties: `osm_id`, `kind`, `name`, `area_m2`, `access`.
pub(crate) fn facility_properties(f: &Facility) -> Map<String, Json> {
    let mut p = Map::new();
    p.insert("osm_id".into(), f.osm_id.to_string().into());
    p.insert("kind".into(), f.kind.as_str().into());
    p.insert("name".into(), f.name.clone().into());
    p.insert("area_m2".into(), f.area_m2.into());
    p.insert("access".into(), f.access.clone().into());
    p
}

/// The walk of at most `max_m` metres from `origin` as a GeoJSON FeatureCollection: first the
/// isochrone (a MultiPolygon with `type: "isochrone"`, `metres`, `minutes` at `speed_kmh`,
/// `walking_speed_kmh`), then every public facility reached (of `kind`, when given), nearest
/// first, with its own geometry, the properties of `/api/facilities`, `type: "facility"` and
/// `distance_m` (walking metres, one decimal). `targets` must be `public_targets(city, graph)`.
pub fn reach_geojson(
    city: &City,
    graph: &WalkGraph,
    targets: &Targets,
    origin: Coord<f64>,
    max_m: f64,
    speed_kmh: f64,
    kind: Option<FacilityKind>,
) -> Json {
    let public = public_facilities(city);
    let minutes = max_m / network::minutes_to_metres(1.0, speed_kmh);
    let mut p = Map::new();
    p.insert("type".into(), "isochrone".into());
    p.insert("minutes".into(), ((minutes * 100.0).round() / 100.0).into());
    p.insert("metres".into(), max_m.into());
    p.insert("walking_speed_kmh".into(), speed_kmh.into());
    let mut features = vec![feature(&network::isochrone(graph, origin, max_m).into(), p)];
    let hits = network::within(graph, targets, &[origin], max_m);
    for h in hits.into_iter().flatten() {
        let Some(f) = public.get(h.target) else {
            continue;
        };
        if kind.is_some_and(|k| f.kind != k) {
            continue;
        }
        let mut p = facility_properties(f);
        p.insert("type".into(), "facility".into());
        p.insert(
            "distance_m".into(),
            ((h.distance_m * 10.0).round() / 10.0).into(),
        );
        features.push(feature(&f.geometry, p));
    }
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}
