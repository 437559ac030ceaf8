//! Static report maps: the city's features projected (Web Mercator) and drawn as SVG with the web map's style.
//!
//! Label (symbol) layers of the style are not drawn: a report names its places in captions and
//! tables, and the map stays legible at print size without them; the kind's letter inside each
//! facility circle is drawn here (as the web map's `facilities-letter` layer does).
//!
//! Owns the projection, the catchment lines, the scale bar, the north arrow and the attribution.

use std::collections::HashMap;
use std::fmt::Write as _;

use geo::BoundingRect;
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon, Rect};
use model::{AgeBand, City};
use serde_json::{Map, Value};

use crate::i18n::{Lang, text};
use crate::style::{Props, StyleLayer, kind_colour, web_style_layers};
use crate::svg::{attr, num};

/// Opacity of the catchment lines (drawn in the playground colour).
const CATCHMENT_OPACITY: f64 = 0.5;
/// Width of the catchment lines in map units.
const CATCHMENT_WIDTH: f64 = 4.0;
/// Smallest distance between two drawn vertices, in map units (drops invisible detail).
const MIN_STEP: f64 = 0.35;

/// A feature as the style sees it: its properties and its geometry (lon/lat).
type Feature = (Map<String, Value>, Geometry<f64>);

/// Everything the maps draw, prepared once for all maps of a report.
pub(crate) struct MapData<'a> {
    analysis: &'a analysis::Analysis,
    layers: Vec<StyleLayer>,
    /// The features of each source layer the style names (`roads`, `gaps`, `neighbourhoods`, …),
    /// with the properties its expressions read.
    sources: HashMap<String, Vec<Feature>>,
    /// Streets within the under-6 threshold of a serving facility, lon/lat.
    catchment: MultiLineString<f64>,
    /// That threshold in metres.
    pub catchment_m: f64,
    /// The kinds the city has facilities of, in legend order (the legend lists only these).
    pub kinds: Vec<&'static str>,
}

/// What one map shows.
pub(crate) struct View {
    /// The area to fit, lon/lat.
    pub bbox: Rect<f64>,
    /// The neighbourhood in focus (index into the analysis), outside of which the map is veiled.
    pub focus: Option<usize>,
    /// Colour neighbourhoods by their served share (the overview).
    pub choropleth: bool,
}

