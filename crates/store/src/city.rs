//! The city's layers: how each part of [`model::City`] maps to a GeoPackage layer and back.
//!
//! Every layer goes through the generic [`Layer`] code; this module only converts.

use geo_types::{Coord, Geometry, MultiPolygon, Point};
use model::provenance::{DataSource, SourceKind};
use model::scenario::CandidateSite;
use model::{
    BasemapFeature, Building, City, Facility, Neighbourhood, OsmId, PopulationSource,
    PopulationUnit, SocialIndicator, TaggedNode, WalkWay,
};
use rayon::prelude::*;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::borrow::Cow;

use crate::StoreError;
use crate::layer::{AsRow, Column, ColumnType, Feature, GeometryType, Layer, LayerWriter, Value};

/// The layers `read_city` needs, in the order `write_city` writes them.
pub(crate) const CITY_LAYERS: [&str; 7] = [
    "facilities",
    "neighbourhoods",
    "population",
    "buildings",
    "basemap",
    "walk_ways",
    "tagged_nodes",
];

use ColumnType::{Blob, Integer, Real, Text};

fn layer(name: &str, gt: Option<GeometryType>, cols: &[(&str, ColumnType)]) -> Layer {
    Layer {
        name: name.into(),
        geometry_type: gt,
        columns: cols.iter().map(|(n, t)| Column::new(n, *t)).collect(),
        features: Vec::new(),
    }
}

/// `l` with one feature per item, converted in parallel.
fn with<T: Sync>(mut l: Layer, items: &[T], f: impl Fn(&T) -> Feature + Sync + Send) -> Layer {
    l.features = items.par_iter().map(f).collect();
    l
}

/// The empty layer `name` (one of [`CITY_LAYERS`]): its geometry type and columns.
pub(crate) fn city_schema(name: &str) -> Layer {
    match name {
        "facilities" => layer(
            "facilities",
            Some(GeometryType::Geometry),
            &[
                ("osm_id", Text),
                ("kind", Text),
                ("name", Text),
                ("area_m2", Real),
                ("access", Text),
                ("opening_hours", Text),
            ],
        ),
        "neighbourhoods" => layer(
            "neighbourhoods",
            Some(GeometryType::MultiPolygon),
            &[
                ("id", Text),
                ("name", Text),
                ("admin_level", Integer),
                ("population", Real),
            ],
        ),
        "population" => layer(
            "population",
            Some(GeometryType::Point),
            &[
                ("residents", Real),
                ("age_0_5", Real),
                ("age_6_11", Real),
                ("age_12_17", Real),
                ("source", Text),
            ],
        ),
        "buildings" => layer(
            "buildings",
            Some(GeometryType::Point),
            &[
                ("osm_id", Text),
                ("building", Text),
                ("levels", Real),
                ("footprint_m2", Real),
                ("in_residential_landuse", Integer),
            ],
        ),
        "basemap" => layer(
            "basemap",
            Some(GeometryType::Geometry),
            &[("layer", Text), ("class", Text), ("name", Text)],
        ),
        "walk_ways" => layer(
            "walk_ways",
            None,
            &[
                ("id", Integer),
                ("nodes", Blob),
                ("coords", Blob),
                ("tags", Text),
            ],
        ),
        "tagged_nodes" => layer(
            "tagged_nodes",
            None,
            &[
                ("id", Integer),
                ("lon", Real),
                ("lat", Real),
                ("tags", Text),
            ],
        ),
        _ => layer(name, None, &[]),
    }
}

fn text(s: &str) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

fn opt_text(s: Option<&str>) -> ToSqlOutput<'_> {
    s.map_or(ToSqlOutput::Borrowed(ValueRef::Null), text)
}

fn owned_text(s: String) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(rusqlite::types::Value::Text(s))
}

fn real(v: f64) -> ToSqlOutput<'static> {
    ToSqlOutput::Borrowed(ValueRef::Real(v))
}

fn opt_real(v: Option<f64>) -> ToSqlOutput<'static> {
    v.map_or(ToSqlOutput::Borrowed(ValueRef::Null), real)
}

fn integer(v: i64) -> ToSqlOutput<'static> {
    ToSqlOutput::Borrowed(ValueRef::Integer(v))
}

