//! Reads a register table (Berlin LOR matrix form) and spreads it over buildings; prints what was
//! done and how long it took.
//!
//! Used by `bench/register.sh`: `register_spread REGISTER.csv BUILDINGS.csv`. The 542 areas are
//! generated here (a 23 × 24 grid of rectangles over Berlin's extent, ids `01000000` + index),
//! the same way the script generates the files; buildings CSV: `lon;lat;footprint;levels;building`.

use std::path::PathBuf;
use std::time::Instant;

use geo_types::{MultiPolygon, Point, polygon};
use model::{Building, Neighbourhood, OsmId};
use spielraum_ingest::population::{BuildingRules, RegisterMapping, disaggregate, read_register};

const COLS: usize = 23;
const ROWS: usize = 24;
const AREAS: usize = 542;
const W: f64 = 13.09;
const S: f64 = 52.34;
const E: f64 = 13.76;
const N: f64 = 52.68;

fn areas() -> Vec<Neighbourhood> {
    let (dx, dy) = ((E - W) / COLS as f64, (N - S) / ROWS as f64);
    (0..AREAS)
        .map(|i| {
            let (c, r) = ((i % COLS) as f64, (i / COLS) as f64);
            let (w, s) = (W + c * dx, S + r * dy);
            let (e, n) = (w + dx, s + dy);
            Neighbourhood {
                id: format!("{:08}", 1_000_000 + i),
                name: format!("Area {i}"),
                admin_level: None,
                geometry: MultiPolygon(vec![polygon![
                    (x: w, y: s), (x: e, y: s), (x: e, y: n), (x: w, y: n), (x: w, y: s)
                ]]),
                population: None,
            }
        })
        .collect()
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [register, buildings] = args.as_slice() else {
        eprintln!("usage: register_spread REGISTER.csv BUILDINGS.csv");
        std::process::exit(2);
    };
    let start = Instant::now();
    let areas = areas();
    let text = std::fs::read_to_string(buildings).expect("buildings file");
    let buildings: Vec<Building> = text
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(';').collect();
            let num = |k: usize| f[k].parse::<f64>().expect("number");
            Building {
                osm_id: OsmId::Way(i as i64 + 1),
                building: f[4].to_string(),
                levels: (!f[3].is_empty()).then(|| num(3)),
                footprint_m2: num(2),
                centre: Point::new(num(0), num(1)),
                in_residential_landuse: false,
            }
        })
        .collect();
    let read_buildings = start.elapsed().as_secs_f64();
    let table = match read_register(register, &RegisterMapping::berlin_lor(), &areas) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let read_table = start.elapsed().as_secs_f64() - read_buildings;
    let spread = disaggregate(&table, &buildings, &BuildingRules::default(), &areas);
    let residents: f64 = spread.units.iter().map(|u| u.residents).sum();
    let children: f64 = spread
        .units
        .iter()
        .map(|u| u.ages.iter().sum::<f64>())
        .sum();
    let register_total: f64 = table.areas.iter().map(|a| a.residents).sum();
    println!(
        "areas {} buildings {} units {} residents {residents:.0} (register {register_total:.0}) \
         children {children:.0} at_interior_point {} seconds: buildings {read_buildings:.2} \
         register {read_table:.3} total {:.2}",
        table.areas.len(),
        buildings.len(),
        spread.units.len(),
        spread.at_interior_point.len(),
        start.elapsed().as_secs_f64()
    );
}
