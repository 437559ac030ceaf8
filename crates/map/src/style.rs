//! The MapLibre style of the planning map: our own basemap (landuse, water, buildings,
//! railways, roads by class) under the Spielraum layers; served as `/style.json`, rewritten for
//! the static export, read by the report's map renderer.
//!
//! Labels are MapLibre symbol layers drawn with the glyphs Spielraum serves itself
//! (`/fonts/{fontstack}/{range}.pbf`, the `fonts` crate): no request leaves the origin. Their
//! ids are [`LABEL_LAYERS`]; text is dark ([`LABEL_TEXT`]) on a white halo, contrast ≥ 4.5:1.

use serde_json::{Value, json};

use crate::colours::{
    GAP, KIND_COLOURS, KIND_LETTER_COLOUR, NO_DATA, OTHER_KIND, SHARE_STOPS,
    kind_letter_expression, style_number,
};

/// The font of ordinary labels (a font stack the server and the export provide).
pub const LABEL_FONT: &str = fonts::REGULAR_STACK;
/// The font of place names and facility letters.
pub const LABEL_FONT_BOLD: &str = fonts::BOLD_STACK;
/// The colour of label text (contrast with [`LABEL_HALO`]: 15.9:1).
pub const LABEL_TEXT: &str = "#222222";
/// The colour of water names (contrast with [`LABEL_HALO`]: 9.4:1).
pub const WATER_LABEL_TEXT: &str = "#1d4a66";
/// The halo around every label.
pub const LABEL_HALO: &str = "#ffffff";
/// The halo's width in pixels.
pub const LABEL_HALO_WIDTH: f64 = 1.5;

/// The symbol layers, bottom first: (id, what it labels). Browser tests query these.
pub const LABEL_LAYERS: [(&str, &str); 10] = [
    (
        "labels-water",
        "names of lakes and other water areas (from z12)",
    ),
    (
        "labels-waterways",
        "names of rivers and streams, along the line (from z13)",
    ),
    (
        "labels-paths",
        "names of footways and paths, along the line (from z17)",
    ),
    (
        "labels-roads-minor",
        "names of residential and other minor streets (from z15)",
    ),
    (
        "labels-roads-major",
        "names of main roads: motorway to tertiary (from z13)",
    ),
    (
        "labels-facilities",
        "names of facilities, below their symbol (from z16)",
    ),
    (
        "facilities-letter",
        "the kind's letter inside each facility symbol (from z13)",
    ),
    (
        "labels-places-minor",
        "hamlets, neighbourhoods, localities (from z13)",
    ),
    ("labels-places-village", "villages and suburbs (from z11)"),
    ("labels-places-major", "cities and towns (from z8)"),
];

/// The glyph URL template for a map served from `origin` (MapLibre fills the placeholders).
pub fn glyphs_url(origin: &str) -> String {
    format!("{origin}/fonts/{{fontstack}}/{{range}}.pbf")
}

/// A text layer's layout and paint: `field` in `font` at `size`, dark on a white halo.
fn text_layer(
    id: &str,
    source_layer: &str,
    minzoom: u8,
    filter: Value,
    mut layout: Value,
    colour: &str,
) -> Value {
    let base = json!({
        "text-font": [layout.get("text-font").and_then(Value::as_str).unwrap_or(LABEL_FONT)],
        "text-max-width": 8,
        "text-padding": 2,
    });
    if let (Some(l), Some(b)) = (layout.as_object_mut(), base.as_object()) {
        for (k, v) in b {
            l.insert(k.clone(), v.clone());
        }
    }
    let mut out = json!({
        "id": id, "type": "symbol", "source": "spielraum", "source-layer": source_layer,
        "minzoom": minzoom,
        "layout": layout,
        "paint": { "text-color": colour, "text-halo-color": LABEL_HALO,
            "text-halo-width": LABEL_HALO_WIDTH, "text-halo-blur": 0.5 }
    });
    if !filter.is_null() {
        out["filter"] = filter;
    }
    out
}