fn blob(b: Vec<u8>) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(rusqlite::types::Value::Blob(b))
}

fn tags_text(tags: &[(String, String)]) -> ToSqlOutput<'static> {
    let map: serde_json::Map<String, serde_json::Value> = tags
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    owned_text(serde_json::Value::Object(map).to_string())
}

impl AsRow for Facility {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        Some(Cow::Borrowed(&self.geometry))
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            owned_text(self.osm_id.to_string()),
            text(self.kind.as_str()),
            opt_text(self.name.as_deref()),
            opt_real(self.area_m2),
            opt_text(self.access.as_deref()),
            opt_text(self.opening_hours.as_deref()),
        ]
    }
}

impl AsRow for Neighbourhood {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        Some(Cow::Owned(Geometry::MultiPolygon(self.geometry.clone())))
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            text(&self.id),
            text(&self.name),
            self.admin_level
                .map_or(ToSqlOutput::Borrowed(ValueRef::Null), |l| {
                    integer(i64::from(l))
                }),
            opt_real(self.population),
        ]
    }
}

impl AsRow for PopulationUnit {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        Some(Cow::Owned(Geometry::Point(self.location)))
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            real(self.residents),
            real(self.ages[0]),
            real(self.ages[1]),
            real(self.ages[2]),
            text(self.source.as_str()),
        ]
    }
}

impl AsRow for Building {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        Some(Cow::Owned(Geometry::Point(self.centre)))
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            owned_text(self.osm_id.to_string()),
            text(&self.building),
            opt_real(self.levels),
            real(self.footprint_m2),
            integer(i64::from(self.in_residential_landuse)),
        ]
    }
}

impl AsRow for BasemapFeature {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        Some(Cow::Borrowed(&self.geometry))
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            text(&self.layer),
            text(&self.class),
            opt_text(self.name.as_deref()),
        ]
    }
}

impl AsRow for WalkWay {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        None
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            integer(self.id),
            blob(self.nodes.iter().flat_map(|n| n.to_le_bytes()).collect()),
            blob(
                self.coords
                    .iter()
                    .flat_map(|c| c.x.to_le_bytes().into_iter().chain(c.y.to_le_bytes()))
                    .collect(),
            ),
            tags_text(&self.tags),
        ]
    }
}

impl AsRow for TaggedNode {
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>> {
        None
    }

    fn values(&self) -> Vec<ToSqlOutput<'_>> {
        vec![
            integer(self.id),
            real(self.coord.x),
            real(self.coord.y),
            tags_text(&self.tags),
        ]
    }
}

/// The layer `name` (one of [`CITY_LAYERS`]) of a city as a whole [`Layer`].
#[cfg(test)]
pub(crate) fn city_layer(city: &City, name: &str) -> Layer {
    fn feature<T: AsRow + Sync>(item: &T) -> Feature {
        let values = item
            .values()
            .into_iter()
            .map(|v| match v {
                ToSqlOutput::Borrowed(ValueRef::Null) => Value::Null,
                ToSqlOutput::Borrowed(ValueRef::Integer(i)) => Value::Integer(i),
                ToSqlOutput::Borrowed(ValueRef::Real(r)) => Value::Real(r),
                ToSqlOutput::Borrowed(ValueRef::Text(t)) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
                ToSqlOutput::Owned(rusqlite::types::Value::Text(t)) => Value::Text(t),
                ToSqlOutput::Owned(rusqlite::types::Value::Blob(b)) => Value::Blob(b),
                other => panic!("unexpected value {other:?}"),
            })
            .collect();
        Feature {
            geometry: item.geometry().map(Cow::into_owned),
            values,
        }
    }
    let l = city_schema(name);
    match name {
        "facilities" => with(l, &city.facilities, feature),
        "neighbourhoods" => with(l, &city.neighbourhoods, feature),
        "population" => with(l, &city.population, feature),
        "buildings" => with(l, &city.buildings, feature),
        "basemap" => with(l, &city.basemap, feature),
        "walk_ways" => with(l, &city.walk_ways, feature),
        "tagged_nodes" => with(l, &city.tagged_nodes, feature),
        _ => l,
    }
}

