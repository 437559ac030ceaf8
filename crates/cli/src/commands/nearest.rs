//! `spielraum nearest`: argument parsing and output only.
//!
//! Reads origins (CSV `id,lon,lat`), loads the city with `workflow::load`, asks `network` for the
//! nearest public facility of a kind, writes CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::{Facility, FacilityKind};
use network::Targets;
use workflow::{Loaded, Progress};

use crate::args::ProfileArg;
use crate::output::write_output;
use crate::progress::Terminal;
use crate::shared::load_graph;

/// Arguments of `spielraum nearest`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// Facility kind: playground, school, kindergarten, open_space, library, youth_centre,
    /// family_centre, sports_pitch or community_garden.
    #[arg(long)]
    pub kind: String,
    /// Origins: CSV with the header `id,lon,lat` (WGS84 degrees, comma separated).
    #[arg(long, value_name = "FILE.csv")]
    pub origins: PathBuf,
    /// Output CSV `id,distance_m,facility_id` (complete or not at all); stdout when omitted.
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// One origin of the input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The `id` column, as written.
    pub id: String,
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
}

/// Reads an origins CSV (`id,lon,lat` in any column order, extra columns ignored). Errors name the
/// file and the line (the header is line 1).
pub fn read_origins(path: &Path) -> Result<Vec<Origin>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read origins file {}", path.display()))?;
    parse_origins(&text, &path.display().to_string())
}

fn parse_origins(text: &str, name: &str) -> Result<Vec<Origin>> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        bail!("{name} line 1: empty file, expected the header id,lon,lat");
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{name} line 1: not a CSV header"))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |c: &str| header.iter().position(|h| h == c);
    let (Some(id), Some(lon), Some(lat)) = (col("id"), col("lon"), col("lat")) else {
        bail!(
            "{name} line 1: header must have the columns id,lon,lat (found: {})",
            header.join(",")
        );
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{name} line {line}: {e}")
        })?;
        let n = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: usize, what: &str| {
            record
                .get(c)
                .with_context(|| format!("{name} line {n}: missing column '{what}'"))
        };
        let number = |c: usize, what: &str, limit: f64| -> Result<f64> {
            let raw = get(c, what)?;
            let v: f64 = raw
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .with_context(|| format!("{name} line {n}: {what} '{raw}' is not a number"))?;
            if v.abs() > limit {
                bail!("{name} line {n}: {what} {v} is out of range (-{limit} to {limit})");
            }
            Ok(v)
        };
        out.push(Origin {
            id: get(id, "id")?.to_string(),
            lon: number(lon, "lon", 180.0)?,
            lat: number(lat, "lat", 90.0)?,
        });
    }
    Ok(out)
}

/// Runs `spielraum nearest`.
pub fn run(args: Args) -> Result<()> {
    let kind: FacilityKind = args.kind.parse().context("--kind")?;
    let origins = read_origins(&args.origins)?;
    let progress = Terminal::new();
    let Loaded { city, graph } = load_graph(&args.city, args.profile.profile(), &progress)?;
    progress.stage("walking");
    let facilities: Vec<&Facility> = city
        .facilities
        .iter()
        .filter(|f| f.kind == kind && f.is_public())
        .collect();
    let targets = Targets::from_facilities(&graph, &facilities);
    let points: Vec<geo_types::Coord<f64>> = origins
        .iter()
        .map(|o| geo_types::Coord { x: o.lon, y: o.lat })
        .collect();
    let hits = network::nearest(&graph, &targets, &points, f64::INFINITY);
    progress.finish();

    let render = |w: &mut dyn Write| -> Result<()> {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(["id", "distance_m", "facility_id"])?;
        for (o, hit) in origins.iter().zip(&hits) {
            match hit {
                Some(h) => csv.write_record([
                    o.id.as_str(),
                    &format!("{:.1}", h.distance_m),
                    &facilities[h.target].osm_id.to_string(),
                ])?,
                None => csv.write_record([o.id.as_str(), "", ""])?,
            }
        }
        csv.flush()?;
        Ok(())
    };
    write_output(args.out.as_deref(), render)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_origins_in_any_column_order() {
        let o = parse_origins("lat,id,lon\n47.1,a,9.5\n\n47.2,\"b\",9.6\n", "o.csv").unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(
            o[1],
            Origin {
                id: "b".into(),
                lon: 9.6,
                lat: 47.2
            }
        );
    }

    #[test]
    fn bad_origins_name_the_line() {
        let err = |t: &str| parse_origins(t, "o.csv").unwrap_err().to_string();
        assert!(err("id,lon\n1,9.5\n").contains("o.csv line 1"));
        assert!(err("id,lon,lat\n1,9.5,47\n2,abc,47\n").contains("o.csv line 3: lon 'abc'"));
        assert!(err("id,lon,lat\n1,9.5,95\n").contains("o.csv line 2: lat 95 is out of range"));
        assert!(err("id,lon,lat\n1,9.5\n").contains("o.csv line 2: missing column 'lat'"));
        assert!(err("").contains("line 1"));
    }

    #[test]
    fn quoted_ids_may_hold_commas() {
        let o = parse_origins("id,lon,lat\n\"Main St, 5\",9.5,47.1\n", "o.csv").unwrap();
        assert_eq!(
            o,
            vec![Origin {
                id: "Main St, 5".into(),
                lon: 9.5,
                lat: 47.1
            }]
        );
    }
}
