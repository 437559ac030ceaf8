//! Source layers (features in lon/lat with properties and a minimum zoom), their R-tree
//! index, and the rendering of one tile: query, size filter, clip, simplify, quantise, encode.
//!
//! Features are projected once to the Web Mercator unit square when the [`TileSet`] is built.

use geo::Simplify;
use geo_types::{Coord, Geometry, LineString};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::clip::{clip_line, clip_ring};
use crate::mercator::{TileId, lonlat_to_unit, unit_to_lonlat};
use crate::mvt::{GeomType, LayerBuilder, Value, encode_geometry, encode_tile};

/// Tile extent in tile units (the MVT default).
pub const EXTENT: u32 = 4096;
/// Buffer around the tile, in tile units, kept so lines and outlines join across tiles.
pub const BUFFER: f64 = 64.0;
/// From this zoom on, every feature is kept and simplification is minimal.
pub const DETAIL_ZOOM: u8 = 14;
/// Below [`DETAIL_ZOOM`], lines and polygons whose box is smaller than this
/// (in tile units; 16 of 4096 is 2 px of a 512 px tile) are dropped.
pub const MIN_FEATURE_SIZE: f64 = 16.0;

/// One feature of a source layer, in WGS84 lon/lat.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFeature {
    /// The MVT feature id, if any.
    pub id: Option<u64>,
    /// Its geometry (points, lines, polygons and their multi forms; collections are split).
    pub geometry: Geometry<f64>,
    /// Its properties, in the order they are written.
    pub properties: Vec<(String, Value)>,
    /// The lowest zoom at which it appears.
    pub min_zoom: u8,
}

/// A named layer of features (named like the GeoPackage layers: `facilities`, `roads`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLayer {
    /// The MVT layer name.
    pub name: String,
    /// Its features.
    pub features: Vec<SourceFeature>,
}

/// What a layer holds, for `vector_layers` metadata: see [`TileSet::layer_schema`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSchema {
    /// The MVT layer name.
    pub name: String,
    /// Property keys and their TileJSON type (`String`, `Number` or `Boolean`).
    pub fields: std::collections::BTreeMap<String, &'static str>,
    /// The lowest zoom at which a feature of the layer appears (`None`: the layer is empty).
    pub min_zoom: Option<u8>,
}

/// A feature's shape in the unit square.
#[derive(Debug)]
enum Shape {
    Points(Vec<[f64; 2]>),
    Lines(Vec<Vec<[f64; 2]>>),
    /// Polygons, each a list of rings, exterior first.
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
}

#[derive(Debug)]
struct Indexed {
    id: Option<u64>,
    shape: Shape,
    bbox: [f64; 4],
    properties: Vec<(String, Value)>,
    min_zoom: u8,
}

#[derive(Debug)]
struct IndexedLayer {
    name: String,
    features: Vec<Indexed>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

/// Every layer of a map, indexed for tile queries.
#[derive(Debug)]
pub struct TileSet {
    layers: Vec<IndexedLayer>,
    bounds: Option<[f64; 4]>,
}

fn project_ring(ls: &LineString<f64>) -> Vec<[f64; 2]> {
    ls.0.iter()
        .map(|c| {
            let u = lonlat_to_unit(*c);
            [u.x, u.y]
        })
        .collect()
}

/// Splits a geometry into unit-square shapes (a collection yields several).
fn shapes(g: &Geometry<f64>, out: &mut Vec<Shape>) {
    let pt = |c: Coord<f64>| {
        let u = lonlat_to_unit(c);
        [u.x, u.y]
    };
    match g {
        Geometry::Point(p) => out.push(Shape::Points(vec![pt(p.0)])),
        Geometry::MultiPoint(mp) => out.push(Shape::Points(mp.0.iter().map(|p| pt(p.0)).collect())),
        Geometry::Line(l) => out.push(Shape::Lines(vec![vec![pt(l.start), pt(l.end)]])),
        Geometry::LineString(ls) => out.push(Shape::Lines(vec![project_ring(ls)])),
        Geometry::MultiLineString(m) => {
            out.push(Shape::Lines(m.0.iter().map(project_ring).collect()))
        }
        Geometry::Polygon(p) => out.push(Shape::Polygons(vec![polygon_rings(p)])),
        Geometry::MultiPolygon(m) => {
            out.push(Shape::Polygons(m.0.iter().map(polygon_rings).collect()))
        }
        Geometry::Rect(r) => out.push(Shape::Polygons(vec![polygon_rings(&r.to_polygon())])),
        Geometry::Triangle(t) => out.push(Shape::Polygons(vec![polygon_rings(&t.to_polygon())])),
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| shapes(g, out)),
    }
}

