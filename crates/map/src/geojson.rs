//! The map's GeoJSON: facilities (`/api/facilities`, the static export's nearest-place list) and
//! neighbourhoods with their indicators (`/api/neighbourhoods`).
//!
//! Properties are the contract's names (interfaces.md); JSON is made here, at the edge.

use analysis::{AnalysisDocument, NeighbourhoodRow};
use geo::{BoundingRect, InteriorPoint};
use model::{City, Facility, FacilityKind, Neighbourhood};
use serde_json::{Map, Value as Json, json};

/// A geometry as a GeoJSON geometry object.
pub fn geometry_json(g: &geo_types::Geometry<f64>) -> Json {
    serde_json::to_value(geojson::Geometry::from(geojson::GeometryValue::from(g)))
        .unwrap_or(Json::Null)
}

/// A GeoJSON feature of `geometry` with `properties`.
pub fn feature(geometry: &geo_types::Geometry<f64>, properties: Map<String, Json>) -> Json {
    json!({ "type": "Feature", "geometry": geometry_json(geometry), "properties": properties })
}

/// A GeoJSON FeatureCollection of `features`.
pub fn feature_collection(features: Vec<Json>) -> Json {
    json!({ "type": "FeatureCollection", "features": features })
}

/// A facility's GeoJSON properties: `osm_id`, `kind`, `name`, `area_m2`, `access`.
pub fn facility_properties(f: &Facility) -> Map<String, Json> {
    let mut p = Map::new();
    p.insert("osm_id".into(), f.osm_id.to_string().into());
    p.insert("kind".into(), f.kind.as_str().into());
    p.insert("name".into(), f.name.clone().into());
    p.insert("area_m2".into(), f.area_m2.into());
    p.insert("access".into(), f.access.clone().into());
    p
}

/// The facilities of `city` (of `kind`, when given; touching `bbox` = `[minLon, minLat, maxLon,
/// maxLat]`, when given) with their own geometry and [`facility_properties`].
pub fn facilities_geojson(city: &City, kind: Option<FacilityKind>, bbox: Option<[f64; 4]>) -> Json {
    let features: Vec<Json> = city
        .facilities
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| {
            bbox.is_none_or(|b| {
                f.geometry.bounding_rect().is_some_and(|r| {
                    r.min().x <= b[2] && r.max().x >= b[0] && r.min().y <= b[3] && r.max().y >= b[1]
                })
            })
        })
        .map(|f| feature(&f.geometry, facility_properties(f)))
        .collect();
    feature_collection(features)
}

/// The public facilities as points (areas at an interior point) with `osm_id`, `kind`, `name`,
/// `area_m2`: what the static page lists as nearest to a tap.
pub fn public_facility_points(city: &City) -> Json {
    let features: Vec<Json> = city
        .facilities
        .iter()
        .filter(|f| f.is_public())
        .filter_map(|f| {
            let p = f.geometry.interior_point()?;
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [p.x(), p.y()] },
                "properties": {
                    "osm_id": f.osm_id.to_string(),
                    "kind": f.kind.as_str(),
                    "name": f.name,
                    "area_m2": f.area_m2,
                },
            }))
        })
        .collect();
    feature_collection(features)
}

/// `/api/neighbourhoods` properties of one neighbourhood: `id`, `name`, the flat indicator
/// properties (as in tiles and the GeoJSON export), the nested objects of `analyze --format
/// json` (`population`, `served_share`, …) as they are, and `has_indicators`.
/// `population_total` falls back to the GeoPackage's residents. With a need driver,
/// `need_driver_label` holds it in words (`{"de": …, "en": …}`, social indicators by their
/// labels in `terms`).
fn neighbourhood_properties(
    n: &Neighbourhood,
    row: Option<&NeighbourhoodRow>,
    terms: &[analysis::SocialTerm],
) -> Map<String, Json> {
    let mut p = Map::new();
    p.insert("id".into(), n.id.clone().into());
    p.insert("name".into(), n.name.clone().into());
    if let Some(row) = row {
        if let Ok(Json::Object(nested)) = serde_json::to_value(row) {
            p.extend(nested.into_iter().filter(|(_, v)| v.is_object()));
        }
        p.extend(row.flat());
        if let Some(key) = &row.need_driver {
            use analysis::names::Lang;
            let label = |lang| analysis::need_part_label(key, terms, lang);
            p.insert(
                "need_driver_label".into(),
                serde_json::json!({ "de": label(Lang::De), "en": label(Lang::En) }),
            );
        }
        p.insert("id".into(), n.id.clone().into());
        p.insert("name".into(), n.name.clone().into());
    }
    if !p.get("population_total").is_some_and(Json::is_number) {
        p.insert(
            "population_total".into(),
            n.population.map(Json::from).unwrap_or(Json::Null),
        );
    }
    p.insert("has_indicators".into(), row.is_some().into());
    p
}

/// The neighbourhoods of `city` with their indicators from `indicators` (matched by id) as the
/// FeatureCollection of `/api/neighbourhoods`.
pub fn neighbourhoods_geojson(city: &City, indicators: Option<&AnalysisDocument>) -> Json {
    let features: Vec<Json> = city
        .neighbourhoods
        .iter()
        .map(|n| {
            let row = indicators.and_then(|d| d.neighbourhood(&n.id));
            let terms = indicators.map_or(&[][..], |d| &d.social_indicators[..]);
            feature(
                &n.geometry.clone().into(),
                neighbourhood_properties(n, row, terms),
            )
        })
        .collect();
    feature_collection(features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_need_driver_is_given_in_words_of_both_languages() {
        let n = Neighbourhood {
            id: "a".into(),
            name: "A".into(),
            admin_level: None,
            geometry: geo_types::MultiPolygon(Vec::new()),
            population: None,
        };
        let row = |driver: Option<&str>| NeighbourhoodRow {
            id: "a".into(),
            name: "A".into(),
            population: Default::default(),
            served_share: Default::default(),
            gap_children: Default::default(),
            play_area_m2: 0.0,
            play_area_m2_per_child: None,
            play_area_m2_per_child_2sfca: None,
            need_rank: 1,
            need_score: 0.3,
            need_parts: Default::default(),
            need_driver: driver.map(str::to_string),
            social_missing: Vec::new(),
            play_area_m2_per_resident: None,
            play_area_m2_per_child_2sfca_by_band: Default::default(),
            play_area_net_m2: None,
        };
        let terms = [analysis::SocialTerm {
            key: "sgb2".into(),
            label_de: "Anteil SGB II".into(),
            label_en: "SGB II share".into(),
            weight: 2.0,
        }];
        let p = neighbourhood_properties(&n, Some(&row(Some("sgb2"))), &terms);
        assert_eq!(p["need_driver"], "sgb2");
        assert_eq!(
            p["need_driver_label"],
            serde_json::json!({"de": "Anteil SGB II", "en": "SGB II share"})
        );
        let p = neighbourhood_properties(&n, Some(&row(Some("play_area"))), &terms);
        assert_eq!(p["need_driver_label"]["de"], "zu wenig Spielfläche");
        let p = neighbourhood_properties(&n, Some(&row(None)), &terms);
        assert!(!p.contains_key("need_driver_label"));
    }
}
