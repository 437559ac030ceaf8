//! Generic GeoPackage layers: schema (gpkg_* tables, R-tree index with GDAL's triggers),
//! writing a whole layer in a transaction and reading it back.

use std::borrow::Cow;

use geo::BoundingRect;
use geo_types::Geometry;
use rayon::prelude::*;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, params};

use crate::wkb::{decode_gpkg, encode_gpkg, encode_gpkg_into};
use crate::{StoreError, rtree};

/// The geometry type of a feature layer, as written in `gpkg_geometry_columns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryType {
    /// `POINT`.
    Point,
    /// `LINESTRING`.
    LineString,
    /// `POLYGON`.
    Polygon,
    /// `MULTIPOINT`.
    MultiPoint,
    /// `MULTILINESTRING`.
    MultiLineString,
    /// `MULTIPOLYGON`.
    MultiPolygon,
    /// `GEOMETRY` (any type, mixed).
    Geometry,
}

impl GeometryType {
    const ALL: [GeometryType; 7] = [
        GeometryType::Point,
        GeometryType::LineString,
        GeometryType::Polygon,
        GeometryType::MultiPoint,
        GeometryType::MultiLineString,
        GeometryType::MultiPolygon,
        GeometryType::Geometry,
    ];

    /// The type a GeoPackage or PostGIS name (`POINT`, `MultiPolygon`, …) stands for.
    pub fn from_name(name: &str) -> Option<GeometryType> {
        GeometryType::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(name))
    }

    /// The GeoPackage name (`POINT`, `MULTIPOLYGON`, `GEOMETRY`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryType::Point => "POINT",
            GeometryType::LineString => "LINESTRING",
            GeometryType::Polygon => "POLYGON",
            GeometryType::MultiPoint => "MULTIPOINT",
            GeometryType::MultiLineString => "MULTILINESTRING",
            GeometryType::MultiPolygon => "MULTIPOLYGON",
            GeometryType::Geometry => "GEOMETRY",
        }
    }
}

/// The SQL type of an attribute column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `INTEGER`.
    Integer,
    /// `REAL`.
    Real,
    /// `TEXT`.
    Text,
    /// `BLOB`.
    Blob,
}

impl ColumnType {
    fn as_str(self) -> &'static str {
        match self {
            ColumnType::Integer => "INTEGER",
            ColumnType::Real => "REAL",
            ColumnType::Text => "TEXT",
            ColumnType::Blob => "BLOB",
        }
    }

    /// SQLite's type affinity rules, simplified: INT → integer, REAL/FLOA/DOUB → real, BLOB → blob, else text.
    fn from_declared(decl: &str) -> ColumnType {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            ColumnType::Integer
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            ColumnType::Real
        } else if d.contains("BLOB") {
            ColumnType::Blob
        } else {
            ColumnType::Text
        }
    }
}

/// An attribute column of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name (letters, digits, `_`).
    pub name: String,
    /// Its SQL type.
    pub ty: ColumnType,
}

impl Column {
    /// A column named `name` of type `ty`.
    pub fn new(name: &str, ty: ColumnType) -> Column {
        Column {
            name: name.to_string(),
            ty,
        }
    }
}

/// One attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// Text or NULL from an optional string.
    pub fn opt_text(s: Option<&str>) -> Value {
        s.map_or(Value::Null, |s| Value::Text(s.to_string()))
    }

    /// Real or NULL from an optional number.
    pub fn opt_real(v: Option<f64>) -> Value {
        v.map_or(Value::Null, Value::Real)
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The number (integers widened), if this is a number.
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Value::Real(v) => Some(*v),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The integer, if this is an integer.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The bytes, if this is a blob.
    pub fn as_blob(&self) -> Option<&[u8]> {
        match self {
            Value::Blob(b) => Some(b),
            _ => None,
        }
    }
}

/// One row of a layer: an optional geometry and one value per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The geometry (WGS84 lon/lat); `None` in attribute tables or for a NULL geometry.
    pub geometry: Option<Geometry<f64>>,
    /// Values in the order of the layer's columns.
    pub values: Vec<Value>,
}

/// A whole layer: a feature table (with geometry) or an attribute table (without).
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Table name (letters, digits, `_`).
    pub name: String,
    /// The geometry type; `None` makes an attribute table (gpkg_contents data_type `attributes`).
    pub geometry_type: Option<GeometryType>,
    /// Attribute columns (besides `fid` and `geom`).
    pub columns: Vec<Column>,
    /// The rows.
    pub features: Vec<Feature>,
}

