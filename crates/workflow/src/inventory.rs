//! A city's facility inventory in an import: reading it (before the long read of the extract),
//! conflating it with OSM's facilities, and the record of that: the GeoPackage layer
//! `conflation`, the CSV of `--conflation-csv`, and the import facts the analysis reads
//! (`net_area_facilities`, `play_area_basis`).
//!
//! Owns the columns of the layer and the CSV (the same, in the same order; see
//! `docs/interfaces.md`, "Conflation layer and CSV").

use std::path::{Path, PathBuf};

use ingest::conflate::{AreaBasis, ConflationRecord, Status, conflate};
use ingest::inventory::{FacilityMapping, Inventory, InventoryError, read_inventory};
use model::City;
use store::{Column, ColumnType, Feature, GeometryType, Layer, Value};

/// The GeoPackage layer holding the conflation record.
pub const CONFLATION_LAYER: &str = "conflation";

/// An inventory read and its mapping, ready to be conflated.
#[derive(Debug, Clone)]
pub struct InventoryInput {
    /// The inventory file.
    pub path: PathBuf,
    /// The mapping file.
    pub mapping_path: PathBuf,
    /// The mapping.
    pub mapping: FacilityMapping,
    /// The inventory.
    pub inventory: Inventory,
    /// What was fetched and when, for an inventory read from a web service.
    pub retrieval: Option<ingest::remote::Retrieval>,
}

/// Why an inventory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The mapping or a file's feature.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The web service (OGC API Features, WFS 2.0) could not be read.
    #[error("--facilities")]
    Remote(#[source] ingest::remote::RemoteError),
}

