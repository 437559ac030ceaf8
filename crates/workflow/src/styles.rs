//! The QGIS layer styles the workflows write into the GeoPackage: the map's styles
//! ([`map::qgis`]) as the store's `layer_styles` rows.

/// `styles` as the store writes them.
fn rows(styles: Vec<map::qgis::QgisStyle>) -> Vec<store::LayerStyle> {
    styles
        .into_iter()
        .map(|s| store::LayerStyle {
            table: s.table.to_string(),
            name: s.name.to_string(),
            qml: s.qml,
            default: s.default,
            description: s.description.to_string(),
        })
        .collect()
}

/// The styles of the city's layers (written by an import).
pub fn city() -> Vec<store::LayerStyle> {
    rows(map::qgis::city_styles())
}

/// The styles of the result layers (written by an analysis with its layers).
pub fn results() -> Vec<store::LayerStyle> {
    rows(map::qgis::result_styles())
}