impl Layer {
    /// The index of column `name`, if present.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Name of the geometry column in every feature table.
pub const GEOM: &str = "geom";

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// `PRAGMA application_id` of a GeoPackage ("GPKG").
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.
pub const USER_VERSION: i32 = 10300;

/// Creates the GeoPackage core tables in an empty database.
pub(crate) fn init_geopackage(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", USER_VERSION)?;
    conn.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
            srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (
            table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
            z TINYINT NOT NULL, m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
            CONSTRAINT uk_gc_table_name UNIQUE (table_name),
            CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (
            table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
            definition TEXT NOT NULL, scope TEXT NOT NULL,
            CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         CREATE TABLE spielraum_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    )?;
    let mut srs =
        conn.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    srs.execute(params![
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"
    ])?;
    srs.execute(params![
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system"
    ])?;
    srs.execute(params![
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system"
    ])?;
    Ok(())
}

/// Whether `name` is safe to use as a table/column name without escaping tricks.
pub(crate) fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 60
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("gpkg_")
        && !name.starts_with("rtree_");
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName(name.to_string()))
    }
}

/// Drops `name` with its index, triggers and registry rows, if it exists.
fn drop_layer(tx: &Connection, name: &str) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS \"rtree_{name}_{GEOM}\"; DROP TABLE IF EXISTS \"{name}\";"
    ))?;
    for table in ["gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE table_name = ?1"),
            [name],
        )?;
    }
    Ok(())
}