/// Starts the city layer `name` (one of [`CITY_LAYERS`]) in `conn`'s transaction.
pub(crate) fn create_city_layer(conn: &Connection, name: &str) -> Result<LayerWriter, StoreError> {
    let l = city_schema(name);
    LayerWriter::create(conn, &l.name, l.geometry_type, &l.columns)
}

/// Appends the rows `city` holds for layer `name` (one of [`CITY_LAYERS`]) to `w`.
pub(crate) fn insert_city_rows(
    conn: &Connection,
    w: &mut LayerWriter,
    city: &City,
    name: &str,
) -> Result<(), StoreError> {
    match name {
        "facilities" => w.insert_items(conn, &city.facilities),
        "neighbourhoods" => w.insert_items(conn, &city.neighbourhoods),
        "population" => w.insert_items(conn, &city.population),
        "buildings" => w.insert_items(conn, &city.buildings),
        "basemap" => w.insert_items(conn, &city.basemap),
        "walk_ways" => w.insert_items(conn, &city.walk_ways),
        "tagged_nodes" => w.insert_items(conn, &city.tagged_nodes),
        _ => Ok(()),
    }
}

/// Column access by name for one feature, with errors naming layer, row and column.
struct Row<'a> {
    layer: &'a Layer,
    idx: Vec<Option<usize>>,
    names: &'a [&'a str],
    row: usize,
}

impl<'a> Row<'a> {
    fn bad(&self, col: &str, what: &str) -> StoreError {
        StoreError::Shape(format!(
            "layer {}, feature {}: column {col} {what}",
            self.layer.name,
            self.row + 1
        ))
    }

    fn value(&self, col: &str) -> &'a Value {
        let k = self.names.iter().position(|n| *n == col);
        match k.and_then(|k| self.idx[k]) {
            Some(i) => &self.layer.features[self.row].values[i],
            None => &Value::Null,
        }
    }

    fn text(&self, col: &str) -> Result<String, StoreError> {
        self.opt_text(col)?.ok_or_else(|| self.bad(col, "is empty"))
    }

    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        match self.value(col) {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            _ => Err(self.bad(col, "is not text")),
        }
    }

    fn opt_real(&self, col: &str) -> Result<Option<f64>, StoreError> {
        match self.value(col) {
            Value::Null => Ok(None),
            v => v
                .as_real()
                .map(Some)
                .ok_or_else(|| self.bad(col, "is not a number")),
        }
    }

    fn real(&self, col: &str) -> Result<f64, StoreError> {
        self.opt_real(col)?.ok_or_else(|| self.bad(col, "is empty"))
    }

    fn int(&self, col: &str) -> Result<i64, StoreError> {
        self.value(col)
            .as_integer()
            .ok_or_else(|| self.bad(col, "is not an integer"))
    }

    fn blob(&self, col: &str) -> Result<&'a [u8], StoreError> {
        self.value(col)
            .as_blob()
            .ok_or_else(|| self.bad(col, "is not a blob"))
    }

    fn osm_id(&self, col: &str) -> Result<OsmId, StoreError> {
        self.text(col)?
            .parse()
            .map_err(|e| self.bad(col, &format!("holds {e}")))
    }

    fn geometry(&self) -> Result<Geometry<f64>, StoreError> {
        self.layer.features[self.row]
            .geometry
            .clone()
            .ok_or_else(|| self.bad("geom", "is empty"))
    }

    fn point(&self) -> Result<Point<f64>, StoreError> {
        match self.geometry()? {
            Geometry::Point(p) => Ok(p),
            _ => Err(self.bad("geom", "is not a point")),
        }
    }

    fn tags(&self, col: &str) -> Result<Vec<(String, String)>, StoreError> {
        let text = self.text(col)?;
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| self.bad(col, &format!("is not a JSON object: {e}")))?;
        map.into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k, s)),
                _ => Err(self.bad(col, "has a non-string tag value")),
            })
            .collect()
    }
}

/// Runs `f` for every feature of `layer`, giving it named column access.
fn rows<T>(
    layer: &Layer,
    names: &[&str],
    f: impl Fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let idx: Vec<Option<usize>> = names.iter().map(|n| layer.column_index(n)).collect();
    if let Some(k) = idx.iter().position(Option::is_none) {
        return Err(StoreError::Shape(format!(
            "layer {} has no column {}",
            layer.name, names[k]
        )));
    }
    (0..layer.features.len())
        .map(|row| {
            f(&Row {
                layer,
                idx: idx.clone(),
                names,
                row,
            })
        })
        .collect()
}

