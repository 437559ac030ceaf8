//! Nearest playground for every origin of a CSV, on a graph built from a PBF with the crate's rules.
//!
//! `cargo run --release -p spielraum-network --example nearest_csv -- EXTRACT.pbf ORIGINS.csv OUT.csv [child-safe]`
//! (used by bench/compare_networkx.py; distances written with millimetre precision).

#[path = "support/mod.rs"]
mod support;

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use spielraum_network::{Profile, Targets, WalkGraph, nearest};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let (pbf, origins, out, profile) = match args.as_slice() {
        [p, o, w] => (p, o, w, Profile::Default),
        [p, o, w, c] if c.as_os_str() == "child-safe" => (p, o, w, Profile::ChildSafe),
        _ => return Err("usage: nearest_csv EXTRACT.pbf ORIGINS.csv OUT.csv [child-safe]".into()),
    };
    let t = Instant::now();
    let extract = support::load(pbf)?;
    let graph = WalkGraph::build(&extract.ways, &extract.nodes, profile)?;
    let public: Vec<&model::Facility> = extract
        .playgrounds
        .iter()
        .filter(|f| f.is_public())
        .collect();
    let targets = Targets::from_facilities(&graph, &public);
    let origins = support::read_origins(origins)?;
    let points: Vec<_> = origins.iter().map(|(_, c)| *c).collect();
    let hits = nearest(&graph, &targets, &points, f64::INFINITY);
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "id,distance_m,facility_id")?;
    for ((id, _), hit) in origins.iter().zip(&hits) {
        match hit {
            Some(h) => writeln!(w, "{id},{:.3},{}", h.distance_m, public[h.target].osm_id)?,
            None => writeln!(w, "{id},,")?,
        }
    }
    eprintln!(
        "graph: {} nodes, {} edges, {:.1} km; {} playgrounds ({} public); {} origins; {:.2} s",
        graph.node_count(),
        graph.edge_count(),
        graph.total_length_m() / 1000.0,
        extract.playgrounds.len(),
        public.len(),
        origins.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
