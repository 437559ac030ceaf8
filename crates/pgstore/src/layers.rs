//! Layers as PostgreSQL tables: a `fid` key in the order of the features, a PostGIS `geom`
//! column (`geometry(TYPE, 4326)` with a GiST index) for a feature layer, then the attribute
//! columns (`bigint`, `double precision`, `text`, `bytea`). Written with `COPY` in one
//! transaction (numbers in their shortest exact decimal form, geometries as hex EWKB), read
//! back with `ST_AsBinary` in `fid` order: what went in comes out bit for bit.

use std::fmt::Write as _;
use std::path::Path;

use bytes::Bytes;
use futures_util::SinkExt;
use geo_types::Geometry;
use store::{Column, ColumnType, Feature, GeometryType, Layer, Value};
use tokio_postgres::Transaction;

use crate::{Database, PgError};

/// The SRID of every geometry column: WGS 84 longitude/latitude, as in the GeoPackage.
pub const SRID: i32 = 4326;

/// Rows per `COPY` message.
const COPY_CHUNK: usize = 1 << 20;

fn pg_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Integer => "bigint",
        ColumnType::Real => "double precision",
        ColumnType::Text => "text",
        ColumnType::Blob => "bytea",
    }
}

fn column_type(pg: &str) -> Option<ColumnType> {
    match pg {
        "bigint" | "integer" | "smallint" => Some(ColumnType::Integer),
        "double precision" | "real" | "numeric" => Some(ColumnType::Real),
        "text" | "character varying" => Some(ColumnType::Text),
        "bytea" => Some(ColumnType::Blob),
        _ => None,
    }
}

/// `"name"` for an identifier that [`store`] already checked to be letters, digits and `_`.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Appends `text` in COPY's text format (backslash escapes).
fn copy_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

/// Appends a float so that PostgreSQL reads back the same bits.
fn copy_real(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // Rust prints the shortest decimal that reads back to the same value.
        let _ = write!(out, "{v}");
    }
}

fn copy_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// Appends the hex EWKB of `g` with SRID 4326 (the WKB's first geometry flagged as having an
/// SRID, which follows its type code).
fn copy_geometry(out: &mut String, g: &Geometry<f64>, wkb: &mut Vec<u8>) {
    wkb.clear();
    store::wkb::write_wkb(wkb, g);
    // Little-endian WKB: byte order, u32 type code, then the body.
    let code = u32::from_le_bytes([wkb[1], wkb[2], wkb[3], wkb[4]]) | 0x2000_0000;
    copy_hex(out, &wkb[..1]);
    copy_hex(out, &code.to_le_bytes());
    copy_hex(out, &SRID.to_le_bytes());
    copy_hex(out, &wkb[5..]);
}

fn copy_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("\\N"),
        Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(r) => copy_real(out, *r),
        Value::Text(t) => copy_text(out, t),
        Value::Blob(b) => {
            out.push_str("\\\\x");
            copy_hex(out, b);
        }
    }
}

/// Replaces the table of `layer` inside `tx`: drop, create, copy the rows, index.
pub(crate) async fn write_layer_tx(
    db: &Database,
    tx: &Transaction<'_>,
    layer: &Layer,
) -> Result<(), PgError> {
    let table = format!("{}.{}", quoted(db.schema()), quoted(&layer.name));
    let mut columns = vec!["fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY".to_string()];
    let mut names = Vec::new();
    if let Some(gt) = layer.geometry_type {
        columns.push(format!("geom geometry({}, {SRID})", gt.as_str()));
        names.push("geom".to_string());
    }
    for c in &layer.columns {
        columns.push(format!("{} {}", quoted(&c.name), pg_type(c.ty)));
        names.push(quoted(&c.name));
    }
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {table} CASCADE; CREATE TABLE {table} ({});",
        columns.join(", ")
    ))
    .await
    .map_err(|e| db.failed(e))?;
    if !names.is_empty() && !layer.features.is_empty() {
        let sink = tx
            .copy_in(&format!("COPY {table} ({}) FROM STDIN", names.join(", ")))
            .await
            .map_err(|e| db.failed(e))?;
        let mut sink = std::pin::pin!(sink);
        let mut out = String::new();
        let mut wkb = Vec::new();
        for f in &layer.features {
            let mut first = true;
            if layer.geometry_type.is_some() {
                match &f.geometry {
                    Some(g) => copy_geometry(&mut out, g, &mut wkb),
                    None => out.push_str("\\N"),
                }
                first = false;
            }
            for v in &f.values {
                if !first {
                    out.push('\t');
                }
                first = false;
                copy_value(&mut out, v);
            }
            out.push('\n');
            if out.len() >= COPY_CHUNK {
                sink.send(Bytes::from(std::mem::take(&mut out)))
                    .await
                    .map_err(|e| db.failed(e))?;
            }
        }
        if !out.is_empty() {
            sink.send(Bytes::from(out))
                .await
                .map_err(|e| db.failed(e))?;
        }
        sink.as_mut().finish().await.map_err(|e| db.failed(e))?;
    }
    if layer.geometry_type.is_some() {
        tx.batch_execute(&format!(
            "CREATE INDEX {} ON {table} USING GIST (geom);",
            quoted(&format!("{}_geom_idx", layer.name))
        ))
        .await
        .map_err(|e| db.failed(e))?;
    }
    Ok(())
}