fn le_chunks<const N: usize>(b: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
    b.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    })
}

/// The facilities of the `facilities` layer.
///
/// Files imported before facilities kept their opening hours have no `opening_hours` column:
/// their facilities are always open.
pub(crate) fn facilities_from_layer(l: &Layer) -> Result<Vec<Facility>, StoreError> {
    let with_hours = l.column_index("opening_hours").is_some();
    let columns: &[&str] = if with_hours {
        &[
            "osm_id",
            "kind",
            "name",
            "area_m2",
            "access",
            "opening_hours",
        ]
    } else {
        &["osm_id", "kind", "name", "area_m2", "access"]
    };
    rows(l, columns, |r| {
        Ok(Facility {
            osm_id: r.osm_id("osm_id")?,
            kind: r
                .text("kind")?
                .parse()
                .map_err(|e| r.bad("kind", &format!("holds {e}")))?,
            name: r.opt_text("name")?,
            access: r.opt_text("access")?,
            geometry: r.geometry()?,
            area_m2: r.opt_real("area_m2")?,
            opening_hours: if with_hours {
                r.opt_text("opening_hours")?
            } else {
                None
            },
        })
    })
}

/// The layers of the walking network in [`CITY_LAYERS`]: read first, so that the graph can be
/// built while the others are read ([`crate::read_city_for_analysis_and`]).
pub(crate) const NETWORK_LAYERS: [&str; 2] = ["walk_ways", "tagged_nodes"];

/// Converts the layers written by [`city_layer`] (in [`CITY_LAYERS`] order without the
/// [`NETWORK_LAYERS`]) and the walking network read by [`network_from_layers`] back into a city.
/// The neighbourhoods of a `neighbourhoods` layer.
pub(crate) fn neighbourhoods_from_layer(l: &Layer) -> Result<Vec<Neighbourhood>, StoreError> {
    rows(l, &["id", "name", "admin_level", "population"], |r| {
        let geometry = match r.geometry()? {
            Geometry::MultiPolygon(mp) => mp,
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            _ => return Err(r.bad("geom", "is not a (multi)polygon")),
        };
        let admin_level = match r.value("admin_level") {
            Value::Null => None,
            v => Some(
                v.as_integer()
                    .and_then(|l| u8::try_from(l).ok())
                    .ok_or_else(|| r.bad("admin_level", "is not a level"))?,
            ),
        };
        Ok(Neighbourhood {
            id: r.text("id")?,
            name: r.text("name")?,
            admin_level,
            geometry,
            population: r.opt_real("population")?,
        })
    })
}

pub(crate) fn city_from_layers(
    layers: Vec<Layer>,
    (walk_ways, tagged_nodes): (Vec<WalkWay>, Vec<TaggedNode>),
    metadata: Vec<(String, String)>,
) -> Result<City, StoreError> {
    let [fac, nb, pop, bld, base]: [Layer; 5] = layers
        .try_into()
        .map_err(|_| StoreError::Shape("wrong number of city layers".into()))?;
    let facilities = facilities_from_layer(&fac)?;
    let neighbourhoods = neighbourhoods_from_layer(&nb)?;
    let population = rows(
        &pop,
        &["residents", "age_0_5", "age_6_11", "age_12_17", "source"],
        |r| {
            let source = match r.text("source")?.as_str() {
                "census" => PopulationSource::Census,
                "buildings" => PopulationSource::Buildings,
                "points" => PopulationSource::Points,
                "register" => PopulationSource::Register,
                other => return Err(r.bad("source", &format!("holds unknown source '{other}'"))),
            };
            Ok(PopulationUnit {
                location: r.point()?,
                residents: r.real("residents")?,
                ages: [
                    r.real("age_0_5")?,
                    r.real("age_6_11")?,
                    r.real("age_12_17")?,
                ],
                source,
            })
        },
    )?;
    let buildings = rows(
        &bld,
        &[
            "osm_id",
            "building",
            "levels",
            "footprint_m2",
            "in_residential_landuse",
        ],
        |r| {
            Ok(Building {
                osm_id: r.osm_id("osm_id")?,
                building: r.text("building")?,
                levels: r.opt_real("levels")?,
                footprint_m2: r.real("footprint_m2")?,
                centre: r.point()?,
                in_residential_landuse: r.int("in_residential_landuse")? != 0,
            })
        },
    )?;
    let basemap = rows(&base, &["layer", "class", "name"], |r| {
        Ok(BasemapFeature {
            layer: r.text("layer")?,
            class: r.text("class")?,
            name: r.opt_text("name")?,
            geometry: r.geometry()?,
        })
    })?;
    Ok(City {
        facilities,
        neighbourhoods,
        buildings,
        population,
        walk_ways,
        tagged_nodes,
        basemap,
        metadata,
        sources: Vec::new(),
        social: Vec::new(),
    })
}

