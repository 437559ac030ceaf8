//! QGIS layer styles in the GeoPackage: after `import` and `analyze` of the demo extract, GDAL
//! lists the `layer_styles` table and reads one default row per styled layer; each style
//! (QML, parsed as XML) draws with the colours and letters of the web style JSON
//! (`spielraum_map::style_document`, read back from its expressions, not from a copied list).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::helpers::{demo_pbf, import, layer_by_gdal, spielraum, tool_stdout};

/// The style layer `id` of the web style.
fn web_layer(style: &Value, id: &str) -> Value {
    style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no layer {id}"))
        .clone()
}

/// A `["match", ["get", attr], k1, v1, …, fallback]` expression as (key → value).
fn match_pairs(expr: &Value) -> BTreeMap<String, String> {
    let a = expr.as_array().unwrap();
    assert_eq!(a[0], "match");
    a[2..a.len() - 1]
        .chunks(2)
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
        .collect()
}

/// `#rrggbb` at `opacity` as QGIS writes it (`r,g,b,a`).
fn rgba(hex: &str, opacity: f64) -> String {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap();
    format!(
        "{},{},{},{}",
        c(0),
        c(2),
        c(4),
        (opacity * 255.0).round() as u8
    )
}

/// The web ramp (`["interpolate", ["linear"], ["get", p], s0, c0, …]`) at `x`, linear in sRGB.
fn ramp_at(expr: &Value, x: f64) -> String {
    let a = expr.as_array().unwrap();
    let stops: Vec<(f64, [f64; 3])> = a[3..]
        .chunks(2)
        .map(|p| {
            let h = p[1].as_str().unwrap().trim_start_matches('#');
            let c = |i: usize| f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap());
            (p[0].as_f64().unwrap(), [c(0), c(2), c(4)])
        })
        .collect();
    let i = stops.iter().rposition(|(s, _)| *s <= x).unwrap();
    let (s0, c0) = stops[i];
    let (s1, c1) = stops[(i + 1).min(stops.len() - 1)];
    let t = if s1 > s0 { (x - s0) / (s1 - s0) } else { 0.0 };
    let v: Vec<u8> = (0..3)
        .map(|k| (c0[k] + (c1[k] - c0[k]) * t).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", v[0], v[1], v[2])
}

/// A QML document (it starts with QGIS' `<!DOCTYPE qgis …>`).
fn parse_qml(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options)
}

/// The `<Option name="…" value="…">` values of a symbol layer element.
fn options(layer: roxmltree::Node) -> BTreeMap<String, String> {
    layer
        .children()
        .filter(|n| n.has_tag_name("Option"))
        .flat_map(|m| m.children().filter(|n| n.has_tag_name("Option")))
        .filter_map(|o| Some((o.attribute("name")?.into(), o.attribute("value")?.into())))
        .collect()
}

/// The symbol layers of class `class` anywhere in `node`.
fn layers_of<'a>(node: roxmltree::Node<'a, 'a>, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    node.descendants()
        .filter(|n| n.has_tag_name("layer") && n.attribute("class") == Some(class))
        .collect()
}

/// The symbol named `name` of a renderer.
fn symbol<'a>(doc: &'a roxmltree::Document, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("symbol") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no symbol {name}"))
}