fn polygon_rings(p: &geo_types::Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(project_ring)
        .collect()
}

fn shape_bbox(s: &Shape) -> Option<[f64; 4]> {
    let pts: Box<dyn Iterator<Item = &[f64; 2]>> = match s {
        Shape::Points(p) => Box::new(p.iter()),
        Shape::Lines(l) => Box::new(l.iter().flatten()),
        Shape::Polygons(p) => Box::new(p.iter().flat_map(|r| r.first()).flatten()),
    };
    pts.filter(|p| p[0].is_finite() && p[1].is_finite())
        .fold(None, |acc: Option<[f64; 4]>, p| {
            Some(match acc {
                None => [p[0], p[1], p[0], p[1]],
                Some(b) => [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ],
            })
        })
}

/// Twice the signed area of a ring in tile coordinates (y down): positive = clockwise on screen.
fn ring_area2(r: &[[i32; 2]]) -> i64 {
    (0..r.len())
        .map(|i| {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// Simplifies (Ramer–Douglas–Peucker, `eps` tile units) and rounds a piece to integers,
/// dropping repeated points.
fn quantise(piece: Vec<[f64; 2]>, eps: f64, closed: bool) -> Vec<[i32; 2]> {
    let mut ls = LineString::from(piece);
    if closed {
        ls.close();
    }
    let simple = ls.simplify(eps);
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(simple.0.len());
    for c in simple.0 {
        let p = [c.x.round() as i32, c.y.round() as i32];
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if closed && out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

impl TileSet {
    /// Projects and indexes the layers (features with empty geometry are skipped).
    pub fn new(layers: Vec<SourceLayer>) -> TileSet {
        let mut bounds: Option<[f64; 4]> = None;
        let layers = layers
            .into_iter()
            .map(|l| {
                let mut features = Vec::new();
                for f in l.features {
                    let mut ss = Vec::new();
                    shapes(&f.geometry, &mut ss);
                    for shape in ss {
                        let Some(bbox) = shape_bbox(&shape) else {
                            continue;
                        };
                        bounds = Some(match bounds {
                            None => bbox,
                            Some(b) => [
                                b[0].min(bbox[0]),
                                b[1].min(bbox[1]),
                                b[2].max(bbox[2]),
                                b[3].max(bbox[3]),
                            ],
                        });
                        features.push(Indexed {
                            id: f.id,
                            shape,
                            bbox,
                            properties: f.properties.clone(),
                            min_zoom: f.min_zoom,
                        });
                    }
                }
                let tree = RTree::bulk_load(
                    features
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            GeomWithData::new(
                                Rectangle::from_corners(
                                    [f.bbox[0], f.bbox[1]],
                                    [f.bbox[2], f.bbox[3]],
                                ),
                                i,
                            )
                        })
                        .collect(),
                );
                IndexedLayer {
                    name: l.name,
                    features,
                    tree,
                }
            })
            .collect();
        TileSet { layers, bounds }
    }

    /// The names of the layers, in order.
    pub fn layer_names(&self) -> Vec<&str> {
        self.layers.iter().map(|l| l.name.as_str()).collect()
    }

    /// Each layer's name, its property keys with their TileJSON type and the lowest zoom of
    /// its features, in layer order (the `vector_layers` of a PMTiles or TileJSON document).
    pub fn layer_schema(&self) -> Vec<LayerSchema> {
        self.layers
            .iter()
            .map(|l| {
                let mut fields = std::collections::BTreeMap::new();
                for f in &l.features {
                    for (k, v) in &f.properties {
                        let ty = match v {
                            Value::String(_) => "String",
                            Value::Double(_) | Value::Int(_) => "Number",
                            Value::Bool(_) => "Boolean",
                        };
                        fields.entry(k.clone()).or_insert(ty);
                    }
                }
                LayerSchema {
                    name: l.name.clone(),
                    fields,
                    min_zoom: l.features.iter().map(|f| f.min_zoom).min(),
                }
            })
            .collect()
    }

    /// The lon/lat bounds of all data (west, south, east, north), `None` when empty.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.bounds.map(|b| {
            let sw = unit_to_lonlat(Coord { x: b[0], y: b[3] });
            let ne = unit_to_lonlat(Coord { x: b[2], y: b[1] });
            [sw.x, sw.y, ne.x, ne.y]
        })
    }

    /// Renders one tile to MVT bytes (uncompressed). A tile with no features is empty bytes.
    pub fn render(&self, t: TileId) -> Vec<u8> {
        let [x0, y0, x1, _] = t.unit_bounds();
        let scale = f64::from(EXTENT) / (x1 - x0);
        let buf = BUFFER / scale;
        let env = AABB::from_corners([x0 - buf, y0 - buf], [x1 + buf, y0 + (x1 - x0) + buf]);
        let clip_box = [
            -BUFFER,
            -BUFFER,
            f64::from(EXTENT) + BUFFER,
            f64::from(EXTENT) + BUFFER,
        ];
        let detail = t.z >= DETAIL_ZOOM;
        let eps = if detail { 0.5 } else { 2.0 };
        let to_tile = |p: &[f64; 2]| [(p[0] - x0) * scale, (p[1] - y0) * scale];

        let mut builders = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let mut b = LayerBuilder::new(&layer.name, EXTENT);
            let mut hits: Vec<usize> = layer
                .tree
                .locate_in_envelope_intersecting(&env)
                .map(|g| g.data)
                .collect();
            hits.sort_unstable();
            for i in hits {
                let f = &layer.features[i];
                if t.z < f.min_zoom {
                    continue;
                }
                let small = ((f.bbox[2] - f.bbox[0]) * scale).max((f.bbox[3] - f.bbox[1]) * scale)
                    < MIN_FEATURE_SIZE;
                let (kind, parts): (GeomType, Vec<Vec<[i32; 2]>>) = match &f.shape {
                    Shape::Points(pts) => (
                        GeomType::Point,
                        vec![
                            pts.iter()
                                .map(to_tile)
                                .filter(|p| {
                                    p[0] >= clip_box[0]
                                        && p[0] <= clip_box[2]
                                        && p[1] >= clip_box[1]
                                        && p[1] <= clip_box[3]
                                })
                                .map(|p| [p[0].round() as i32, p[1].round() as i32])
                                .collect(),
                        ],
                    ),
                    _ if small && !detail => continue,
                    Shape::Lines(lines) => {
                        let mut parts = Vec::new();
                        for l in lines {
                            let tl: Vec<[f64; 2]> = l.iter().map(to_tile).collect();
                            for piece in clip_line(&tl, clip_box) {
                                let q = quantise(piece, eps, false);
                                if q.len() >= 2 {
                                    parts.push(q);
                                }
                            }
                        }
                        (GeomType::LineString, parts)
                    }
                    Shape::Polygons(polys) => {
                        let mut parts = Vec::new();
                        for rings in polys {
                            for (ri, r) in rings.iter().enumerate() {
                                let tr: Vec<[f64; 2]> = r.iter().map(to_tile).collect();
                                let mut q = quantise(clip_ring(&tr, clip_box), eps, true);
                                let a = if q.len() >= 3 { ring_area2(&q) } else { 0 };
                                if a == 0 {
                                    if ri == 0 {
                                        break; // no exterior: skip the polygon and its holes
                                    }
                                    continue;
                                }
                                // MVT 2.1: exterior rings positive area (y down), interior negative.
                                if (ri == 0) != (a > 0) {
                                    q.reverse();
                                }
                                parts.push(q);
                            }
                        }
                        (GeomType::Polygon, parts)
                    }
                };
                if parts.iter().all(|p| p.is_empty()) {
                    continue;
                }
                let geom = encode_geometry(kind, &parts);
                b.add(f.id, kind, &geom, &f.properties);
            }
            builders.push(b);
        }
        encode_tile(builders)
    }
}
