//! The `layer_styles` table QGIS reads a layer's default style from when it opens a
//! GeoPackage (the table QGIS and GDAL create for "Save style → in database"), registered in
//! `gpkg_contents` as an attribute table.
//!
//! Owns the table and Spielraum's rows in it; the styles themselves (QML) are made by the map
//! crate and handed in. A planner's own styles stay: ours replace only rows of our style name,
//! and ours become a layer's default only when it has no other default.

use rusqlite::{Connection, params};

use crate::StoreError;

/// The table name QGIS looks for.
pub const TABLE: &str = "layer_styles";

/// One style row: a QGIS style (QML) for a table of the GeoPackage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerStyle {
    /// The styled table (`facilities`, `neighbourhood_indicators`, …).
    pub table: String,
    /// The style's name in QGIS' style manager (≤ 30 characters).
    pub name: String,
    /// The QGIS style document (QML).
    pub qml: String,
    /// Whether QGIS applies it when the layer is opened (unless the layer has another default).
    pub default: bool,
    /// One sentence on what it shows.
    pub description: String,
}

/// The schema QGIS writes (QgsOgrProviderUtils, GDAL field types: text widths, boolean,
/// datetime with the current time as default).
const CREATE: &str = "CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)";

/// Writes `styles` in `conn`'s open transaction: creates and registers the table if needed,
/// replaces earlier rows of the same table and style name, and makes each default style the
/// layer's default unless the layer already has a default of another name. Styles of tables
/// that are not in the file are skipped.
pub(crate) fn write_styles_tx(conn: &Connection, styles: &[LayerStyle]) -> Result<(), StoreError> {
    if styles.is_empty() {
        return Ok(());
    }
    conn.execute_batch(CREATE)?;
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
         VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')",
        [],
    )?;
    for s in styles {
        // The geometry column of the table, as gpkg_geometry_columns names it.
        let geometry: Option<String> = conn
            .query_row(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1",
                [&s.table],
                |r| r.get(0),
            )
            .ok();
        let Some(geometry) = geometry else { continue };
        conn.execute(
            "DELETE FROM layer_styles WHERE f_table_name = ?1 AND styleName = ?2",
            params![s.table, s.name],
        )?;
        let other_default: bool = conn.query_row(
            "SELECT count(*) > 0 FROM layer_styles WHERE f_table_name = ?1 AND useAsDefault",
            [&s.table],
            |r| r.get(0),
        )?;
        conn.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,
                 f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description,
                 owner, ui)
             VALUES ('', '', ?1, ?2, ?3, ?4, '', ?5, ?6, 'spielraum', NULL)",
            params![
                s.table,
                geometry,
                s.name,
                s.qml,
                s.default && !other_default,
                s.description
            ],
        )?;
    }
    Ok(())
}

/// The style rows of the GeoPackage open in `conn` (all of them, ours and others), in order.
pub(crate) fn read_styles_conn(conn: &Connection) -> Result<Vec<LayerStyle>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT f_table_name, styleName, styleQML, useAsDefault, description FROM layer_styles ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(LayerStyle {
            table: r.get(0)?,
            name: r.get(1)?,
            qml: r.get(2)?,
            default: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
            description: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(table: &str, name: &str, qml: &str) -> LayerStyle {
        LayerStyle {
            table: table.into(),
            name: name.into(),
            qml: qml.into(),
            default: true,
            description: String::new(),
        }
    }

    #[test]
    fn ours_replace_ours_and_a_planners_default_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        crate::write_city(&path, &model::City::default()).unwrap();
        // A table that is not in the file gets no row.
        let ours = [
            style("facilities", "Spielraum", "<qgis/>"),
            style("nope", "Spielraum", "x"),
        ];
        crate::write_layers_styled(&path, &[], &ours).unwrap();
        let rows = crate::read_layer_styles(&path).unwrap();
        assert_eq!(rows, vec![ours[0].clone()]);
        // Written again: replaced, not doubled.
        let newer = style("facilities", "Spielraum", "<qgis version=\"2\"/>");
        crate::write_layers_styled(&path, &[], std::slice::from_ref(&newer)).unwrap();
        assert_eq!(
            crate::read_layer_styles(&path).unwrap(),
            vec![newer.clone()]
        );
        // A planner's own default (another style name) stays the default.
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE layer_styles SET useAsDefault = 0", [])
            .unwrap();
        conn.execute(
            "INSERT INTO layer_styles (f_table_name, f_geometry_column, styleName, styleQML, useAsDefault)
             VALUES ('facilities', 'geom', 'Mine', '<qgis/>', 1)",
            [],
        )
        .unwrap();
        drop(conn);
        crate::write_layers_styled(&path, &[], std::slice::from_ref(&newer)).unwrap();
        let rows = crate::read_layer_styles(&path).unwrap();
        let default: Vec<&str> = rows
            .iter()
            .filter(|r| r.default)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(default, ["Mine"]);
        assert_eq!(rows.len(), 2);
        // The table is registered as an attribute table.
        let conn = Connection::open(&path).unwrap();
        let kind: String = conn
            .query_row(
                "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind, "attributes");
    }
}