impl<'a> MapData<'a> {
    /// Prepares the style, the indicator properties and the catchment lines.
    pub fn new(
        city: &'a City,
        graph: &network::WalkGraph,
        standards: &analysis::Standards,
        analysis: &'a analysis::Analysis,
    ) -> MapData<'a> {
        let rule = standards.band(AgeBand::Age0To5);
        let catchment_m = rule.threshold_m();
        let mut lines = Vec::new();
        for f in &city.facilities {
            if f.is_public() && rule.serves(f.kind, standards.effective_area_m2(f), 0.0) {
                for p in network::access_points(f) {
                    lines.extend(network::reached_lines(graph, p, catchment_m).0);
                }
            }
        }
        let mut sources: HashMap<String, Vec<_>> = HashMap::new();
        for b in &city.basemap {
            let mut m = Map::new();
            m.insert("class".into(), Value::from(b.class.as_str()));
            sources
                .entry(b.layer.clone())
                .or_default()
                .push((m, b.geometry.clone()));
        }
        let neighbourhoods = analysis
            .neighbourhood_rows()
            .into_iter()
            .zip(&analysis.neighbourhoods);
        sources.insert(
            "neighbourhoods".into(),
            neighbourhoods
                .map(|(row, n)| (row.into_iter().collect(), n.geometry.clone().into()))
                .collect(),
        );
        let gaps = analysis.gap_areas.iter();
        sources.insert(
            "gaps".into(),
            gaps.map(|g| (Map::new(), g.geometry.clone().into()))
                .collect(),
        );
        let kind = |f: &model::Facility| {
            let mut m = Map::new();
            m.insert("kind".into(), Value::from(f.kind.as_str()));
            m
        };
        sources.insert(
            "facilities".into(),
            city.facilities
                .iter()
                .map(|f| (kind(f), f.geometry.clone()))
                .collect(),
        );
        sources.insert(
            "facility_points".into(),
            city.facilities
                .iter()
                .filter_map(|f| {
                    Some((kind(f), Geometry::Point(network::facility_point(f)?.into())))
                })
                .collect(),
        );
        let kinds = map::KIND_COLOURS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| city.facilities.iter().any(|f| f.kind.as_str() == *k))
            .collect();
        MapData {
            analysis,
            layers: web_style_layers(),
            sources,
            catchment: MultiLineString::new(lines),
            catchment_m,
            kinds,
        }
    }

    /// The bounding box of a neighbourhood, or of all of them.
    pub fn bbox(&self, focus: Option<usize>) -> Option<Rect<f64>> {
        let ns = &self.analysis.neighbourhoods;
        let rects = ns
            .iter()
            .enumerate()
            .filter(|(i, _)| focus.is_none_or(|f| f == *i))
            .filter_map(|(_, n)| n.geometry.bounding_rect());
        rects.reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
    }

    /// The map as an `<svg>` element of `w` × `h` units (1 unit = 1 CSS px = 1 pt in the PDF);
    /// `id` makes its clip path's id unique in a document with several maps.
    pub fn svg(&self, view: &View, w: f64, h: f64, lang: Lang, id: &str) -> String {
        let proj = Projection::fit(view.bbox, w, h);
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Liberation Sans, Arial, Helvetica, sans-serif"><defs><clipPath id="clip-{id}"><rect width="{w}" height="{h}"/></clipPath></defs><g clip-path="url(#clip-{id})">"#
        );
        let visible = proj.visible_lonlat();
        let empty = Map::new();
        for layer in &self.layers {
            if layer.hidden || proj.zoom < layer.minzoom {
                continue;
            }
            match (layer.kind.as_str(), layer.source_layer.as_str()) {
                ("background", _) => {
                    let p = Props {
                        values: &empty,
                        geometry_type: "Polygon",
                    };
                    let c = layer.colour("background-color", &p, proj.zoom, "#f4f1ea");
                    let _ = write!(out, r#"<rect width="{w}" height="{h}" fill="{c}"/>"#);
                }
                (_, "neighbourhoods") if layer.kind == "fill" && !view.choropleth => {}
                (_, source) => {
                    self.draw(&mut out, layer, &proj, &visible, source);
                    if source == "neighbourhoods" && layer.kind == "line" {
                        // Our own layers go between the outlines and the gaps.
                        self.draw_focus(&mut out, view, &proj, w, h);
                        self.draw_catchment(&mut out, &proj, &visible);
                    }
                }
            }
        }
        if let Some(f) = view.focus.and_then(|i| self.analysis.neighbourhoods.get(i)) {
            let d = proj.path_polygons(&f.geometry);
            let _ = write!(
                out,
                r##"<path d="{d}" fill="none" stroke="#212529" stroke-width="2.2" stroke-linejoin="round"/>"##
            );
        }
        if view.choropleth {
            self.draw_names(&mut out, &proj);
        }
        out.push_str("</g>");
        decorations(&mut out, &proj, w, h, lang);
        let _ = write!(
            out,
            r##"<rect width="{w}" height="{h}" fill="none" stroke="#868e96" stroke-width="0.8"/></svg>"##
        );
        out
    }

    /// Draws features of one style layer.
    fn draw(
        &self,
        out: &mut String,
        layer: &StyleLayer,
        proj: &Projection,
        visible: &Rect<f64>,
        source: &str,
    ) {
        let z = proj.zoom;
        let Some(items) = self.sources.get(source) else {
            return;
        };
        for (values, g) in items {
            let Some(bb) = g.bounding_rect() else {
                continue;
            };
            if !intersects(&bb, visible) {
                continue;
            }
            let gt = match g {
                Geometry::Point(_) | Geometry::MultiPoint(_) => "Point",
                Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => {
                    "LineString"
                }
                _ => "Polygon",
            };
            let p = Props {
                values,
                geometry_type: gt,
            };
            if !layer.accepts(&p, z) {
                continue;
            }
            match (layer.kind.as_str(), gt) {
                ("fill", "Polygon") => {
                    let d = proj.path_polygons(&polygons(g));
                    if d.is_empty() {
                        continue;
                    }
                    let fill = layer.colour("fill-color", &p, z, "#000000");
                    let op = layer.number("fill-opacity", &p, z, 1.0);
                    let stroke = layer
                        .paint("fill-outline-color", &p, z)
                        .and_then(|v| {
                            v.as_str()
                                .map(|s| format!(r#" stroke="{s}" stroke-width="0.5""#))
                        })
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        r#"<path d="{d}" fill="{fill}" fill-opacity="{}" fill-rule="evenodd"{stroke}/>"#,
                        num(op)
                    );
                }
                ("line", _) if gt != "Point" => {
                    let d = match g {
                        Geometry::LineString(l) => proj.path_line(l, false),
                        Geometry::MultiLineString(m) => {
                            m.0.iter().map(|l| proj.path_line(l, false)).collect()
                        }
                        _ => proj.path_rings(&polygons(g)),
                    };
                    if d.is_empty() {
                        continue;
                    }
                    let colour = layer.colour("line-color", &p, z, "#000000");
                    let width = layer.number("line-width", &p, z, 1.0);
                    let op = layer.number("line-opacity", &p, z, 1.0);
                    let dash = layer
                        .dasharray()
                        .map(|a| {
                            let a: Vec<String> = a.iter().map(|x| num(x * width)).collect();
                            format!(r#" stroke-dasharray="{}""#, a.join(" "))
                        })
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="{}" stroke-opacity="{}" stroke-linecap="round" stroke-linejoin="round"{dash}/>"#,
                        num(width),
                        num(op)
                    );
                }
                ("circle", "Point") => {
                    let Some(c) = geo::InteriorPoint::interior_point(g) else {
                        continue;
                    };
                    let (x, y) = proj.xy(c.0);
                    let fill = layer.colour("circle-color", &p, z, "#000000");
                    let r = layer.number("circle-radius", &p, z, 4.0);
                    let sw = layer.number("circle-stroke-width", &p, z, 0.0);
                    let sc = layer.colour("circle-stroke-color", &p, z, "#ffffff");
                    let _ = write!(
                        out,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{sc}" stroke-width="{}"/>"#,
                        num(x),
                        num(y),
                        num(r),
                        num(sw)
                    );
                    // The kind's letter inside a facility's circle, as on the web map, where
                    // the circle is large enough to hold it.
                    if layer.id == "facilities-point" && r >= 3.5 {
                        let kind = p.values.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                        let size = r * 1.3;
                        let _ = write!(
                            out,
                            r#"<text x="{}" y="{}" font-size="{}" font-weight="bold" text-anchor="middle" fill="{}">{}</text>"#,
                            num(x),
                            num(y + size * 0.36),
                            num(size),
                            map::colours::KIND_LETTER_COLOUR,
                            map::colours::kind_letter(kind)
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// Neighbourhood names at a point inside each, with a white halo.
    fn draw_names(&self, out: &mut String, proj: &Projection) {
        for n in &self.analysis.neighbourhoods {
            let Some(p) = geo::InteriorPoint::interior_point(&n.geometry) else {
                continue;
            };
            let (x, y) = proj.xy(p.0);
            let name = attr(&n.name);
            let _ = write!(
                out,
                r##"<text x="{x}" y="{y}" font-size="8" font-weight="bold" text-anchor="middle" fill="#212529" stroke="#ffffff" stroke-width="2.5" stroke-linejoin="round" paint-order="stroke">{name}</text>"##,
                x = num(x),
                y = num(y)
            );
        }
    }

    /// A white veil over everything outside the neighbourhood in focus.
    fn draw_focus(&self, out: &mut String, view: &View, proj: &Projection, w: f64, h: f64) {
        let Some(n) = view.focus.and_then(|i| self.analysis.neighbourhoods.get(i)) else {
            return;
        };
        let inside = proj.path_polygons(&n.geometry);
        let _ = write!(
            out,
            r##"<path d="M0 0H{w}V{h}H0Z{inside}" fill="#ffffff" fill-opacity="0.5" fill-rule="evenodd"/>"##
        );
    }

    /// Streets within the under-6 threshold of a playground, in the playground colour.
    fn draw_catchment(&self, out: &mut String, proj: &Projection, visible: &Rect<f64>) {
        let mut d = String::new();
        for l in &self.catchment.0 {
            if l.bounding_rect().is_some_and(|bb| intersects(&bb, visible)) {
                d.push_str(&proj.path_line(l, false));
            }
        }
        if !d.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{d}" fill="none" stroke="{}" stroke-opacity="{CATCHMENT_OPACITY}" stroke-width="{CATCHMENT_WIDTH}" stroke-linecap="round" stroke-linejoin="round"/>"#,
                kind_colour("playground")
            );
        }
    }
}

/// The legend under a map: facility kinds (`kinds`: those the city has), catchment, gap areas,
/// boundary; returns the SVG and its height.
pub(crate) fn legend_svg(w: f64, catchment_m: f64, kinds: &[&str], lang: Lang) -> (String, f64) {
    let mut items: Vec<(String, String)> = kinds
        .iter()
        .map(|k| {
            let c = map::kind_colour(k);
            (
                format!(
                    r##"<circle cx="5" cy="5" r="4.5" fill="{c}" stroke="#ffffff" stroke-width="0.8"/><text x="5" y="7.1" font-size="6" font-weight="bold" text-anchor="middle" fill="{}">{}</text>"##,
                    map::colours::KIND_LETTER_COLOUR,
                    map::colours::kind_letter(k)
                ),
                lang.kind(k).to_string(),
            )
        })
        .collect();
    items.push((
        format!(
            r#"<line x1="0" y1="5" x2="12" y2="5" stroke="{}" stroke-opacity="{CATCHMENT_OPACITY}" stroke-width="{CATCHMENT_WIDTH}"/>"#,
            kind_colour("playground")
        ),
        lang.t(&text::LEGEND_CATCHMENT)
            .replace("{m}", &lang.integer(catchment_m.round() as i64)),
    ));
    items.push((
        format!(
            r#"<rect x="0" y="0" width="12" height="10" fill="{gap}" fill-opacity="0.28" stroke="{gap}" stroke-width="0.5"/>"#,
            gap = map::colours::GAP
        ),
        lang.t(&text::LEGEND_GAP).into(),
    ));
    items.push((
        r##"<line x1="0" y1="5" x2="12" y2="5" stroke="#212529" stroke-width="2.2"/>"##.into(),
        lang.t(&text::LEGEND_OUTLINE).into(),
    ));
    // Items flow left to right in columns of equal width, as many per row as fit.
    let widest = items
        .iter()
        .map(|(_, label)| 16.0 + crate::fonts::text_width(label, 7.5, false) + 10.0)
        .fold(0.0, f64::max);
    let per_row = ((w / widest).floor() as usize).clamp(1, items.len().max(1));
    let col = w / per_row as f64;
    let rows = items.len().div_ceil(per_row);
    let height = rows as f64 * 15.0;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="Liberation Sans, Arial, Helvetica, sans-serif" font-size="7.5">"#
    );
    for (i, (mark, label)) in items.iter().enumerate() {
        let (x, y) = (
            (i % per_row) as f64 * col,
            (i / per_row) as f64 * 15.0 + 1.0,
        );
        let _ = write!(
            out,
            r##"<g transform="translate({} {})">{mark}<text x="16" y="8" fill="#212529">{}</text></g>"##,
            num(x),
            num(y),
            attr(label)
        );
    }
    out.push_str("</svg>");
    (out, height)
}

/// Scale bar (bottom left), north arrow (top right), attribution (bottom right).
fn decorations(out: &mut String, proj: &Projection, w: f64, h: f64, lang: Lang) {
    // Scale bar: a round length near a fifth of the width.
    let m_per_unit = proj.metres_per_unit();
    let target = w / 5.0 * m_per_unit;
    let magnitude = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .rfind(|&len| len <= target)
        .unwrap_or(magnitude);
    let len = nice / m_per_unit;
    let label = if nice >= 1000.0 {
        format!("{} km", lang.integer((nice / 1000.0) as i64))
    } else {
        format!("{} m", lang.integer(nice as i64))
    };
    let (x0, y0) = (10.0, h - 12.0);
    let _ = write!(
        out,
        r##"<g><rect x="{}" y="{}" width="{}" height="20" fill="#ffffff" fill-opacity="0.8"/><path d="M{x0} {}V{y0}H{}V{}" fill="none" stroke="#212529" stroke-width="1.2"/><text x="{}" y="{}" font-size="8" fill="#212529">{label}</text></g>"##,
        x0 - 4.0,
        y0 - 15.0,
        num(len + 8.0 + 30.0),
        y0 - 4.0,
        num(x0 + len),
        y0 - 4.0,
        num(x0 + len + 4.0),
        y0 - 1.0,
    );
    // North arrow.
    let (nx, ny) = (w - 18.0, 10.0);
    let _ = write!(
        out,
        r##"<g><circle cx="{nx}" cy="{}" r="11" fill="#ffffff" fill-opacity="0.8"/><path d="M{nx} {}L{} {}L{nx} {}L{} {}Z" fill="#212529"/><text x="{nx}" y="{}" font-size="7" font-weight="bold" text-anchor="middle" fill="#212529">N</text></g>"##,
        ny + 11.0,
        ny + 3.0,
        nx + 4.0,
        ny + 18.0,
        ny + 14.0,
        nx - 4.0,
        ny + 18.0,
        ny + 11.5,
    );
    // Attribution.
    let text = lang.t(&text::ATTRIBUTION);
    let tw = crate::fonts::text_width(text, 7.0, false) + 8.0;
    let _ = write!(
        out,
        r##"<g><rect x="{}" y="{}" width="{}" height="11" fill="#ffffff" fill-opacity="0.85"/><text x="{}" y="{}" font-size="7" fill="#343a40">{}</text></g>"##,
        num(w - tw),
        h - 11.0,
        num(tw),
        num(w - tw + 4.0),
        h - 3.0,
        attr(text)
    );
}

fn intersects(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// The polygons of a geometry (empty for points and lines).
fn polygons(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon::new(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        Geometry::Rect(r) => MultiPolygon::new(vec![r.to_polygon()]),
        Geometry::GeometryCollection(gc) => {
            MultiPolygon::new(gc.iter().flat_map(|g| polygons(g).0).collect())
        }
        _ => MultiPolygon::new(Vec::<Polygon<f64>>::new()),
    }
}

/// Web Mercator fitted to a box: lon/lat → map units.
struct Projection {
    /// Map units per unit of the Mercator world (the world is 1 × 1).
    scale: f64,
    /// Mercator centre.
    cx: f64,
    cy: f64,
    w: f64,
    h: f64,
    /// The zoom a 512-pixel-tile web map would show this at.
    zoom: f64,
}

fn mercator(c: Coord<f64>) -> (f64, f64) {
    let lat = c.y.clamp(-85.05, 85.05).to_radians();
    let x = (c.x + 180.0) / 360.0;
    let y =
        0.5 - (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() / (2.0 * std::f64::consts::PI);
    (x, y)
}

fn inverse_mercator(x: f64, y: f64) -> Coord<f64> {
    let lon = x * 360.0 - 180.0;
    let lat = (2.0 * ((0.5 - y) * 2.0 * std::f64::consts::PI).exp().atan()
        - std::f64::consts::FRAC_PI_2)
        .to_degrees();
    Coord { x: lon, y: lat }
}

impl Projection {
    /// Fits `bbox` with a 5 % margin into `w` × `h`.
    fn fit(bbox: Rect<f64>, w: f64, h: f64) -> Projection {
        let (x0, y1) = mercator(bbox.min());
        let (x1, y0) = mercator(bbox.max());
        let (dx, dy) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let scale = (w / dx).min(h / dy) / 1.1;
        Projection {
            scale,
            cx: (x0 + x1) / 2.0,
            cy: (y0 + y1) / 2.0,
            w,
            h,
            zoom: (scale / 512.0).log2(),
        }
    }

    fn xy(&self, c: Coord<f64>) -> (f64, f64) {
        let (x, y) = mercator(c);
        (
            (x - self.cx) * self.scale + self.w / 2.0,
            (y - self.cy) * self.scale + self.h / 2.0,
        )
    }

    /// The lon/lat box the map shows.
    fn visible_lonlat(&self) -> Rect<f64> {
        let hw = self.w / 2.0 / self.scale;
        let hh = self.h / 2.0 / self.scale;
        Rect::new(
            inverse_mercator(self.cx - hw, self.cy + hh),
            inverse_mercator(self.cx + hw, self.cy - hh),
        )
    }

    /// Ground metres per map unit at the map's centre.
    fn metres_per_unit(&self) -> f64 {
        let lat = inverse_mercator(self.cx, self.cy).y.to_radians();
        2.0 * std::f64::consts::PI * model::geodesy::EARTH_RADIUS_M * lat.cos() / self.scale
    }

    /// A path for a line (closed with `Z` when `close`), dropping vertices closer than [`MIN_STEP`].
    fn path_line(&self, l: &LineString<f64>, close: bool) -> String {
        let mut d = String::new();
        let mut last: Option<(f64, f64)> = None;
        let n = l.0.len();
        for (i, c) in l.0.iter().enumerate() {
            let (x, y) = self.xy(*c);
            let keep = match last {
                None => true,
                Some((lx, ly)) => i + 1 == n || (x - lx).abs() + (y - ly).abs() >= MIN_STEP,
            };
            if !keep {
                continue;
            }
            d.push(if last.is_none() { 'M' } else { 'L' });
            d.push_str(&num(x));
            d.push(' ');
            d.push_str(&num(y));
            last = Some((x, y));
        }
        if close && !d.is_empty() {
            d.push('Z');
        }
        d
    }

    /// A path of all rings (closed), for filling with the even-odd rule.
    fn path_polygons(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                d.push_str(&self.path_line(r, true));
            }
        }
        d
    }

    /// The outlines of all rings (for line layers over polygons).
    fn path_rings(&self, mp: &MultiPolygon<f64>) -> String {
        self.path_polygons(mp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_corners_and_round_trip() {
        let (x, y) = mercator(Coord { x: 0.0, y: 0.0 });
        assert!((x - 0.5).abs() < 1e-12 && (y - 0.5).abs() < 1e-12);
        let (x, _) = mercator(Coord { x: 180.0, y: 0.0 });
        assert!((x - 1.0).abs() < 1e-12);
        let c = inverse_mercator(0.53, 0.36);
        let (x, y) = mercator(c);
        assert!((x - 0.53).abs() < 1e-12 && (y - 0.36).abs() < 1e-12);
    }

    #[test]
    fn scale_bar_metres_match_great_circle_distances() {
        // A 2 km × 2 km box near Vaduz fitted into 500 × 300 units.
        let bbox = Rect::new(Coord { x: 9.50, y: 47.13 }, Coord { x: 9.53, y: 47.15 });
        let proj = Projection::fit(bbox, 500.0, 300.0);
        // 100 units east of the centre, measured on the sphere (independent formula).
        let centre = inverse_mercator(proj.cx, proj.cy);
        let east = inverse_mercator(proj.cx + 100.0 / proj.scale, proj.cy);
        let d = model::geodesy::distance_m(centre, east);
        let by_scale = 100.0 * proj.metres_per_unit();
        assert!((d - by_scale).abs() / d < 1e-4, "{d} vs {by_scale}");
        // The box fits: its corners lie inside the map.
        for c in [bbox.min(), bbox.max()] {
            let (x, y) = proj.xy(c);
            assert!(
                (0.0..=500.0).contains(&x) && (0.0..=300.0).contains(&y),
                "{x} {y}"
            );
        }
        // Height decides: 0.02° of latitude is 8.14e-5 of the Mercator world at 47.14° N
        // (0.02 / 360 / cos 47.14°); 300 / 8.14e-5 / 1.1 (margin) = 3.35e6 units per world
        // → zoom log2(3.35e6 / 512) ≈ 12.68.
        assert!((proj.zoom - 12.68).abs() < 0.02, "{}", proj.zoom);
    }
}
