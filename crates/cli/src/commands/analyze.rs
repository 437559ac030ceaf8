//! `spielraum analyze`: argument parsing and output only.
//!
//! Reads the city, runs `analysis`, prints a table/JSON/CSV/GeoJSON and writes the result layers back.

use std::io::Write;
use std::path::{Path, PathBuf};

use analysis::{Analysis, Standards};
use anyhow::{Context, Result};
use serde_json::Value as Json;

use super::Internal;
use crate::output::{for_a_person, write_output};
use crate::progress;

/// Output formats of `spielraum analyze`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable table (the default when stdout is a terminal).
    Table,
    /// One JSON object (the default when stdout is not a terminal).
    Json,
    /// One row per neighbourhood.
    Csv,
    /// Neighbourhood polygons with the indicators as properties.
    Geojson,
}

/// Arguments of `spielraum analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// Planning standard (TOML, see docs/standards.md); default: the shipped DIN 18034.
    #[arg(long, value_name = "FILE.toml")]
    pub standards: Option<PathBuf>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the output to this file (complete or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not write the `neighbourhood_indicators` and `gap_areas` layers into the GeoPackage.
    #[arg(long)]
    pub no_write_back: bool,
}

/// Runs `spielraum analyze`.
pub fn run(args: Args) -> Result<()> {
    let standards = match &args.standards {
        Some(path) => Standards::from_file(path)?,
        None => Standards::default_din18034(),
    };
    let (_, _, analysis) = analyze_city(&args.city, &standards, !args.no_write_back)?;

    let format = args.format.unwrap_or(if for_a_person(args.out.as_deref()) {
        Format::Table
    } else {
        Format::Json
    });
    let render = |w: &mut dyn Write| -> Result<()> {
        match format {
            Format::Table => w.write_all(table(&analysis).as_bytes())?,
            Format::Json => {
                serde_json::to_writer_pretty(&mut *w, &analysis.to_json())?;
                writeln!(w)?;
            }
            Format::Csv => w.write_all(analysis.to_csv().as_bytes())?,
            Format::Geojson => {
                serde_json::to_writer(&mut *w, &analysis.to_geojson())?;
                writeln!(w)?;
            }
        }
        Ok(())
    };
    write_output(args.out.as_deref(), render)
}

/// Reads the city, computes its indicators and (when `write` is set) stores the result layers
/// in the GeoPackage; shared with `spielraum demo`, which serves the city with the same graph.
pub fn analyze_city(
    path: &Path,
    standards: &Standards,
    write: bool,
) -> Result<(model::City, network::WalkGraph, Analysis)> {
    let spinner = progress::spinner("reading city");
    let city = store::read_city(path)?;
    spinner.set_message("building walking network");
    let graph =
        analysis::build_graph(&city, standards).with_context(|| format!("{}", path.display()))?;
    let analysis = analysis::analyze(&city, &graph, standards, &|stage| {
        spinner.set_message(stage.to_string())
    })
    .map_err(|e| Internal(e.to_string()))?;
    if write {
        spinner.set_message("writing result layers");
        // The numbers are still worth having when the file cannot take them (read-only, say).
        if let Err(e) = write_back(path, &analysis) {
            eprintln!(
                "spielraum: warning: result layers not written into {}: {e:#}",
                path.display()
            );
        }
    }
    spinner.finish_and_clear();
    Ok((city, graph, analysis))
}

/// Writes `neighbourhood_indicators` and `gap_areas` into the GeoPackage.
fn write_back(city: &Path, analysis: &Analysis) -> Result<()> {
    let geometries = analysis
        .neighbourhoods
        .iter()
        .map(|n| n.geometry.clone().into());
    store::write_layer(
        city,
        &layer(
            "neighbourhood_indicators",
            analysis.neighbourhood_rows(),
            geometries,
        ),
    )?;
    let geometries = analysis.gap_areas.iter().map(|g| g.geometry.clone().into());
    store::write_layer(
        city,
        &layer("gap_areas", analysis.gap_area_rows(), geometries),
    )?;
    Ok(())
}