#[test]
fn the_geopackage_carries_the_web_maps_styles_for_qgis() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("demo.gpkg");
    let out = import(&demo_pbf(), &city, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = spielraum(&["analyze", city.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_styles(&city);
    // A second analysis replaces our rows instead of adding to them.
    let out = spielraum(&["analyze", city.to_str().unwrap()]);
    assert!(out.status.success());
    check_styles(&city);
}

fn check_styles(city: &Path) {
    // GDAL lists the table as a layer without geometry.
    let listing = tool_stdout("ogrinfo", &["-ro", "-q", city.to_str().unwrap()]);
    assert!(listing.contains("layer_styles (None)"), "{listing}");
    let rows = layer_by_gdal(
        city,
        "layer_styles",
        &[
            "f_table_name",
            "f_geometry_column",
            "styleName",
            "useAsDefault",
            "styleQML",
        ],
    );
    let defaults: Vec<&Vec<String>> = rows.iter().filter(|r| r[3] == "1").collect();
    let tables: BTreeSet<&str> = defaults.iter().map(|r| r[0].as_str()).collect();
    let want: BTreeSet<&str> = [
        "facilities",
        "neighbourhoods",
        "population",
        "basemap",
        "neighbourhood_indicators",
        "gap_areas",
    ]
    .into();
    assert_eq!(tables, want);
    assert_eq!(defaults.len(), want.len(), "one default per layer");
    assert_eq!(
        rows.len(),
        want.len() + 1,
        "and the facilities' point style"
    );
    assert!(rows.iter().all(|r| r[1] == "geom"));
    let qml = |table: &str| -> &str { &defaults.iter().find(|r| r[0] == table).unwrap()[4] };

    let web = map::style_document("", None, None, map::style::OSM_ATTRIBUTION_HTML);

    // Facilities: one category per kind, its fill in the web's area colour (35 %), its
    // centre marker in the web's point colour with the web's letter.
    let area_colours = match_pairs(&web_layer(&web, "facilities-area")["paint"]["fill-color"]);
    let point_colours = match_pairs(&web_layer(&web, "facilities-point")["paint"]["circle-color"]);
    let letters = match_pairs(&web_layer(&web, "facilities-letter")["layout"]["text-field"]);
    let opacity = web_layer(&web, "facilities-area")["paint"]["fill-opacity"]
        .as_f64()
        .unwrap();
    for (style, areas) in [
        (qml("facilities"), true),
        (
            &rows
                .iter()
                .find(|r| r[0] == "facilities" && r[3] == "0")
                .unwrap()[4][..],
            false,
        ),
    ] {
        let doc = parse_qml(style).unwrap();
        let renderer = doc
            .descendants()
            .find(|n| n.has_tag_name("renderer-v2"))
            .unwrap();
        assert_eq!(renderer.attribute("type"), Some("categorizedSymbol"));
        assert_eq!(renderer.attribute("attr"), Some("kind"));
        let categories: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.has_tag_name("category"))
            .collect();
        assert_eq!(categories.len(), area_colours.len());
        for c in categories {
            let kind = c.attribute("value").unwrap();
            let sym = symbol(&doc, c.attribute("symbol").unwrap());
            if areas {
                let fill = options(layers_of(sym, "SimpleFill")[0]);
                assert_eq!(fill["color"], rgba(&area_colours[kind], opacity), "{kind}");
                assert_eq!(
                    fill["outline_color"],
                    rgba(&area_colours[kind], 1.0),
                    "{kind}"
                );
            }
            let marker = options(layers_of(sym, "SimpleMarker")[0]);
            assert_eq!(marker["color"], rgba(&point_colours[kind], 1.0), "{kind}");
            let letter = options(layers_of(sym, "FontMarker")[0]);
            assert_eq!(letter["chr"], letters[kind], "{kind}");
        }
    }

    // Indicators: graduated on the web's property, each class in the web ramp's colour at
    // the class middle.
    let fill = &web_layer(&web, "neighbourhoods-fill")["paint"]["fill-color"];
    let ramp = &fill[2];
    let property = ramp[2][1].as_str().unwrap();
    let doc = parse_qml(qml("neighbourhood_indicators")).unwrap();
    let renderer = doc
        .descendants()
        .find(|n| n.has_tag_name("renderer-v2"))
        .unwrap();
    assert_eq!(renderer.attribute("type"), Some("graduatedSymbol"));
    assert_eq!(renderer.attribute("attr"), Some(property));
    let ranges: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("range"))
        .collect();
    assert!(ranges.len() >= 4);
    let mut covered = (f64::INFINITY, f64::NEG_INFINITY);
    for r in ranges {
        let lo: f64 = r.attribute("lower").unwrap().parse().unwrap();
        let hi: f64 = r.attribute("upper").unwrap().parse().unwrap();
        covered = (covered.0.min(lo), covered.1.max(hi));
        let sym = symbol(&doc, r.attribute("symbol").unwrap());
        let colour = &options(layers_of(sym, "SimpleFill")[0])["color"];
        let want = rgba(&ramp_at(ramp, (lo + hi) / 2.0), 0.0);
        assert_eq!(
            colour[..colour.rfind(',').unwrap()],
            want[..want.rfind(',').unwrap()],
            "{lo}-{hi}"
        );
    }
    assert_eq!(covered, (0.0, 1.0));

    // Gaps and population: the web's colours.
    let gaps = web_layer(&web, "gaps")["paint"].clone();
    let doc = parse_qml(qml("gap_areas")).unwrap();
    let fill = options(layers_of(doc.root(), "SimpleFill")[0]);
    assert_eq!(
        fill["color"],
        rgba(
            gaps["fill-color"].as_str().unwrap(),
            gaps["fill-opacity"].as_f64().unwrap()
        )
    );
    let pop = web_layer(&web, "population")["paint"].clone();
    let doc = parse_qml(qml("population")).unwrap();
    let marker = options(layers_of(doc.root(), "SimpleMarker")[0]);
    assert_eq!(
        marker["color"],
        rgba(
            pop["circle-color"].as_str().unwrap(),
            pop["circle-opacity"].as_f64().unwrap()
        )
    );
    // The basemap labels its names in the web labels' font and colour.
    let doc = parse_qml(qml("basemap")).unwrap();
    let text = doc
        .descendants()
        .find(|n| n.has_tag_name("text-style"))
        .unwrap();
    let web_label = web_layer(&web, "labels-roads-major");
    assert_eq!(text.attribute("fieldName"), Some("name"));
    assert!(
        web_label["layout"]["text-font"][0]
            .as_str()
            .unwrap()
            .starts_with(text.attribute("fontFamily").unwrap())
    );
    assert_eq!(
        text.attribute("textColor").unwrap(),
        rgba(web_label["paint"]["text-color"].as_str().unwrap(), 1.0)
    );
}

