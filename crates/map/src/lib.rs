//! The planning map itself, one source of truth for everything that draws it: the MapLibre
//! style ([`style`]), kind colours, letters and legend ([`colours`], checked for colour-blind
//! eyes with [`cvd`]), the tile layers of a city and its
//! analysis ([`layers`]), and the map's GeoJSON: facilities, neighbourhoods, walking reach
//! ([`geojson`], [`reach`]).
//!
//! The same colours go into the GeoPackage as QGIS layer styles ([`qgis`]).
//!
//! The server serves these, the static export writes them, the report's renderer reads the same
//! style, and the web app takes colours and layer ids from the style's metadata.

pub mod colours;
pub mod cvd;
pub mod geojson;
pub mod layers;
pub mod qgis;
pub mod reach;
pub mod style;

pub use colours::{KIND_COLOURS, kind_colour};
pub use layers::{CityLayerOptions, city_layers, tile_layers};
pub use reach::{DEFAULT_REACH_MINUTES, MAX_REACH_MINUTES, Walk, reach_geojson};
pub use style::style_document;

use model::City;

/// The lon/lat box `[minLon, minLat, maxLon, maxLat]` of the neighbourhoods (else the
/// facilities): where the map opens.
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