/// A MultiPolygon layer from flat rows; each column's type is that of its first non-null value.
fn layer(
    name: &str,
    rows: Vec<Vec<(String, Json)>>,
    geometries: impl Iterator<Item = geo_types::Geometry<f64>>,
) -> store::Layer {
    let names: Vec<String> = match rows.first() {
        Some(r) => r.iter().map(|(k, _)| k.clone()).collect(),
        // Column names of an empty layer still matter to readers: take them from the schema.
        None if name == "gap_areas" => [
            "rank",
            "gap_children",
            "gap_children_age_0_5",
            "gap_children_age_6_11",
            "gap_children_age_12_17",
            "rank_age_0_5",
            "rank_age_6_11",
            "rank_age_12_17",
            "cells",
            "neighbourhoods",
        ]
        .map(String::from)
        .to_vec(),
        None => vec!["id".into(), "name".into()],
    };
    let columns = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let first = rows.iter().map(|r| &r[i].1).find(|v| !v.is_null()).cloned();
            let ty = match first {
                Some(Json::String(_)) => store::ColumnType::Text,
                Some(Json::Number(x)) if x.is_i64() || x.is_u64() => store::ColumnType::Integer,
                None if n == "neighbourhoods" || n == "id" || n == "name" => {
                    store::ColumnType::Text
                }
                None if n.starts_with("rank") || n.starts_with("gap_children") || n == "cells" => {
                    store::ColumnType::Integer
                }
                _ => store::ColumnType::Real,
            };
            store::Column::new(n, ty)
        })
        .collect();
    let features = rows
        .into_iter()
        .zip(geometries)
        .map(|(row, geometry)| store::Feature {
            geometry: Some(geometry),
            values: row.into_iter().map(|(_, v)| store_value(v)).collect(),
        })
        .collect();
    store::Layer {
        name: name.to_string(),
        geometry_type: Some(store::GeometryType::MultiPolygon),
        columns,
        features,
    }
}

fn store_value(v: Json) -> store::Value {
    match v {
        Json::Number(n) => match n.as_i64() {
            Some(i) => store::Value::Integer(i),
            None => store::Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => store::Value::Text(s),
        Json::Bool(b) => store::Value::Integer(i64::from(b)),
        _ => store::Value::Null,
    }
}

/// The readable table: one line per neighbourhood, most need first.
fn table(a: &Analysis) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let meta = |k: &str| {
        a.metadata
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("unknown")
    };
    let _ = writeln!(out, "Standard: {} ({})", a.standard_title, a.standard);
    let _ = writeln!(
        out,
        "Data: {} (as of {}), population from {}",
        meta("source_file"),
        meta("source_timestamp"),
        meta("population_source")
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>4}  {:<24} {:>7} {:>17} {:>17} {:>17} {:>9} {:>9} {:>9}",
        "need",
        "neighbourhood",
        "pop",
        "0-5 served/gap",
        "6-11 served/gap",
        "12-17 served/gap",
        "m²",
        "m²/child",
        "2SFCA"
    );
    let mut rows: Vec<_> = a.neighbourhoods.iter().collect();
    rows.sort_by_key(|n| n.need_rank);
    let opt = |x: Option<f64>, d: usize| x.map_or("–".to_string(), |v| format!("{v:.d$}"));
    for n in rows {
        let band = |b: model::AgeBand| {
            let share = n
                .served_share(b)
                .map_or("–".to_string(), |s| format!("{:.0}%", s * 100.0));
            format!("{share}/{:.0}", n.gap_children[b.index()])
        };
        let name: String = n.name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "{:>4}  {:<24} {:>7.0} {:>17} {:>17} {:>17} {:>9.0} {:>9} {:>9}",
            n.need_rank,
            name,
            n.population_total,
            band(model::AgeBand::Age0To5),
            band(model::AgeBand::Age6To11),
            band(model::AgeBand::Age12To17),
            n.play_area_m2,
            opt(n.play_area_m2_per_child(), 1),
            opt(n.play_area_m2_per_child_2sfca, 1),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "served = share of the band's children within walking distance; gap = children outside it."
    );
    if let Some(g) = a.gap_areas.first() {
        let _ = writeln!(
            out,
            "{} gap areas; the largest: {:.0} children around {:.5}, {:.5}",
            a.gap_areas.len(),
            g.total(),
            g.centre.y(),
            g.centre.x()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layer_columns_take_the_type_of_their_first_value() {
        let rows = vec![
            vec![
                ("name".to_string(), json!("Vaduz")),
                ("n".to_string(), json!(3)),
                ("share".to_string(), Json::Null),
            ],
            vec![
                ("name".to_string(), json!("Schaan")),
                ("n".to_string(), json!(4)),
                ("share".to_string(), json!(0.5)),
            ],
        ];
        let square = geo_types::Geometry::Point(geo_types::Point::new(9.5, 47.1));
        let l = layer("x", rows, std::iter::repeat(square));
        let types: Vec<_> = l.columns.iter().map(|c| c.ty).collect();
        assert_eq!(
            types,
            vec![
                store::ColumnType::Text,
                store::ColumnType::Integer,
                store::ColumnType::Real
            ]
        );
        assert_eq!(l.features.len(), 2);
        assert_eq!(l.features[0].values[2], store::Value::Null);
        assert_eq!(l.features[1].values[1], store::Value::Integer(4));
    }

    #[test]
    fn empty_gap_layer_keeps_its_columns() {
        let l = layer("gap_areas", Vec::new(), std::iter::empty());
        assert!(l.columns.iter().any(|c| c.name == "gap_children_age_0_5"));
        assert!(l.features.is_empty());
    }
}