/// Converts the [`NETWORK_LAYERS`] (`walk_ways`, `tagged_nodes`) back into the walking ways and
/// tagged nodes of a city.
pub(crate) fn network_from_layers(
    ways: &Layer,
    tagged: &Layer,
) -> Result<(Vec<WalkWay>, Vec<TaggedNode>), StoreError> {
    let walk_ways = rows(ways, &["id", "nodes", "coords", "tags"], |r| {
        let nodes: Vec<i64> = le_chunks::<8>(r.blob("nodes")?)
            .map(i64::from_le_bytes)
            .collect();
        let xy: Vec<f64> = le_chunks::<8>(r.blob("coords")?)
            .map(f64::from_le_bytes)
            .collect();
        let coords: Vec<Coord<f64>> = xy
            .chunks_exact(2)
            .map(|c| Coord { x: c[0], y: c[1] })
            .collect();
        if coords.len() != nodes.len() {
            return Err(r.bad("coords", "does not match nodes in length"));
        }
        Ok(WalkWay {
            id: r.int("id")?,
            nodes,
            coords,
            tags: r.tags("tags")?,
        })
    })?;
    let tagged_nodes = rows(tagged, &["id", "lon", "lat", "tags"], |r| {
        Ok(TaggedNode {
            id: r.int("id")?,
            coord: Coord {
                x: r.real("lon")?,
                y: r.real("lat")?,
            },
            tags: r.tags("tags")?,
        })
    })?;
    Ok((walk_ways, tagged_nodes))
}

/// The name of the table of data sources (an attributes table: QGIS and GDAL list it).
pub(crate) const SOURCES_LAYER: &str = "data_sources";

/// The columns of [`SOURCES_LAYER`], in order.
const SOURCE_COLUMNS: [&str; 9] = [
    "layer",
    "kind",
    "location",
    "format",
    "crs",
    "retrieved",
    "data_as_of",
    "licence",
    "attribution",
];

/// The `data_sources` table: one row per source and layer it fed.
pub(crate) fn sources_layer(sources: &[DataSource]) -> Layer {
    let columns: Vec<(&str, ColumnType)> = SOURCE_COLUMNS.iter().map(|&c| (c, Text)).collect();
    with(layer(SOURCES_LAYER, None, &columns), sources, |s| Feature {
        geometry: None,
        values: vec![
            Value::Text(s.layer.clone()),
            Value::Text(s.kind.as_str().to_string()),
            Value::Text(s.location.clone()),
            Value::Text(s.format.clone()),
            Value::Text(s.crs.clone()),
            Value::Text(s.retrieved.clone()),
            Value::opt_text(s.data_as_of.as_deref()),
            Value::opt_text(s.licence.as_deref()),
            Value::opt_text(s.attribution.as_deref()),
        ],
    })
}

/// The sources of a table written by [`sources_layer`].
pub(crate) fn sources_from_layer(l: &Layer) -> Result<Vec<DataSource>, StoreError> {
    rows(l, &SOURCE_COLUMNS, |r| {
        let kind = r.text("kind")?;
        Ok(DataSource {
            layer: r.text("layer")?,
            kind: SourceKind::parse(&kind)
                .ok_or_else(|| r.bad("kind", &format!("holds unknown kind '{kind}'")))?,
            location: r.text("location")?,
            format: r.text("format")?,
            crs: r.text("crs")?,
            retrieved: r.text("retrieved")?,
            data_as_of: r.opt_text("data_as_of")?,
            licence: r.opt_text("licence")?,
            attribution: r.opt_text("attribution")?,
        })
    })
}

