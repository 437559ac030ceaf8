//! The map's QGIS layer styles (QML), made from the same colours, letters and ramp as the web
//! style ([`crate::colours`]): a planner opening the GeoPackage in QGIS sees the web map's
//! colours. The store writes them into the file's `layer_styles` table
//! (`store::layer_styles`); the import passes [`city_styles`], the analysis [`result_styles`].
//!
//! - `facilities`: by kind — the area in the kind's colour at 35 % with its outline, and at
//!   its centre the kind's circle with its letter (as on the web). A GeoPackage layer of mixed
//!   geometry opens in QGIS as one layer per geometry type; the default style draws the areas,
//!   a second style "Spielraum (Punkte)" the points (QGIS: Layer properties → Style → Load style
//!   → from database).
//! - `neighbourhood_indicators`: graduated by `served_share_age_0_5`, each class in the web
//!   ramp's colour at the class's middle (neighbourhoods without the figure are not filled; the
//!   `neighbourhoods` outline shows them).
//! - `gap_areas`, `population`, `neighbourhoods`: one symbol each; `basemap`: lines by layer
//!   and every name as a label.

use crate::colours::{GAP, KIND_COLOURS, KIND_LETTER_COLOUR, kind_letter, share_colour};

/// The name of Spielraum's style in QGIS' style manager.
pub const STYLE_NAME: &str = "Spielraum";
/// The name of the facilities' point style (not the default, see the module's text).
pub const POINT_STYLE_NAME: &str = "Spielraum (Punkte)";
/// The class bounds of the served-share classes of `neighbourhood_indicators`.
pub const SHARE_CLASSES: [f64; 6] = [0.0, 0.25, 0.5, 0.75, 0.9, 1.0];
/// The German legend names of the kinds, as QGIS' legend shows them beside the letter.
const KIND_NAMES: [(&str, &str); 9] = [
    ("playground", "Spielplatz"),
    ("kindergarten", "Kita"),
    ("school", "Schule"),
    ("open_space", "Freifläche"),
    ("library", "Bibliothek"),
    ("youth_centre", "Jugendzentrum"),
    ("family_centre", "Familienzentrum"),
    ("sports_pitch", "Sport- und Bolzplatz"),
    ("community_garden", "Gemeinschaftsgarten"),
];

/// A style for table `table` (see `store::LayerStyle`, which the caller builds from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QgisStyle {
    /// The styled table.
    pub table: &'static str,
    /// The style's name.
    pub name: &'static str,
    /// The QML document.
    pub qml: String,
    /// Whether it is the layer's default.
    pub default: bool,
    /// What it shows.
    pub description: &'static str,
}

/// `#rrggbb` and an opacity as QGIS writes colours: `r,g,b,a`.
fn qgis_colour(hex: &str, opacity: f64) -> String {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    format!(
        "{},{},{},{}",
        v >> 16,
        (v >> 8) & 0xff,
        v & 0xff,
        (opacity * 255.0).round() as u8
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A symbol layer of QGIS class `class` with `options` (name, value).
fn symbol_layer(class: &str, options: &[(&str, String)], inner: &str) -> String {
    let opts: String = options
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<Option name="{k}" type="QString" value="{}"/>"#,
                escape(v)
            )
        })
        .collect();
    format!(
        r#"<layer class="{class}" enabled="1" locked="0" pass="0"><Option type="Map">{opts}</Option>{inner}</layer>"#
    )
}

fn symbol(kind: &str, name: &str, layers: &[String]) -> String {
    format!(
        r#"<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">{}</symbol>"#,
        layers.concat()
    )
}

fn simple_fill(fill: &str, fill_opacity: f64, outline: &str, width_mm: f64) -> String {
    symbol_layer(
        "SimpleFill",
        &[
            ("color", qgis_colour(fill, fill_opacity)),
            ("style", "solid".into()),
            ("outline_color", qgis_colour(outline, 1.0)),
            ("outline_style", "solid".into()),
            ("outline_width", width_mm.to_string()),
            ("outline_width_unit", "MM".into()),
        ],
        "",
    )
}

fn circle(colour: &str, opacity: f64, size_mm: f64, outline: Option<&str>) -> String {
    symbol_layer(
        "SimpleMarker",
        &[
            ("name", "circle".into()),
            ("color", qgis_colour(colour, opacity)),
            ("outline_color", qgis_colour(outline.unwrap_or(colour), 1.0)),
            (
                "outline_style",
                if outline.is_some() { "solid" } else { "no" }.into(),
            ),
            ("outline_width", "0.4".into()),
            ("outline_width_unit", "MM".into()),
            ("size", size_mm.to_string()),
            ("size_unit", "MM".into()),
        ],
        "",
    )
}