/// Road classes whose names are labelled, by group: (layer id, classes, min zoom, size at z15/z18).
const ROAD_LABELS: [(&str, &[&str], u8, f64, f64); 3] = [
    (
        "labels-paths",
        &[
            "footway",
            "path",
            "cycleway",
            "steps",
            "bridleway",
            "pedestrian",
        ],
        17,
        11.0,
        12.0,
    ),
    (
        "labels-roads-minor",
        &[
            "residential",
            "unclassified",
            "living_street",
            "service",
            "track",
        ],
        15,
        11.0,
        14.0,
    ),
    (
        "labels-roads-major",
        &[
            "motorway",
            "trunk",
            "primary",
            "secondary",
            "tertiary",
            "motorway_link",
            "trunk_link",
            "primary_link",
        ],
        13,
        12.0,
        15.0,
    ),
];

/// Every label layer (see [`LABEL_LAYERS`]), bottom first.
fn label_layers() -> Vec<Value> {
    let named = json!(["has", "name"]);
    let mut out = vec![
        text_layer(
            "labels-water",
            "water",
            12,
            json!(["all", ["==", ["geometry-type"], "Polygon"], named]),
            json!({ "text-field": ["get", "name"], "text-size": 12, "text-font": LABEL_FONT,
                "symbol-placement": "point" }),
            WATER_LABEL_TEXT,
        ),
        text_layer(
            "labels-waterways",
            "water",
            13,
            json!(["all", ["==", ["geometry-type"], "LineString"], named]),
            json!({ "text-field": ["get", "name"], "text-size": 12, "text-font": LABEL_FONT,
                "symbol-placement": "line", "symbol-spacing": 350 }),
            WATER_LABEL_TEXT,
        ),
    ];
    for (id, classes, minzoom, size15, size18) in ROAD_LABELS {
        out.push(text_layer(
            id,
            "roads",
            minzoom,
            json!(["all", ["match", ["get", "class"], classes, true, false], named]),
            json!({ "text-field": ["get", "name"], "text-font": LABEL_FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], 13, size15 - 1.0, 15, size15, 18, size18],
                "symbol-placement": "line", "symbol-spacing": 300, "text-rotation-alignment": "map" }),
            LABEL_TEXT,
        ));
    }
    out.push(text_layer(
        "labels-facilities",
        "facility_points",
        16,
        named.clone(),
        json!({ "text-field": ["get", "name"], "text-font": LABEL_FONT, "text-size": 12,
            "text-anchor": "top", "text-offset": [0, 1.1], "text-optional": true }),
        LABEL_TEXT,
    ));
    let mut letter = text_layer(
        "facilities-letter",
        "facility_points",
        13,
        Value::Null,
        json!({ "text-field": kind_letter_expression(), "text-font": LABEL_FONT_BOLD,
            "text-size": ["interpolate", ["linear"], ["zoom"], 13, 10, 15, 12, 18, 15],
            "text-allow-overlap": true, "text-ignore-placement": true }),
        KIND_LETTER_COLOUR,
    );
    // The letter sits on the kind's colour: no halo.
    letter["paint"] = json!({ "text-color": KIND_LETTER_COLOUR });
    out.push(letter);
    out.push(text_layer(
        "labels-places-minor",
        "places",
        13,
        json!([
            "all",
            [
                "match",
                ["get", "class"],
                ["city", "town", "village", "suburb", "country", "state"],
                false,
                true
            ],
            named
        ]),
        json!({ "text-field": ["get", "name"], "text-font": LABEL_FONT, "text-size": 12 }),
        LABEL_TEXT,
    ));
    out.push(text_layer(
        "labels-places-village",
        "places",
        11,
        json!([
            "all",
            [
                "match",
                ["get", "class"],
                ["village", "suburb"],
                true,
                false
            ],
            named
        ]),
        json!({ "text-field": ["get", "name"], "text-font": LABEL_FONT_BOLD, "text-size": 13 }),
        LABEL_TEXT,
    ));
    out.push(text_layer(
        "labels-places-major",
        "places",
        8,
        json!([
            "all",
            ["match", ["get", "class"], ["city", "town"], true, false],
            named
        ]),
        json!({ "text-field": ["get", "name"], "text-font": LABEL_FONT_BOLD,
            "text-size": ["match", ["get", "class"], "city", 16, 14] }),
        LABEL_TEXT,
    ));
    out
}

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
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 9, 3.5, 12, 5, 13, 7, 15, 9, 18, 11] } }),
    ]);
    layers.extend(label_layers());
    json!({
        "version": 8,
        "name": "Spielraum",
        "metadata": crate::colours::style_metadata(data_bounds),
        "glyphs": glyphs_url(origin),
        "center": center,
        "zoom": zoom,
        "sources": { "spielraum": source },
        "layers": layers
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::colours::tests::contrast;

    fn style() -> Value {
        style_document("http://h", None, None, OSM_ATTRIBUTION_HTML)
    }

    #[test]
    fn glyphs_come_from_our_origin_and_every_font_is_shipped() {
        let s = style();
        assert_eq!(s["glyphs"], "http://h/fonts/{fontstack}/{range}.pbf");
        let layers = s["layers"].as_array().unwrap();
        let symbols: Vec<&Value> = layers.iter().filter(|l| l["type"] == "symbol").collect();
        let ids: Vec<&str> = symbols.iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(ids, LABEL_LAYERS.map(|(id, _)| id));
        for l in &symbols {
            let fonts = l["layout"]["text-font"].as_array().unwrap();
            let first = fonts[0].as_str().unwrap();
            assert!(fonts::resolve_stack(first).is_ok(), "{}: {first}", l["id"]);
        }
        // Labels lie above every other layer.
        let first_symbol = layers.iter().position(|l| l["type"] == "symbol").unwrap();
        assert!(layers[first_symbol..].iter().all(|l| l["type"] == "symbol"));
    }

    #[test]
    fn label_text_has_at_least_4_5_to_1_against_its_halo() {
        for l in style()["layers"].as_array().unwrap() {
            if l["type"] != "symbol" || l["id"] == "facilities-letter" {
                continue;
            }
            let text = l["paint"]["text-color"].as_str().unwrap();
            let halo = l["paint"]["text-halo-color"].as_str().unwrap();
            assert!(contrast(text, halo) >= 4.5, "{}: {text} on {halo}", l["id"]);
            assert!(l["paint"]["text-halo-width"].as_f64().unwrap() >= 1.5);
        }
        // The documented ratios (WCAG 2.1 relative luminance).
        assert!((contrast(LABEL_TEXT, LABEL_HALO) - 15.9).abs() < 0.05);
        assert!((contrast(WATER_LABEL_TEXT, LABEL_HALO) - 9.4).abs() < 0.05);
    }

    #[test]
    fn street_labels_come_by_class_and_zoom() {
        let s = style();
        let layer = |id: &str| {
            s["layers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == id)
                .unwrap()
                .clone()
        };
        for (id, minzoom, class) in [
            ("labels-roads-major", 13, "primary"),
            ("labels-roads-minor", 15, "residential"),
            ("labels-paths", 17, "footway"),
        ] {
            let l = layer(id);
            assert_eq!(l["minzoom"], minzoom, "{id}");
            assert_eq!(l["source-layer"], "roads");
            assert_eq!(l["layout"]["symbol-placement"], "line");
            assert!(
                l["filter"].to_string().contains(&format!("\"{class}\"")),
                "{id}"
            );
        }
        assert_eq!(layer("labels-places-major")["minzoom"], 8);
        assert_eq!(layer("labels-places-minor")["minzoom"], 13);
    }
}