impl Database {
    /// Replaces `layers` (their tables, data and indexes) and sets `meta` entries
    /// (`spielraum_meta`, inserted or replaced by key) in one transaction: readers see the old
    /// layers or the new, never a part. The tables are analysed afterwards for the planner.
    pub async fn write_layers(
        &self,
        layers: &[Layer],
        meta: &[(String, String)],
    ) -> Result<(), PgError> {
        self.write_layers_meta(layers, meta, false).await
    }

    /// [`Database::write_layers`]; `replace_meta`: the metadata table holds exactly `meta`.
    async fn write_layers_meta(
        &self,
        layers: &[Layer],
        meta: &[(String, String)],
        replace_meta: bool,
    ) -> Result<(), PgError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        for layer in layers {
            write_layer_tx(self, &tx, layer).await?;
        }
        write_meta_tx(self, &tx, meta, replace_meta).await?;
        tx.commit().await.map_err(|e| self.failed(e))?;
        for layer in layers {
            client
                .batch_execute(&format!(
                    "ANALYZE {}.{}",
                    quoted(self.schema()),
                    quoted(&layer.name)
                ))
                .await
                .map_err(|e| self.failed(e))?;
        }
        Ok(())
    }

    /// The names of the schema's layers (every table but Spielraum's own `spielraum_*`), in
    /// name order.
    pub async fn layer_names(&self) -> Result<Vec<String>, PgError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = $1 AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE 'spielraum\\_%' ORDER BY table_name",
                &[&self.schema()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Reads the layer `name` back as it was written.
    pub async fn read_layer(&self, name: &str) -> Result<Layer, PgError> {
        let client = self.client().await?;
        let cols = client
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                &[&self.schema(), &name],
            )
            .await
            .map_err(|e| self.failed(e))?;
        if cols.is_empty() {
            return Err(PgError::MissingLayer {
                url: self.shown().to_string(),
                schema: self.schema().to_string(),
                layer: name.to_string(),
            });
        }
        let geometry_type = client
            .query_opt(
                "SELECT type FROM geometry_columns WHERE f_table_schema = $1 \
                 AND f_table_name = $2 AND f_geometry_column = 'geom'",
                &[&self.schema(), &name],
            )
            .await
            .map_err(|e| self.failed(e))?
            .and_then(|r| GeometryType::from_name(r.get::<_, &str>(0)));
        let mut columns = Vec::new();
        for row in &cols {
            let (col, ty): (String, String) = (row.get(0), row.get(1));
            if col == "fid" || col == "geom" {
                continue;
            }
            let ty = column_type(&ty).ok_or_else(|| PgError::Database {
                url: self.shown().to_string(),
                why: format!(
                    "layer {name}: column {col} has type {ty}, which Spielraum does not read"
                ),
            })?;
            columns.push(Column { name: col, ty });
        }
        let mut select = vec![if geometry_type.is_some() {
            "ST_AsBinary(geom)".to_string()
        } else {
            "NULL::bytea".to_string()
        }];
        select.extend(columns.iter().map(|c| quoted(&c.name)));
        let rows = client
            .query(
                &format!(
                    "SELECT {} FROM {}.{} ORDER BY fid",
                    select.join(", "),
                    quoted(self.schema()),
                    quoted(name)
                ),
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let bad = |row: usize, what: String| {
            PgError::Store(store::StoreError::Shape(format!(
                "{}: layer {name}, feature {}: {what}",
                self.shown(),
                row + 1
            )))
        };
        let mut features = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let geometry = match row.get::<_, Option<&[u8]>>(0) {
                Some(wkb) => {
                    Some(store::wkb::read_wkb(wkb).map_err(|e| bad(i, format!("geometry: {e}")))?)
                }
                None => None,
            };
            let values = columns
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let k = k + 1;
                    match c.ty {
                        ColumnType::Integer => row
                            .get::<_, Option<i64>>(k)
                            .map_or(Value::Null, Value::Integer),
                        ColumnType::Real => row
                            .get::<_, Option<f64>>(k)
                            .map_or(Value::Null, Value::Real),
                        ColumnType::Text => row
                            .get::<_, Option<String>>(k)
                            .map_or(Value::Null, Value::Text),
                        ColumnType::Blob => row
                            .get::<_, Option<Vec<u8>>>(k)
                            .map_or(Value::Null, Value::Blob),
                    }
                })
                .collect();
            features.push(Feature { geometry, values });
        }
        Ok(Layer {
            name: name.to_string(),
            geometry_type,
            columns,
            features,
        })
    }

    /// The `spielraum_meta` entries in the order they were first set.
    pub async fn read_meta(&self) -> Result<Vec<(String, String)>, PgError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT key, value FROM {}.spielraum_meta ORDER BY position",
                    quoted(self.schema())
                ),
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The city as [`store::read_city`] gives it from a GeoPackage: every layer of
    /// [`store::CITY_LAYER_NAMES`] read (or, outside `wanted`, checked to exist and left
    /// empty), its data sources, social indicators and metadata.
    pub async fn read_city(&self, wanted: &[&str]) -> Result<model::City, PgError> {
        let present = self.layer_names().await?;
        let reads = store::CITY_LAYER_NAMES
            .iter()
            .chain(store::CITY_TABLE_NAMES.iter())
            .map(|&name| {
                let present = present.iter().any(|p| p == name);
                let city_layer = store::CITY_LAYER_NAMES.contains(&name);
                async move {
                    if city_layer && !present {
                        return Err(PgError::MissingLayer {
                            url: self.shown().to_string(),
                            schema: self.schema().to_string(),
                            layer: name.to_string(),
                        });
                    }
                    match (present, city_layer && !wanted.contains(&name)) {
                        (false, _) => Ok(None),
                        (true, true) => Ok(Some(store::city_layer_schema(name))),
                        (true, false) => self.read_layer(name).await.map(Some),
                    }
                }
            });
        let layers: Vec<Layer> = futures_util::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let meta = self.read_meta().await?;
        store::city_from_layer_set(layers, meta).map_err(|e| match e {
            store::StoreError::Shape(s) => {
                PgError::Store(store::StoreError::Shape(format!("{}: {s}", self.shown())))
            }
            e => PgError::Store(e),
        })
    }

    /// Stores the result (JSON) of job `job` of region plan `plan_id`, replacing an earlier
    /// run's, in one statement.
    pub async fn put_region_result(
        &self,
        plan_id: &str,
        job: usize,
        result: &str,
    ) -> Result<(), PgError> {
        let job = i32::try_from(job).map_err(|_| PgError::Database {
            url: self.shown().to_string(),
            why: format!("job index {job} is too large"),
        })?;
        self.client()
            .await?
            .execute(
                &format!(
                    "INSERT INTO {}.spielraum_region_results (plan_id, job, result) \
                     VALUES ($1, $2, $3) ON CONFLICT (plan_id, job) \
                     DO UPDATE SET result = excluded.result, written_at = now()",
                    quoted(self.schema())
                ),
                &[&plan_id, &job, &result],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// The result (JSON) of job `job` of region plan `plan_id`, if stored.
    pub async fn get_region_result(
        &self,
        plan_id: &str,
        job: usize,
    ) -> Result<Option<String>, PgError> {
        let Ok(job) = i32::try_from(job) else {
            return Ok(None);
        };
        let row = self
            .client()
            .await?
            .query_opt(
                &format!(
                    "SELECT result FROM {}.spielraum_region_results WHERE plan_id = $1 AND job = $2",
                    quoted(self.schema())
                ),
                &[&plan_id, &job],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The stored tile `z/x/y` of tile version `version` (the server's persistent tile cache,
    /// table `spielraum_tiles`), if any.
    pub async fn load_tile(
        &self,
        version: &str,
        z: u8,
        x: u32,
        y: u32,
    ) -> Result<Option<Vec<u8>>, PgError> {
        let row = self
            .client()
            .await?
            .query_opt(
                &format!(
                    "SELECT data FROM {}.spielraum_tiles WHERE version = $1 AND z = $2 AND x = $3 AND y = $4",
                    quoted(self.schema())
                ),
                &[&version, &i32::from(z), &i64::from(x), &i64::from(y)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Stores tile `z/x/y` of version `version` (replacing one stored before).
    pub async fn save_tile(
        &self,
        version: &str,
        (z, x, y): (u8, u32, u32),
        data: &[u8],
    ) -> Result<(), PgError> {
        self.client()
            .await?
            .execute(
                &format!(
                    "INSERT INTO {}.spielraum_tiles (version, z, x, y, data) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (version, z, x, y) DO UPDATE SET data = excluded.data",
                    quoted(self.schema())
                ),
                &[&version, &i32::from(z), &i64::from(x), &i64::from(y), &data],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Removes the stored tiles of every version but `version` (tiles of an older import,
    /// analysis or program), returning how many.
    pub async fn drop_other_tiles(&self, version: &str) -> Result<u64, PgError> {
        self.client()
            .await?
            .execute(
                &format!(
                    "DELETE FROM {}.spielraum_tiles WHERE version <> $1",
                    quoted(self.schema())
                ),
                &[&version],
            )
            .await
            .map_err(|e| self.failed(e))
    }

    /// The candidate sites for suggestions (layer `candidate_sites`).
    pub async fn read_candidate_sites(
        &self,
    ) -> Result<Vec<model::scenario::CandidateSite>, PgError> {
        let layer = self.read_layer("candidate_sites").await?;
        Ok(store::candidate_sites_from_layer(&layer)?)
    }

    /// Copies the city of the GeoPackage at `path` (every layer and attribute table but the
    /// workspace's `spielraum_*` tables, and its metadata) into the schema, replacing the
    /// layers of an earlier import in one transaction. Scenarios, accounts and the like in the
    /// schema are kept.
    pub async fn push_geopackage(&self, path: &Path) -> Result<Vec<String>, PgError> {
        let names: Vec<String> = store::layer_names(path)?
            .into_iter()
            .filter(|n| !n.starts_with("spielraum_"))
            .collect();
        let mut layers = Vec::with_capacity(names.len());
        for name in &names {
            layers.push(store::read_layer(path, name)?);
        }
        let meta = store::read_meta(path)?;
        self.write_layers_meta(&layers, &meta, true).await?;
        Ok(names)
    }
}

/// Sets `entries` in `spielraum_meta` as the GeoPackage's `INSERT OR REPLACE` does: a key set
/// again moves after the others (`replace_all`: the table holds exactly `entries`, in order).
async fn write_meta_tx(
    db: &Database,
    tx: &Transaction<'_>,
    entries: &[(String, String)],
    replace_all: bool,
) -> Result<(), PgError> {
    let table = format!("{}.spielraum_meta", quoted(db.schema()));
    if replace_all {
        tx.execute(&format!("DELETE FROM {table}"), &[])
            .await
            .map_err(|e| db.failed(e))?;
    }
    for (key, value) in entries {
        tx.execute(&format!("DELETE FROM {table} WHERE key = $1"), &[key])
            .await
            .map_err(|e| db.failed(e))?;
        tx.execute(
            &format!(
                "INSERT INTO {table} (position, key, value) \
                 VALUES ((SELECT coalesce(max(position), 0) + 1 FROM {table}), $1, $2)"
            ),
            &[key, value],
        )
        .await
        .map_err(|e| db.failed(e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_as_control() {
        let mut s = String::new();
        copy_text(&mut s, "a\tb\nc\\d\re");
        assert_eq!(s, "a\\tb\\nc\\\\d\\re");
    }

    #[test]
    fn a_point_becomes_ewkb_with_srid_4326() {
        let mut s = String::new();
        copy_geometry(
            &mut s,
            &Geometry::Point(geo_types::Point::new(1.0, 2.0)),
            &mut Vec::new(),
        );
        // PostGIS: SELECT ST_AsEWKB('SRID=4326;POINT(1 2)'::geometry) in little-endian hex.
        assert_eq!(s, "0101000020e6100000000000000000f03f0000000000000040");
    }
}