/// QGIS itself (its Python bindings, Debian's python3-qgis, which .ci/run installs) opens the
/// layers and applies their default styles from `layer_styles`.
const QGIS_READ: &str = r#"
import sys, os, json
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsVectorLayer, QgsRenderContext
app = QgsApplication([], False)
app.initQgis()
out = {}
for table, gt in [("facilities", "MultiPolygon"), ("neighbourhood_indicators", None), ("gap_areas", None), ("basemap", "LineString")]:
    uri = sys.argv[1] + "|layername=" + table + ("|geometrytype=" + gt if gt else "")
    layer = QgsVectorLayer(uri, table, "ogr")
    r = layer.renderer()
    info = {"valid": layer.isValid(), "type": r.type(), "labels": layer.labelsEnabled()}
    if r.type() == "categorizedSymbol":
        info["attr"] = r.classAttribute()
        info["categories"] = {}
        for c in r.categories():
            marker = [sl for sl in c.symbol().symbolLayers() if sl.layerType() == "CentroidFill"]
            letter = ""
            if marker:
                fonts = [sl for sl in marker[0].subSymbol().symbolLayers() if sl.layerType() == "FontMarker"]
                letter = fonts[0].character() if fonts else ""
            info["categories"][str(c.value())] = [c.symbol().color().name(), letter]
    elif r.type() == "graduatedSymbol":
        info["attr"] = r.classAttribute()
        info["ranges"] = [[g.lowerValue(), g.upperValue(), g.symbol().color().name()] for g in r.ranges()]
    else:
        info["colour"] = r.symbols(QgsRenderContext())[0].color().name()
    out[table] = info
print(json.dumps(out))
"#;

#[test]
fn qgis_applies_the_default_styles() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("demo.gpkg");
    assert!(import(&demo_pbf(), &city, &[]).status.success());
    assert!(
        spielraum(&["analyze", city.to_str().unwrap()])
            .status
            .success()
    );
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", QGIS_READ, city.to_str().unwrap()])
        .output()
        .expect("/usr/bin/python3");
    assert!(
        out.status.success(),
        "QGIS' Python bindings (apt-get install python3-qgis; .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap();
    let got: Value = serde_json::from_str(json_line).unwrap();
    let web = map::style_document("", None, None, map::style::OSM_ATTRIBUTION_HTML);

    let f = &got["facilities"];
    assert_eq!(
        (f["valid"].as_bool(), f["type"].as_str()),
        (Some(true), Some("categorizedSymbol"))
    );
    assert_eq!(f["attr"], "kind");
    let area_colours = match_pairs(&web_layer(&web, "facilities-area")["paint"]["fill-color"]);
    let letters = match_pairs(&web_layer(&web, "facilities-letter")["layout"]["text-field"]);
    let cats = f["categories"].as_object().unwrap();
    assert_eq!(cats.len(), area_colours.len());
    for (kind, colour) in &area_colours {
        assert_eq!(cats[kind][0], colour.as_str(), "{kind}");
        assert_eq!(cats[kind][1], letters[kind].as_str(), "{kind}");
    }

    let n = &got["neighbourhood_indicators"];
    assert_eq!(n["type"], "graduatedSymbol");
    let ramp = &web_layer(&web, "neighbourhoods-fill")["paint"]["fill-color"][2];
    assert_eq!(n["attr"], ramp[2][1]);
    for r in n["ranges"].as_array().unwrap() {
        let (lo, hi) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
        assert_eq!(r[2], ramp_at(ramp, (lo + hi) / 2.0).as_str(), "{lo}-{hi}");
    }
    let gaps = web_layer(&web, "gaps");
    assert_eq!(got["gap_areas"]["colour"], gaps["paint"]["fill-color"]);
    assert_eq!(got["basemap"]["type"], "categorizedSymbol");
    assert_eq!(got["basemap"]["labels"], true);
}