fn letter(chr: &str, size_mm: f64) -> String {
    symbol_layer(
        "FontMarker",
        &[
            ("chr", chr.into()),
            ("font", fonts::FAMILY.into()),
            ("font_style", "Bold".into()),
            ("color", qgis_colour(KIND_LETTER_COLOUR, 1.0)),
            ("outline_width", "0".into()),
            ("size", size_mm.to_string()),
            ("size_unit", "MM".into()),
        ],
        "",
    )
}

/// A kind's marker: its circle with the white ring and its letter.
fn kind_marker(kind: &str, colour: &str, name: &str) -> String {
    symbol(
        "marker",
        name,
        &[
            circle(colour, 1.0, 4.2, Some("#ffffff")),
            letter(kind_letter(kind), 3.0),
        ],
    )
}

fn document(renderer: &str, labeling: &str) -> String {
    let labels = if labeling.is_empty() { "0" } else { "1" };
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"{labels}\">{renderer}{labeling}</qgis>\n"
    )
}

fn categorized(attr: &str, categories: &[(String, String)], symbols: &[String]) -> String {
    let cats: String = categories
        .iter()
        .enumerate()
        .map(|(i, (value, label))| {
            format!(
                r#"<category value="{}" symbol="{i}" label="{}" render="true"/>"#,
                escape(value),
                escape(label)
            )
        })
        .collect();
    format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="{attr}" forceraster="0" symbollevels="0" enableorderby="0"><categories>{cats}</categories><symbols>{}</symbols></renderer-v2>"#,
        symbols.concat()
    )
}

fn single(sym: String) -> String {
    format!(
        r#"<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" enableorderby="0"><symbols>{sym}</symbols></renderer-v2>"#
    )
}

fn kind_label(kind: &str) -> String {
    let name = KIND_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, n)| n);
    format!("{} {name}", kind_letter(kind))
}

/// The facility kinds as QGIS categories: (value, legend label), in legend order.
fn kind_categories() -> Vec<(String, String)> {
    KIND_COLOURS
        .iter()
        .map(|(k, _)| (k.to_string(), kind_label(k)))
        .collect()
}

/// The facilities' area style (default): per kind the fill and its centre marker.
fn facilities_areas() -> String {
    let categories = kind_categories();
    let symbols: Vec<String> = KIND_COLOURS
        .iter()
        .enumerate()
        .map(|(i, (k, c))| {
            let centre = symbol_layer(
                "CentroidFill",
                &[
                    ("point_on_surface", "1".into()),
                    ("point_on_all_parts", "0".into()),
                ],
                &kind_marker(k, c, &format!("@{i}@1")),
            );
            symbol(
                "fill",
                &i.to_string(),
                &[simple_fill(c, 0.35, c, 0.4), centre],
            )
        })
        .collect();
    document(&categorized("kind", &categories, &symbols), "")
}

/// The facilities' point style: per kind its circle and letter.
fn facilities_points() -> String {
    let categories = kind_categories();
    let symbols: Vec<String> = KIND_COLOURS
        .iter()
        .enumerate()
        .map(|(i, (k, c))| kind_marker(k, c, &i.to_string()))
        .collect();
    document(&categorized("kind", &categories, &symbols), "")
}

/// `neighbourhood_indicators` graduated by the served share of children under 6.
fn indicators() -> String {
    let mut ranges = String::new();
    let mut symbols = Vec::new();
    for (i, w) in SHARE_CLASSES.windows(2).enumerate() {
        let (lo, hi) = (w[0], w[1]);
        let colour = share_colour((lo + hi) / 2.0);
        ranges.push_str(&format!(
            r#"<range lower="{lo:.6}" upper="{hi:.6}" symbol="{i}" label="{} – {} %" render="true"/>"#,
            (lo * 100.0).round(),
            (hi * 100.0).round()
        ));
        symbols.push(symbol(
            "fill",
            &i.to_string(),
            &[simple_fill(&colour, 0.6, "#495057", 0.26)],
        ));
    }
    let renderer = format!(
        r#"<renderer-v2 type="graduatedSymbol" attr="served_share_age_0_5" graduatedMethod="GraduatedColor" forceraster="0" symbollevels="0" enableorderby="0"><ranges>{ranges}</ranges><symbols>{}</symbols><mode name="manual"/><classificationMethod id="Fixed"/></renderer-v2>"#,
        symbols.concat()
    );
    document(&renderer, "")
}