/// The R-tree triggers of the GeoPackage spec (Annex "RTree Spatial Indexes"), as GDAL writes them.
/// They only fire on later edits (GDAL/QGIS provide the ST_* functions); we fill the index ourselves.
fn rtree_triggers(t: &str) -> String {
    let g = GEOM;
    let r = format!("rtree_{t}_{g}");
    let values = format!(
        "(NEW.fid, ST_MinX(NEW.\"{g}\"), ST_MaxX(NEW.\"{g}\"), ST_MinY(NEW.\"{g}\"), ST_MaxY(NEW.\"{g}\"))"
    );
    let not_empty = format!("(NEW.\"{g}\" NOTNULL AND NOT ST_IsEmpty(NEW.\"{g}\"))");
    let empty = format!("(NEW.\"{g}\" ISNULL OR ST_IsEmpty(NEW.\"{g}\"))");
    format!(
        "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON \"{t}\" WHEN {not_empty}
         BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES {values}; END;
         CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF \"{g}\" ON \"{t}\"
         WHEN OLD.fid = NEW.fid AND {not_empty}
         BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES {values}; END;
         CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF \"{g}\" ON \"{t}\"
         WHEN OLD.fid = NEW.fid AND {empty}
         BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;
         CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON \"{t}\"
         WHEN OLD.fid != NEW.fid AND {not_empty}
         BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; INSERT OR REPLACE INTO \"{r}\" VALUES {values}; END;
         CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON \"{t}\"
         WHEN OLD.fid != NEW.fid AND {empty}
         BEGIN DELETE FROM \"{r}\" WHERE id IN (OLD.fid, NEW.fid); END;
         CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON \"{t}\" WHEN OLD.\"{g}\" NOT NULL
         BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;"
    )
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Rows inserted by one statement in [`LayerWriter::insert_items`].
const ROWS_PER_INSERT: usize = 64;

/// Features encoded (in parallel) and inserted at a time: bounds the memory of the encoded
/// geometries.
const INSERT_CHUNK: usize = 4096;

/// One layer being written inside an open transaction: created by [`LayerWriter::create`],
/// filled by any number of [`LayerWriter::insert`] calls (rows keep the order of the calls),
/// completed by [`LayerWriter::finish`] (R-tree, registry rows, triggers). It holds no borrow of
/// the connection, so several layers can be filled in turn; what it keeps between calls is the
/// R-tree entry of every row (24 bytes) and the layer's bounding box.
pub(crate) struct LayerWriter {
    name: String,
    geometry_type: Option<GeometryType>,
    width: usize,
    /// `INSERT …` for the geometry (if any) and the columns; `None` when there is nothing to insert.
    insert: Option<String>,
    /// The same for [`ROWS_PER_INSERT`] rows at once.
    insert_many: Option<String>,
    /// Row id and bounds (rounded as SQLite's rtree stores them) of every non-empty geometry.
    rtree_rows: Vec<(i64, [f32; 4])>,
    bbox: Option<geo_types::Rect<f64>>,
    /// Features inserted so far (to name a bad one).
    count: usize,
    /// Whether the R-tree is built.
    indexed: bool,
}

impl LayerWriter {
    /// Creates the table of a layer inside `conn`'s transaction, replacing a previous table of
    /// that name.
    pub(crate) fn create(
        conn: &Connection,
        name: &str,
        geometry_type: Option<GeometryType>,
        columns: &[Column],
    ) -> Result<LayerWriter, StoreError> {
        let t = name;
        check_name(t)?;
        for c in columns {
            check_name(&c.name)?;
            if c.name == GEOM || c.name == "fid" {
                return Err(StoreError::BadName(c.name.clone()));
            }
        }
        drop_layer(conn, t)?;
        let mut defs = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string()];
        if let Some(gt) = geometry_type {
            defs.push(format!("\"{GEOM}\" {}", gt.as_str()));
        }
        defs.extend(
            columns
                .iter()
                .map(|c| format!("\"{}\" {}", c.name, c.ty.as_str())),
        );
        conn.execute_batch(&format!("CREATE TABLE \"{t}\" ({});", defs.join(", ")))?;
        let mut names: Vec<String> = Vec::new();
        if geometry_type.is_some() {
            names.push(format!("\"{GEOM}\""));
        }
        names.extend(columns.iter().map(|c| format!("\"{}\"", c.name)));
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let insert = (!names.is_empty()).then(|| {
            format!(
                "INSERT INTO \"{t}\" ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            )
        });
        let row = format!("({})", vec!["?"; names.len()].join(", "));
        let insert_many = (!names.is_empty()).then(|| {
            format!(
                "INSERT INTO \"{t}\" ({}) VALUES {}",
                names.join(", "),
                vec![row.as_str(); ROWS_PER_INSERT].join(", ")
            )
        });
        Ok(LayerWriter {
            name: t.to_string(),
            geometry_type,
            width: columns.len(),
            insert,
            insert_many,
            rtree_rows: Vec::new(),
            bbox: None,
            count: 0,
            indexed: false,
        })
    }

    /// Appends `features` to the layer.
    pub(crate) fn insert(
        &mut self,
        conn: &Connection,
        features: &[Feature],
    ) -> Result<(), StoreError> {
        check_width(&self.name, self.width, features, self.count)?;
        self.count += features.len();
        let Some(sql) = &self.insert else {
            return Ok(());
        };
        let mut insert = conn.prepare_cached(sql)?;
        // Geometries are encoded in parallel, a chunk at a time (bounded memory), then inserted.
        for chunk in features.chunks(INSERT_CHUNK) {
            let encoded: Vec<(Option<Value>, Option<geo_types::Rect<f64>>)> = chunk
                .par_iter()
                .map(|f| match (&self.geometry_type, &f.geometry) {
                    (Some(_), Some(g)) => (Some(Value::Blob(encode_gpkg(g))), g.bounding_rect()),
                    (Some(_), None) => (Some(Value::Null), None),
                    (None, g) => (None, g.as_ref().and_then(|g| g.bounding_rect())),
                })
                .collect();
            for (f, (geom, rect)) in chunk.iter().zip(encoded) {
                insert.execute(rusqlite::params_from_iter(geom.iter().chain(&f.values)))?;
                if let Some(r) = rect {
                    self.add_to_index(conn.last_insert_rowid(), r);
                }
            }
        }
        Ok(())
    }

    /// Builds the layer's R-tree (feature tables) from the rows inserted so far and frees
    /// their entries; rows inserted later are not indexed (so it is called once all are in).
    pub(crate) fn index(&mut self, conn: &Connection) -> Result<(), StoreError> {
        if self.indexed {
            return Ok(());
        }
        self.indexed = true;
        let t = self.name.as_str();
        if self.insert.is_some() && self.geometry_type.is_some() {
            conn.execute_batch(&format!(
                "CREATE VIRTUAL TABLE \"rtree_{t}_{GEOM}\" USING rtree(id, minx, maxx, miny, maxy);"
            ))?;
            rtree::bulk_load(
                conn,
                &format!("rtree_{t}_{GEOM}"),
                std::mem::take(&mut self.rtree_rows),
            )?;
        }
        Ok(())
    }

    /// Completes the layer: its R-tree (unless [`LayerWriter::index`] built it), its rows in
    /// `gpkg_contents`, `gpkg_geometry_columns` and `gpkg_extensions`, and the R-tree triggers.
    pub(crate) fn finish(mut self, conn: &Connection) -> Result<(), StoreError> {
        self.index(conn)?;
        let t = self.name.as_str();
        let bbox = self.bbox;
        let (data_type, srs) = match self.geometry_type {
            Some(_) => ("features", Some(4326)),
            None => ("attributes", None),
        };
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6, ?7)",
            params![
                t,
                data_type,
                bbox.map(|b| b.min().x),
                bbox.map(|b| b.min().y),
                bbox.map(|b| b.max().x),
                bbox.map(|b| b.max().y),
                srs
            ],
        )?;
        if let Some(gt) = self.geometry_type {
            conn.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?1, ?2, ?3, 4326, 0, 0)",
                params![t, GEOM, gt.as_str()],
            )?;
            conn.execute(
                "INSERT INTO gpkg_extensions VALUES (?1, ?2, 'gpkg_rtree_index',
             'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                params![t, GEOM],
            )?;
            conn.execute_batch(&rtree_triggers(t))?;
        }
        Ok(())
    }
}