/// The name of the candidate sites layer.
pub(crate) const CANDIDATE_LAYER: &str = "candidate_sites";

/// The `candidate_sites` layer: one feature per site (columns `id`, `source`, `name`, `area_m2`).
pub(crate) fn candidate_layer(sites: &[CandidateSite]) -> Layer {
    with(
        layer(
            CANDIDATE_LAYER,
            Some(GeometryType::Geometry),
            &[
                ("id", Text),
                ("source", Text),
                ("name", Text),
                ("area_m2", Real),
            ],
        ),
        sites,
        |s| Feature {
            geometry: Some(s.geometry.clone()),
            values: vec![
                Value::Text(s.id.clone()),
                Value::Text(s.source.clone()),
                Value::opt_text(s.name.as_deref()),
                Value::Real(s.area_m2),
            ],
        },
    )
}

/// The sites of a layer written by [`candidate_layer`].
pub(crate) fn candidates_from_layer(l: &Layer) -> Result<Vec<CandidateSite>, StoreError> {
    rows(l, &["id", "source", "name", "area_m2"], |r| {
        Ok(CandidateSite {
            id: r.text("id")?,
            source: r.text("source")?,
            name: r.opt_text("name")?,
            geometry: r.geometry()?,
            area_m2: r.real("area_m2")?,
        })
    })
}

/// The name of the table of social indicator values (an attributes table: one row per area and
/// indicator; written only for a city imported with `--social`).
pub(crate) const SOCIAL_LAYER: &str = "social_indicators";
/// The name of the table of the social indicators' labels (one row per indicator).
pub(crate) const SOCIAL_LABELS_LAYER: &str = "social_indicator_labels";

/// The `social_indicators` table (`area_id`, `key`, `value`) and the
/// `social_indicator_labels` table (`key`, `label_de`, `label_en`), in the indicators' order.
pub(crate) fn social_layers(social: &[SocialIndicator]) -> [Layer; 2] {
    let values: Vec<(&str, &str, f64)> = social
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .map(|(a, v)| (a.as_str(), s.key.as_str(), *v))
        })
        .collect();
    let table = with(
        layer(
            SOCIAL_LAYER,
            None,
            &[("area_id", Text), ("key", Text), ("value", Real)],
        ),
        &values,
        |(a, k, v)| Feature {
            geometry: None,
            values: vec![
                Value::Text(a.to_string()),
                Value::Text(k.to_string()),
                Value::Real(*v),
            ],
        },
    );
    let labels = with(
        layer(
            SOCIAL_LABELS_LAYER,
            None,
            &[("key", Text), ("label_de", Text), ("label_en", Text)],
        ),
        social,
        |s| Feature {
            geometry: None,
            values: vec![
                Value::Text(s.key.clone()),
                Value::Text(s.label_de.clone()),
                Value::Text(s.label_en.clone()),
            ],
        },
    );
    [table, labels]
}

/// The indicators of tables written by [`social_layers`] (a key without a label row is kept
/// with the key as its labels).
pub(crate) fn social_from_layers(
    table: &Layer,
    labels: &Layer,
) -> Result<Vec<SocialIndicator>, StoreError> {
    let mut out: Vec<SocialIndicator> = rows(labels, &["key", "label_de", "label_en"], |r| {
        Ok(SocialIndicator {
            key: r.text("key")?,
            label_de: r.text("label_de")?,
            label_en: r.text("label_en")?,
            values: Default::default(),
        })
    })?;
    let values = rows(table, &["area_id", "key", "value"], |r| {
        Ok((r.text("area_id")?, r.text("key")?, r.real("value")?))
    })?;
    for (area, key, value) in values {
        let i = match out.iter().position(|s| s.key == key) {
            Some(i) => i,
            None => {
                out.push(SocialIndicator {
                    label_de: key.clone(),
                    label_en: key.clone(),
                    key,
                    values: Default::default(),
                });
                out.len() - 1
            }
        };
        out[i].values.insert(area, value);
    }
    Ok(out)
}
