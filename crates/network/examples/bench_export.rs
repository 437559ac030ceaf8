//! Times Spielraum on a network and exports the same graph, POIs and origins for pandana.
//!
//! `bench_export pbf EXTRACT.pbf OUT_DIR [N_ORIGINS]` or `bench_export grid SIDE OUT_DIR [N_ORIGINS]`
//! (a generated grid city of SIDE × SIDE street nodes, 100 m blocks near 47°N). Prints one JSON line.

#[path = "support/mod.rs"]
mod support;

use std::error::Error;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use geo_types::Coord;
use model::{Facility, FacilityKind, OsmId, WalkWay};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spielraum_network::{Profile, Targets, WalkGraph, access_points, nearest};

/// The limit both sides use (pandana needs a finite one).
const MAX_M: f64 = 5000.0;

/// A grid city: `side` streets each way, 100 m apart, jittered by up to ±15 m; 10 % of the street
/// segments missing; one playground per 500 nodes.
fn grid(side: usize, rng: &mut StdRng) -> (Vec<WalkWay>, Vec<Facility>) {
    let deg = 100.0 / 111_195.08;
    let k = 47.0f64.to_radians().cos();
    let at = |i: usize, j: usize, rng: &mut StdRng| Coord {
        x: 9.0 + (j as f64 + rng.random_range(-0.15..0.15)) * deg / k,
        y: 47.0 + (i as f64 + rng.random_range(-0.15..0.15)) * deg,
    };
    let coords: Vec<Coord<f64>> = (0..side * side)
        .map(|v| at(v / side, v % side, rng))
        .collect();
    let mut ways = Vec::new();
    let tags = vec![("highway".to_string(), "residential".to_string())];
    for v in 0..side * side {
        let (i, j) = (v / side, v % side);
        for w in [
            (j + 1 < side).then_some(v + 1),
            (i + 1 < side).then_some(v + side),
        ]
        .into_iter()
        .flatten()
        {
            if rng.random_bool(0.9) {
                ways.push(WalkWay {
                    id: ways.len() as i64,
                    nodes: vec![v as i64, w as i64],
                    coords: vec![coords[v], coords[w]],
                    tags: tags.clone(),
                });
            }
        }
    }
    let playgrounds = (0..side * side / 500)
        .map(|n| {
            let v = rng.random_range(0..side * side);
            Facility {
                osm_id: OsmId::Node(n as i64),
                kind: FacilityKind::Playground,
                name: None,
                access: None,
                geometry: geo_types::Geometry::Point(geo_types::Point(coords[v])),
                area_m2: None,
                opening_hours: None,
            }
        })
        .collect();
    (ways, playgrounds)
}

fn write_csv(path: &Path, header: &str, rows: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "{header}")?;
    for r in rows {
        writeln!(w, "{r}")?;
    }
    w.flush()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, input, out) = match args.as_slice() {
        [m, i, o, ..] => (m.as_str(), i.as_str(), Path::new(o)),
        _ => return Err("usage: bench_export pbf|grid INPUT OUT_DIR [N_ORIGINS]".into()),
    };
    let n_origins: usize = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20_000);
    let mut rng = StdRng::seed_from_u64(42);
    let t = Instant::now();
    let (ways, nodes, facilities) = match mode {
        "pbf" => {
            let e = support::load(Path::new(input))?;
            (e.ways, e.nodes, e.playgrounds)
        }
        "grid" => {
            let (w, f) = grid(input.parse()?, &mut rng);
            (w, Vec::new(), f)
        }
        _ => return Err(format!("unknown mode {mode}").into()),
    };
    let load_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let graph = WalkGraph::build(&ways, &nodes, Profile::Default)?;
    let build_s = t.elapsed().as_secs_f64();
    drop(ways);

    // Origins: uniform in the network's bounding box (seeded).
    let (mut lo, mut hi): (Coord<f64>, Coord<f64>) = (
        Coord { x: 180.0, y: 90.0 },
        Coord {
            x: -180.0,
            y: -90.0,
        },
    );
    for v in 0..graph.node_count() as u32 {
        let c = graph.node_coord(v);
        lo = Coord {
            x: lo.x.min(c.x),
            y: lo.y.min(c.y),
        };
        hi = Coord {
            x: hi.x.max(c.x),
            y: hi.y.max(c.y),
        };
    }
    let origins: Vec<Coord<f64>> = (0..n_origins)
        .map(|_| Coord {
            x: rng.random_range(lo.x..hi.x),
            y: rng.random_range(lo.y..hi.y),
        })
        .collect();
    let public: Vec<&Facility> = facilities.iter().filter(|f| f.is_public()).collect();

    let t = Instant::now();
    let targets = Targets::from_facilities(&graph, &public);
    let hits = nearest(&graph, &targets, &origins, MAX_M);
    let query_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let hits_warm = nearest(&graph, &targets, &origins, MAX_M);
    let warm_s = t.elapsed().as_secs_f64();
    assert_eq!(hits, hits_warm);
    let reached = hits.iter().filter(|h| h.is_some()).count();
    let peak = support::peak_rss_mib().unwrap_or(f64::NAN);

    std::fs::create_dir_all(out)?;
    write_csv(
        &out.join("nodes.csv"),
        "x,y",
        (0..graph.node_count() as u32).map(|v| {
            let c = graph.node_coord(v);
            format!("{},{}", c.x, c.y)
        }),
    )?;
    write_csv(
        &out.join("edges.csv"),
        "from,to,weight",
        (0..graph.edge_count() as u32).map(|e| {
            let [a, b] = graph.edge_ends(e);
            format!("{a},{b},{}", graph.edge_length_m(e))
        }),
    )?;
    write_csv(
        &out.join("pois.csv"),
        "x,y",
        public
            .iter()
            .flat_map(|f| access_points(f))
            .map(|c| format!("{},{}", c.x, c.y)),
    )?;
    write_csv(
        &out.join("origins.csv"),
        "x,y",
        origins.iter().map(|c| format!("{},{}", c.x, c.y)),
    )?;
    println!(
        "{{\"nodes\":{},\"edges\":{},\"targets\":{},\"origins\":{},\"reached\":{},\"load_s\":{load_s:.4},\
         \"build_s\":{build_s:.4},\"query_s\":{query_s:.4},\"query_warm_s\":{warm_s:.4},\"peak_rss_mib\":{peak:.1}}}",
        graph.node_count(),
        graph.edge_count(),
        public.len(),
        origins.len(),
        reached
    );
    Ok(())
}