/// Labels of `name` in the shipped font, dark on a white buffer, up to 1:25 000.
fn name_labels() -> String {
    format!(
        r#"<labeling type="simple"><settings calloutType="simple"><text-style fieldName="name" isExpression="0" fontFamily="{}" namedStyle="Regular" fontSize="8" fontSizeUnit="Point" textColor="{}" textOpacity="1"><text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1"/></text-style><placement placement="2" dist="0"/><rendering scaleVisibility="1" scaleMin="1" scaleMax="25000"/></settings></labeling>"#,
        fonts::FAMILY,
        qgis_colour(crate::style::LABEL_TEXT, 1.0)
    )
}

fn basemap() -> String {
    let groups = [
        ("roads", "#b0aca3", 0.35),
        ("railways", "#a0a0a0", 0.5),
        ("water", "#a9d3e3", 0.5),
    ];
    let categories: Vec<(String, String)> = groups
        .iter()
        .map(|(l, _, _)| (l.to_string(), l.to_string()))
        .collect();
    let symbols: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (_, c, w))| {
            symbol(
                "line",
                &i.to_string(),
                &[symbol_layer(
                    "SimpleLine",
                    &[
                        ("line_color", qgis_colour(c, 1.0)),
                        ("line_width", w.to_string()),
                        ("line_width_unit", "MM".into()),
                        ("line_style", "solid".into()),
                    ],
                    "",
                )],
            )
        })
        .collect();
    document(&categorized("layer", &categories, &symbols), &name_labels())
}

/// The styles of the layers an import writes: `facilities` (areas by default, points as a
/// second style), `neighbourhoods`, `population`, `basemap`.
pub fn city_styles() -> Vec<QgisStyle> {
    vec![
        QgisStyle {
            table: "facilities",
            name: STYLE_NAME,
            qml: facilities_areas(),
            default: true,
            description: "Spielraum: facility areas by kind (colour and letter as on the web map)",
        },
        QgisStyle {
            table: "facilities",
            name: POINT_STYLE_NAME,
            qml: facilities_points(),
            default: false,
            description: "Spielraum: facility points by kind (colour and letter as on the web map)",
        },
        QgisStyle {
            table: "neighbourhoods",
            name: STYLE_NAME,
            qml: document(
                &single(symbol(
                    "fill",
                    "0",
                    &[simple_fill("#495057", 0.0, "#495057", 0.5)],
                )),
                "",
            ),
            default: true,
            description: "Spielraum: neighbourhood outlines",
        },
        QgisStyle {
            table: "population",
            name: STYLE_NAME,
            qml: document(
                &single(symbol("marker", "0", &[circle("#495057", 0.5, 1.2, None)])),
                "",
            ),
            default: true,
            description: "Spielraum: population points",
        },
        QgisStyle {
            table: "basemap",
            name: STYLE_NAME,
            qml: basemap(),
            default: true,
            description: "Spielraum: roads, railways and water lines, names as labels",
        },
    ]
}

/// The styles of the layers an analysis writes: `neighbourhood_indicators`, `gap_areas`.
pub fn result_styles() -> Vec<QgisStyle> {
    vec![
        QgisStyle {
            table: "neighbourhood_indicators",
            name: STYLE_NAME,
            qml: indicators(),
            default: true,
            description: "Spielraum: served share of children under 6 (the web map's ramp)",
        },
        QgisStyle {
            table: "gap_areas",
            name: STYLE_NAME,
            qml: document(
                &single(symbol("fill", "0", &[simple_fill(GAP, 0.28, GAP, 0.5)])),
                "",
            ),
            default: true,
            description: "Spielraum: gap areas (unserved children)",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_written_as_qgis_rgba() {
        assert_eq!(qgis_colour("#e69f00", 1.0), "230,159,0,255");
        assert_eq!(qgis_colour("#c92a2a", 0.28), "201,42,42,71");
    }

    #[test]
    fn every_kind_has_its_category_and_letter() {
        let qml = facilities_areas();
        for (k, _) in KIND_COLOURS {
            assert!(qml.contains(&format!(r#"value="{k}""#)), "{k}");
            assert!(
                qml.contains(&format!(
                    r#"name="chr" type="QString" value="{}""#,
                    kind_letter(k)
                )),
                "{k}"
            );
        }
    }
}