/// An item written as one row of a layer, its values bound without copying them first.
pub(crate) trait AsRow {
    /// Its geometry (`None` for NULL and in attribute tables).
    fn geometry(&self) -> Option<Cow<'_, Geometry<f64>>>;
    /// Its values, one per column, in column order.
    fn values(&self) -> Vec<ToSqlOutput<'_>>;
}

impl LayerWriter {
    /// Appends one row per item (in order), encoding each geometry into one reused buffer on
    /// this thread: no copy of the items, and what is allocated is freed by the same thread.
    /// Writes exactly what [`LayerWriter::insert`] writes for the same features.
    pub(crate) fn insert_items<T: AsRow>(
        &mut self,
        conn: &Connection,
        items: &[T],
    ) -> Result<(), StoreError> {
        let (Some(one), Some(many)) = (&self.insert, &self.insert_many) else {
            self.count += items.len();
            return Ok(());
        };
        let mut insert_one = conn.prepare_cached(one)?;
        let mut insert_many = conn.prepare_cached(many)?;
        let mut wkb: Vec<Vec<u8>> = vec![Vec::new(); ROWS_PER_INSERT];
        let with_geometry = self.geometry_type.is_some();
        for chunk in items.chunks(ROWS_PER_INSERT) {
            // The rows' values and bounds, their geometries encoded into the reused buffers.
            let mut rows = Vec::with_capacity(chunk.len());
            for (item, buf) in chunk.iter().zip(&mut wkb) {
                let values = item.values();
                if values.len() != self.width {
                    return Err(StoreError::Shape(format!(
                        "layer {}: feature {} has {} values for {} columns",
                        self.name,
                        self.count,
                        values.len(),
                        self.width
                    )));
                }
                self.count += 1;
                buf.clear();
                let (geom, rect) = match (with_geometry, item.geometry()) {
                    (true, Some(g)) => (true, encode_gpkg_into(buf, &g)),
                    (true, None) => (false, None),
                    (false, g) => (false, g.and_then(|g| g.bounding_rect())),
                };
                rows.push((values, geom, rect));
            }
            let geoms: Vec<ToSqlOutput> = rows
                .iter()
                .zip(&wkb)
                .map(|((_, geom, _), buf)| match geom {
                    true => ToSqlOutput::Borrowed(ValueRef::Blob(buf)),
                    false => ToSqlOutput::Borrowed(ValueRef::Null),
                })
                .collect();
            let params = |i: usize| {
                geoms[i..=i]
                    .iter()
                    .filter(|_| with_geometry)
                    .chain(&rows[i].0)
            };
            if chunk.len() == ROWS_PER_INSERT {
                insert_many.execute(rusqlite::params_from_iter(
                    (0..chunk.len()).flat_map(params),
                ))?;
                // One statement: its rows got consecutive row ids ending at the last one.
                let last = conn.last_insert_rowid();
                for (i, (_, _, rect)) in rows.iter().enumerate() {
                    if let Some(r) = rect {
                        self.add_to_index(last - (chunk.len() - 1 - i) as i64, *r);
                    }
                }
            } else {
                for (i, (_, _, rect)) in rows.iter().enumerate() {
                    insert_one.execute(rusqlite::params_from_iter(params(i)))?;
                    if let Some(r) = rect {
                        self.add_to_index(conn.last_insert_rowid(), *r);
                    }
                }
            }
        }
        Ok(())
    }

