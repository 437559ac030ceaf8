//! The MapLibre style of the planning map: our own basemap (landuse, water, buildings,
//! railways, roads by class) under the Spielraum layers; served as `/style.json`, rewritten for
//! the static export, read by the report's map renderer.
//!
//! No text layers: there is no glyph server offline; the web app draws place labels as HTML.

use serde_json::{Value, json};

use crate::colours::{GAP, KIND_COLOURS, NO_DATA, OTHER_KIND, SHARE_STOPS, style_number};

fn kind_colour() -> Value {
    let mut m = vec![json!("match"), json!(["get", "kind"])];
    for (k, c) in KIND_COLOURS {
        m.push(json!(k));
        m.push(json!(c));
    }
    m.push(json!(OTHER_KIND));
    Value::Array(m)
}

/// The choropleth of a share property: [`SHARE_STOPS`] interpolated linearly.
fn share_ramp(property: &str) -> Value {
    let mut e = vec![
        json!("interpolate"),
        json!(["linear"]),
        json!(["get", property]),
    ];
    for (stop, colour) in SHARE_STOPS {
        e.push(style_number(stop));
        e.push(json!(colour));
    }
    Value::Array(e)
}

fn road_width(base: f64) -> Value {
    json!([
        "interpolate",
        ["exponential", 1.6],
        ["zoom"],
        10,
        base * 0.4,
        14,
        base * 2.0,
        18,
        base * 10.0
    ])
}

/// A group of road classes drawn alike: (name, classes, colour, casing colour, base width, min zoom).
type RoadGroup = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    f64,
    u8,
);

fn road_layers() -> Vec<Value> {
    let classes: [RoadGroup; 4] = [
        (
            "minor",
            &[
                "residential",
                "unclassified",
                "living_street",
                "service",
                "pedestrian",
                "track",
            ],
            "#ffffff",
            "#d6d2c8",
            1.0,
            12,
        ),
        (
            "path",
            &[
                "footway",
                "path",
                "cycleway",
                "steps",
                "bridleway",
                "corridor",
            ],
            "#c9b99a",
            "#c9b99a",
            0.35,
            14,
        ),
        (
            "secondary",
            &["secondary", "tertiary"],
            "#fff7d6",
            "#d9c98a",
            1.4,
            8,
        ),
        (
            "major",
            &[
                "motorway",
                "trunk",
                "primary",
                "motorway_link",
                "trunk_link",
                "primary_link",
            ],
            "#ffe8a3",
            "#d4a94a",
            1.8,
            6,
        ),
    ];
    let mut out = Vec::new();
    for (name, cls, colour, casing, w, minz) in classes {
        let filter = json!(["match", ["get", "class"], cls, true, false]);
        if name != "path" {
            out.push(json!({
                "id": format!("roads-{name}-casing"), "type": "line", "source": "spielraum", "source-layer": "roads",
                "minzoom": minz, "filter": filter,
                "layout": { "line-cap": "round", "line-join": "round" },
                "paint": { "line-color": casing, "line-width": ["interpolate", ["exponential", 1.6], ["zoom"], 10, w * 0.8, 14, w * 3.0, 18, w * 13.0] }
            }));
        }
        let mut paint = json!({ "line-color": colour, "line-width": road_width(w) });
        if name == "path" {
            paint["line-dasharray"] = json!([2, 1.5]);
        }
        out.push(json!({
            "id": format!("roads-{name}"), "type": "line", "source": "spielraum", "source-layer": "roads",
            "minzoom": minz, "filter": filter,
            "layout": { "line-cap": "round", "line-join": "round" },
            "paint": paint
        }));
    }
    out
}

/// The OpenStreetMap credit with its link, as the map's attribution control shows it.
pub const OSM_ATTRIBUTION_HTML: &str =
    "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap contributors</a>";

/// The map's attribution (HTML) for a city's recorded sources: OpenStreetMap with its link,
/// then every other source's credit ([`model::provenance::credits`]), escaped, joined by " | ".
///
/// # Examples
/// ```
/// use spielraum_map::style::{OSM_ATTRIBUTION_HTML, attribution_html};
/// use model::provenance::{DataSource, SourceKind};
/// assert_eq!(attribution_html(&[]), OSM_ATTRIBUTION_HTML);
/// let lor = DataSource {
///     layer: "neighbourhoods".into(), kind: SourceKind::File, location: "lor.shp".into(),
///     format: "Shapefile".into(), crs: "EPSG:25833".into(), retrieved: String::new(),
///     data_as_of: None, licence: None, attribution: Some("© AfS <Berlin>".into()),
/// };
/// assert_eq!(
///     attribution_html(&[lor]),
///     format!("{OSM_ATTRIBUTION_HTML} | © AfS &lt;Berlin&gt;")
/// );
/// ```
pub fn attribution_html(sources: &[model::provenance::DataSource]) -> String {
    let mut out = OSM_ATTRIBUTION_HTML.to_string();
    for credit in model::provenance::credits(sources).iter().skip(1) {
        out.push_str(" | ");
        for c in credit.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
    }
    out
}