/// Reads the mapping and the inventory (each error one line naming the file or URL, feature,
/// field): from a file, or from an OGC API Features collection or WFS 2.0 type at `path` when
/// it is an `http(s)://` URL (the mapping's `layer` names the WFS type if the URL does not).
pub fn read_input(
    path: &Path,
    mapping_path: &Path,
    remote: &ingest::remote::RemoteOptions,
) -> Result<InventoryInput, InputError> {
    let mapping = FacilityMapping::from_file(mapping_path)?;
    let (inventory, retrieval) = match crate::import::url_of(path) {
        Some(url) => {
            let options = ingest::remote::RemoteOptions {
                type_name: remote.type_name.clone().or_else(|| mapping.layer.clone()),
                ..remote.clone()
            };
            let fetched =
                ingest::remote::read_features_url(url, &options).map_err(InputError::Remote)?;
            let inventory = ingest::inventory::inventory_from_features(&fetched.file, &mapping)
                .map_err(InventoryError::Vector)?;
            (inventory, Some(fetched.retrieval))
        }
        None => (read_inventory(path, &mapping)?, None),
    };
    Ok(InventoryInput {
        path: path.to_path_buf(),
        mapping_path: mapping_path.to_path_buf(),
        mapping,
        inventory,
        retrieval,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Replaces the city's facilities by the conflated set and records the import facts; returns
/// the conflation record.
pub fn apply(input: &InventoryInput, city: &mut City) -> Vec<ConflationRecord> {
    let kinds = input.mapping.kind.kinds();
    let out = conflate(
        &input.inventory.facilities,
        &city.facilities,
        &kinds,
        &input.mapping.conflation,
    );
    city.facilities = out.facilities;
    let net: Vec<String> = out
        .records
        .iter()
        .filter(|r| r.area_used == AreaBasis::Net)
        .map(|r| r.facility_id.to_string())
        .collect();
    let count = |s: Status| out.records.iter().filter(|r| r.status == s).count();
    let disagreeing = out
        .records
        .iter()
        .filter(|r| r.area_differs || r.name_differs)
        .count();
    let official = input.inventory.facilities.len();
    city.metadata.extend([
        ("facility_inventory".to_string(), file_name(&input.path)),
        (
            "facility_mapping".to_string(),
            file_name(&input.mapping_path),
        ),
        (
            "conflation".to_string(),
            format!(
                "matched {}, only official {}, only OSM {}, disagreeing {}",
                count(Status::Matched),
                count(Status::OnlyOfficial),
                count(Status::OnlyOsm),
                disagreeing
            ),
        ),
        (
            "play_area_basis".to_string(),
            format!(
                "net play area (inventory {}) for {} of {} inventory facilities; \
                 outline or point area for the others",
                file_name(&input.path),
                net.len(),
                official
            ),
        ),
        (analysis::NET_AREA_FACILITIES.to_string(), net.join("\n")),
    ]);
    out.records
}

/// The columns of the layer and the CSV, in order.
const COLUMNS: [(&str, ColumnType); 17] = [
    ("status", ColumnType::Text),
    ("kind", ColumnType::Text),
    ("official_id", ColumnType::Text),
    ("osm_id", ColumnType::Text),
    ("facility_id", ColumnType::Text),
    ("matched_by", ColumnType::Text),
    ("distance_m", ColumnType::Real),
    ("official_area_m2", ColumnType::Real),
    ("net_area_m2", ColumnType::Real),
    ("osm_area_m2", ColumnType::Real),
    ("disagreement", ColumnType::Text),
    ("winner", ColumnType::Text),
    ("area_used", ColumnType::Text),
    ("area_m2_used", ColumnType::Real),
    ("age_groups", ColumnType::Text),
    ("opening_hours", ColumnType::Text),
    ("note", ColumnType::Text),
];

fn round1(v: Option<f64>) -> Value {
    Value::opt_real(v.map(|x| (x * 10.0).round() / 10.0))
}

fn values(r: &ConflationRecord, city: &City) -> Vec<Value> {
    let used = city
        .facilities
        .iter()
        .find(|f| f.osm_id == r.facility_id)
        .and_then(|f| f.area_m2);
    let disagreement = r.disagreements();
    vec![
        Value::Text(r.status.as_str().into()),
        Value::Text(r.kind.as_str().into()),
        Value::opt_text(r.official_id.as_deref()),
        Value::opt_text(r.osm_id.map(|o| o.to_string()).as_deref()),
        Value::Text(r.facility_id.to_string()),
        Value::opt_text(r.matched_by),
        round1(r.distance_m),
        round1(r.official_area_m2),
        round1(r.net_area_m2),
        round1(r.osm_area_m2),
        Value::opt_text((!disagreement.is_empty()).then_some(disagreement.as_str())),
        Value::opt_text(r.winner.map(|w| w.as_str())),
        Value::Text(r.area_used.as_str().into()),
        round1(used),
        Value::opt_text(r.age_groups.as_deref()),
        Value::opt_text(r.opening_hours.as_deref()),
        Value::Text(r.note.clone()),
    ]
}

/// The `conflation` layer: one feature per record, with the facility's geometry in the city.
pub fn conflation_layer(records: &[ConflationRecord], city: &City) -> Layer {
    Layer {
        name: CONFLATION_LAYER.into(),
        geometry_type: Some(GeometryType::Geometry),
        columns: COLUMNS.iter().map(|(n, t)| Column::new(n, *t)).collect(),
        features: records
            .iter()
            .map(|r| Feature {
                geometry: Some(r.geometry.clone()),
                values: values(r, city),
            })
            .collect(),
    }
}

/// Writes the conflation record as CSV (the layer's columns, then `lon`,`lat` of a point on
/// the facility) to `path`, through a temporary file renamed into place.
pub fn write_csv(path: &Path, records: &[ConflationRecord], city: &City) -> std::io::Result<()> {
    use geo::InteriorPoint;
    let tmp = path.with_extension("csv.tmp");
    let result = (|| -> std::io::Result<()> {
        let mut w = csv::Writer::from_path(&tmp)?;
        let mut header: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        header.extend(["lon", "lat"]);
        w.write_record(&header)?;
        for r in records {
            let mut row: Vec<String> = values(r, city)
                .into_iter()
                .map(|v| match v {
                    Value::Null => String::new(),
                    Value::Integer(i) => i.to_string(),
                    Value::Real(x) => x.to_string(),
                    Value::Text(s) => s,
                    Value::Blob(_) => String::new(),
                })
                .collect();
            let p = r.geometry.interior_point();
            row.push(p.map_or_else(String::new, |p| format!("{:.7}", p.x())));
            row.push(p.map_or_else(String::new, |p| format!("{:.7}", p.y())));
            w.write_record(&row)?;
        }
        w.flush()
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