    /// Records a row's bounds for the R-tree and the layer's bounding box.
    fn add_to_index(&mut self, id: i64, r: geo_types::Rect<f64>) {
        self.rtree_rows.push((
            id,
            rtree::rounded(r.min().x, r.max().x, r.min().y, r.max().y),
        ));
        self.bbox = Some(match self.bbox {
            None => r,
            Some(b) => geo_types::Rect::new(
                (b.min().x.min(r.min().x), b.min().y.min(r.min().y)),
                (b.max().x.max(r.max().x), b.max().y.max(r.max().y)),
            ),
        });
    }
}

/// Checks that every feature has one value per column (numbering them from `first`).
fn check_width(
    name: &str,
    width: usize,
    features: &[Feature],
    first: usize,
) -> Result<(), StoreError> {
    match features.iter().position(|f| f.values.len() != width) {
        Some(i) => Err(StoreError::Shape(format!(
            "layer {name}: feature {} has {} values for {width} columns",
            first + i,
            features[i].values.len(),
        ))),
        None => Ok(()),
    }
}

/// Writes `layer` inside the open transaction of `conn`, replacing a previous table of that
/// name. A feature with the wrong number of values fails it before anything is changed.
pub(crate) fn write_layer_tx(conn: &Connection, layer: &Layer) -> Result<(), StoreError> {
    check_name(&layer.name)?;
    check_width(&layer.name, layer.columns.len(), &layer.features, 0)?;
    let mut w = LayerWriter::create(conn, &layer.name, layer.geometry_type, &layer.columns)?;
    w.insert(conn, &layer.features)?;
    w.finish(conn)
}

/// Reads layer `name` from an open GeoPackage.
pub(crate) fn read_layer_conn(conn: &Connection, name: &str) -> Result<Layer, StoreError> {
    check_name(name)?;
    let registered: Option<String> = conn
        .query_row(
            "SELECT data_type FROM gpkg_contents WHERE table_name = ?1",
            [name],
            |r| r.get(0),
        )
        .ok();
    if registered.is_none() {
        return Err(StoreError::MissingLayer(name.to_string()));
    }
    let geom: Option<(String, String)> = conn
        .query_row(
            "SELECT column_name, geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let geometry_type = match &geom {
        None => None,
        Some((_, ty)) => Some(
            GeometryType::ALL
                .into_iter()
                .find(|g| g.as_str().eq_ignore_ascii_case(ty))
                .ok_or_else(|| StoreError::Shape(format!("layer {name}: geometry type {ty}")))?,
        ),
    };
    let geom_col = geom.map(|(c, _)| c);
    let mut columns = Vec::new();
    {
        let mut info = conn.prepare(&format!("PRAGMA table_info(\"{name}\")"))?;
        let rows = info.query_map([], |r| {
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (col, decl, pk) = row?;
            if pk > 0 || Some(&col) == geom_col.as_ref() {
                continue;
            }
            columns.push(Column {
                name: col,
                ty: ColumnType::from_declared(&decl),
            });
        }
    }
    let mut select: Vec<String> = Vec::new();
    if let Some(g) = &geom_col {
        select.push(format!("\"{g}\""));
    }
    select.extend(columns.iter().map(|c| format!("\"{}\"", c.name)));
    let mut features = Vec::new();
    if !select.is_empty() {
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM \"{name}\" ORDER BY rowid",
            select.join(", ")
        ))?;
        let mut rows = stmt.query([])?;
        let offset = usize::from(geom_col.is_some());
        while let Some(row) = rows.next()? {
            let geometry = if geom_col.is_some() {
                match row.get_ref(0)? {
                    ValueRef::Null => None,
                    ValueRef::Blob(b) => Some(
                        decode_gpkg(b)
                            .map_err(|e| StoreError::Shape(format!("layer {name}: {e}")))?,
                    ),
                    _ => {
                        return Err(StoreError::Shape(format!(
                            "layer {name}: geometry is not a blob"
                        )));
                    }
                }
            } else {
                None
            };
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                values.push(match row.get_ref(i + offset)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Integer(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            features.push(Feature { geometry, values });
        }
    }
    Ok(Layer {
        name: name.to_string(),
        geometry_type,
        columns,
        features,
    })
}