/// The style document for a map served from `origin`: tiles cover `tile_bounds`, the map
/// opens on `data_bounds` (also given as metadata `spielraum:bounds` for the web app); the
/// vector source carries `attribution` (HTML, see [`attribution_html`]).
pub fn style_document(
    origin: &str,
    tile_bounds: Option<[f64; 4]>,
    data_bounds: Option<[f64; 4]>,
    attribution: &str,
) -> Value {
    let mut source = json!({
        "type": "vector",
        "tiles": [format!("{origin}/tiles/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": 0,
        "maxzoom": 16,
        "attribution": attribution
    });
    if let Some(b) = tile_bounds {
        source["bounds"] = json!([
            b[0].max(-180.0),
            b[1].max(-85.05),
            b[2].min(180.0),
            b[3].min(85.05)
        ]);
    }
    let (center, zoom) = match data_bounds {
        Some(b) => ([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0], 11.0),
        None => ([0.0, 0.0], 1.0),
    };
    let mut layers = vec![
        json!({ "id": "background", "type": "background", "paint": { "background-color": "#f4f1ea" } }),
        json!({ "id": "landuse", "type": "fill", "source": "spielraum", "source-layer": "landuse",
            "paint": { "fill-color": ["match", ["get", "class"],
                ["forest", "wood"], "#cfe2c3",
                ["park", "grass", "meadow", "recreation_ground", "village_green", "garden", "playground", "pitch", "cemetery", "allotments"], "#dcecce",
                ["farmland", "farmyard", "orchard", "vineyard"], "#ecefd9",
                ["residential"], "#ece8df",
                ["industrial", "commercial", "retail", "railway"], "#e8e3ea",
                ["scrub", "heath", "wetland"], "#dfe8cf",
                ["rock", "bare_rock", "scree", "glacier"], "#e6e3dd",
                "#eae7dd"], "fill-opacity": 0.9 } }),
        json!({ "id": "water", "type": "fill", "source": "spielraum", "source-layer": "water",
            "filter": ["==", ["geometry-type"], "Polygon"], "paint": { "fill-color": "#a9d3e3" } }),
        json!({ "id": "waterways", "type": "line", "source": "spielraum", "source-layer": "water",
            "filter": ["==", ["geometry-type"], "LineString"],
            "paint": { "line-color": "#a9d3e3", "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.5, 14, 2, 18, 6] } }),
        json!({ "id": "buildings", "type": "fill", "source": "spielraum", "source-layer": "buildings", "minzoom": 13,
            "paint": { "fill-color": "#dcd3c8", "fill-outline-color": "#c5bbae",
                "fill-opacity": ["interpolate", ["linear"], ["zoom"], 13, 0.3, 15, 1] } }),
        json!({ "id": "railways", "type": "line", "source": "spielraum", "source-layer": "railways",
            "paint": { "line-color": "#a0a0a0", "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 3], "line-dasharray": [3, 2] } }),
    ];
    layers.extend(road_layers());
    layers.extend([
        json!({ "id": "neighbourhoods-fill", "type": "fill", "source": "spielraum", "source-layer": "neighbourhoods",
            "paint": {
                "fill-color": ["case", ["has", "served_share_age_0_5"],
                    share_ramp("served_share_age_0_5"),
                    NO_DATA],
                "fill-opacity": ["interpolate", ["linear"], ["zoom"], 10, 0.5, 13, 0.3, 16, 0.1] } }),
        json!({ "id": "neighbourhoods-outline", "type": "line", "source": "spielraum", "source-layer": "neighbourhoods",
            "paint": { "line-color": "#495057", "line-width": ["interpolate", ["linear"], ["zoom"], 9, 0.8, 15, 2.2], "line-opacity": 0.7 } }),
        json!({ "id": "gaps", "type": "fill", "source": "spielraum", "source-layer": "gaps",
            "paint": { "fill-color": GAP, "fill-opacity": 0.28, "fill-outline-color": GAP } }),
        json!({ "id": "population", "type": "circle", "source": "spielraum", "source-layer": "population", "minzoom": 13,
            "layout": { "visibility": "none" },
            "paint": { "circle-color": "#495057", "circle-opacity": 0.5,
                "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "residents"]], 0, 1, 10, 6] } }),
        json!({ "id": "facilities-area", "type": "fill", "source": "spielraum", "source-layer": "facilities", "minzoom": 13,
            "filter": ["==", ["geometry-type"], "Polygon"],
            "paint": { "fill-color": kind_colour(), "fill-opacity": 0.35, "fill-outline-color": kind_colour() } }),
        json!({ "id": "facilities-point", "type": "circle", "source": "spielraum", "source-layer": "facility_points",
            "paint": { "circle-color": kind_colour(), "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 9, 3.5, 12, 5, 15, 7, 18, 10] } }),
    ]);
    json!({
        "version": 8,
        "name": "Spielraum",
        "metadata": crate::colours::style_metadata(data_bounds),
        "center": center,
        "zoom": zoom,
        "sources": { "spielraum": source },
        "layers": layers
    })
}
