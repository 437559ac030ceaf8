//! Walking reach around a point: the isochrone and the public facilities inside it, as GeoJSON.
//! Shared by `/api/reach` and `spielraum reach`, so both answer with the same features.

use analysis::names::{MAX_STREET_DISTANCE_M, Streets, point_on};
use geo_types::Coord;
use model::{City, Facility, FacilityKind};
use network::{Targets, WalkGraph};
use serde_json::{Map, Value as Json};

use crate::geojson::{facility_properties, feature};

/// Walking time of a reach query when none is given, in minutes: `/api/reach` without
/// `minutes` and `spielraum reach` without `--minutes`/`--metres` (interfaces.md).
pub const DEFAULT_REACH_MINUTES: f64 = 15.0;

/// Longest walk `/api/reach` accepts, in minutes.
pub const MAX_REACH_MINUTES: f64 = 60.0;

/// How far a reach query walks: a distance and the walking speed it is shown in minutes at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    /// Walking distance in metres.
    pub metres: f64,
    /// Walking speed in km/h.
    pub speed_kmh: f64,
}

impl Walk {
    /// `minutes` at `speed_kmh`.
    pub fn minutes(minutes: f64, speed_kmh: f64) -> Walk {
        Walk {
            metres: network::minutes_to_metres(minutes, speed_kmh),
            speed_kmh,
        }
    }

    /// The walking time in minutes at this walk's speed.
    pub fn in_minutes(&self) -> f64 {
        self.metres / network::minutes_to_metres(1.0, self.speed_kmh)
    }
}

/// The facilities reach queries look for: the public ones, in city order. Index `i` of this
/// list is target `i` of [`public_targets`].
pub fn public_facilities(city: &City) -> Vec<&Facility> {
    city.facilities.iter().filter(|f| f.is_public()).collect()
}

/// The public facilities snapped onto `graph`, built once and reused for every query.
pub fn public_targets(city: &City, graph: &WalkGraph) -> Targets {
    Targets::from_facilities(graph, &public_facilities(city))
}

/// The walk `walk` from `origin` as a GeoJSON FeatureCollection: first the isochrone (a
/// MultiPolygon with `type: "isochrone"`, `metres`, `minutes` at the walk's speed,
/// `walking_speed_kmh`), then every public facility reached (of `kind`, when given), nearest
/// first, with its own geometry, the properties of `/api/facilities`, `type: "facility"` and
/// `distance_m` (walking metres, one decimal) and `street`: the nearest named street within
/// 300 m of it (for naming a place without a name: "Spielplatz bei Auring"), else null.
/// `targets` must be `public_targets(city, graph)`; `streets` the city's named streets (a
/// server keeps them indexed), else the streets near the facilities reached are indexed here.
/// With `when`, facilities closed then by their opening hours are left out.
#[allow(clippy::too_many_arguments)]
pub fn reach_geojson(
    city: &City,
    graph: &WalkGraph,
    targets: &Targets,
    origin: Coord<f64>,
    walk: Walk,
    kind: Option<FacilityKind>,
    streets: Option<&Streets>,
    when: Option<&model::time::TimeQuery>,
) -> Json {
    let public = public_facilities(city);
    let (max_m, speed_kmh) = (walk.metres, walk.speed_kmh);
    let minutes = walk.in_minutes();
    let mut p = Map::new();
    p.insert("type".into(), "isochrone".into());
    p.insert("minutes".into(), ((minutes * 100.0).round() / 100.0).into());
    p.insert("metres".into(), max_m.into());
    p.insert("walking_speed_kmh".into(), speed_kmh.into());
    let mut features = vec![feature(&network::isochrone(graph, origin, max_m).into(), p)];
    let hits: Vec<_> = network::within(graph, targets, &[origin], max_m)
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h, *public.get(h.target)?)))
        .filter(|(_, f)| kind.is_none_or(|k| f.kind == k))
        .filter(|(_, f)| when.is_none_or(|w| model::time::is_open(f, w)))
        .collect();
    let near: Streets;
    let streets = match streets {
        Some(s) => s,
        None => {
            let points: Vec<Coord<f64>> = hits
                .iter()
                .filter_map(|(_, f)| point_on(&f.geometry))
                .collect();
            near = Streets::around(city, &points);
            &near
        }
    };
    for (h, f) in hits {
        let mut p = facility_properties(f);
        let street = point_on(&f.geometry)
            .and_then(|at| streets.nearest(at, MAX_STREET_DISTANCE_M))
            .map(|(s, _)| s.to_string());
        p.insert("street".into(), street.into());
        p.insert("type".into(), "facility".into());
        p.insert(
            "distance_m".into(),
            ((h.distance_m * 10.0).round() / 10.0).into(),
        );
        features.push(feature(&f.geometry, p));
    }
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}
