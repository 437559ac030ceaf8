//! Polygon validation, geo's all-pairs `Validation` against `model::validity`, side by side:
//! `cargo bench -p spielraum-model --bench validity` prints one line per shape.
//!
//! geo's check runs once per shape (it takes seconds), the near-linear one is the best of five.

use std::time::{Duration, Instant};

use geo::Validation;
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use spielraum_model::validity::first_problem;

/// A valid polygon of `n` vertices: a circle with a wavy radius, 0.01° across, at 47° N.
fn wavy_circle(n: usize) -> Geometry<f64> {
    let ring = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 0.01 * (1.0 + 0.1 * (a * 37.0).sin());
            Coord {
                x: 9.5 + r * a.cos(),
                y: 47.1 + r * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString(ring), vec![]).into()
}

/// `n` small triangles in a grid, apart from each other (a valid MultiPolygon).
fn triangles(n: usize) -> Geometry<f64> {
    let side = (n as f64).sqrt().ceil() as usize;
    let parts = (0..n)
        .map(|i| {
            let (x, y) = (
                9.5 + (i % side) as f64 * 1e-4,
                47.1 + (i / side) as f64 * 1e-4,
            );
            Polygon::new(
                LineString::from(vec![(x, y), (x + 5e-5, y), (x, y + 5e-5)]),
                vec![],
            )
        })
        .collect();
    MultiPolygon(parts).into()
}

/// A valid comb of `n` vertices whose teeth are long parallel diagonals: every tooth's bounding
/// box meets every other's, the worst case for bounding boxes.
fn diagonal_comb(n: usize) -> Geometry<f64> {
    let teeth = n / 4;
    let mut ring = Vec::with_capacity(n);
    for t in 0..teeth {
        let x = t as f64 * 1e-5;
        ring.push(Coord { x, y: 0.0 });
        ring.push(Coord {
            x: x + 0.01,
            y: 0.01,
        });
        ring.push(Coord {
            x: x + 0.01 + 5e-6,
            y: 0.01,
        });
        ring.push(Coord {
            x: x + 5e-6,
            y: 0.0,
        });
    }
    let last = ring.last().copied().expect("teeth");
    ring.push(Coord {
        x: last.x,
        y: -0.001,
    });
    ring.push(Coord { x: 0.0, y: -0.001 });
    Polygon::new(LineString(ring), vec![]).into()
}

/// A square with `n` small triangular holes in a grid (valid): every hole is related to the
/// shell, holes only to their neighbours.
fn holes(n: usize) -> Geometry<f64> {
    let side = (n as f64).sqrt().ceil() as usize;
    let extent = side as f64 * 1e-4 + 1e-4;
    let shell = LineString::from(vec![
        (9.5, 47.1),
        (9.5 + extent, 47.1),
        (9.5 + extent, 47.1 + extent),
        (9.5, 47.1 + extent),
    ]);
    let Geometry::MultiPolygon(parts) = triangles(n) else {
        unreachable!("triangles are a MultiPolygon")
    };
    let rings = parts
        .0
        .into_iter()
        .map(|p| {
            let mut ring = p.exterior().clone();
            ring.0.iter_mut().for_each(|c| {
                c.x += 5e-5;
                c.y += 5e-5;
            });
            ring
        })
        .collect();
    Polygon::new(shell, rings).into()
}

/// A wavy circle of `n` vertices with `parts` small triangles around it, inside its bounding box
/// but outside it (valid): every triangle is related to the large part.
fn circle_and_triangles(n: usize, parts: usize) -> Geometry<f64> {
    let Geometry::Polygon(circle) = wavy_circle(n) else {
        unreachable!("a circle is a Polygon")
    };
    let mut all = vec![circle];
    for i in 0..parts {
        let a = i as f64 / parts as f64 * std::f64::consts::TAU;
        let (x, y) = (9.5 + 0.0135 * a.cos(), 47.1 + 0.0135 * a.sin());
        all.push(Polygon::new(
            LineString::from(vec![(x, y), (x + 1e-5, y), (x, y + 1e-5)]),
            vec![],
        ));
    }
    MultiPolygon(all).into()
}

fn time(f: impl Fn() -> bool, runs: usize) -> (Duration, bool) {
    let mut best = Duration::MAX;
    let mut valid = false;
    for _ in 0..runs {
        let start = Instant::now();
        valid = f();
        best = best.min(start.elapsed());
    }
    (best, valid)
}

fn main() {
    let only_new = std::env::args().any(|a| a == "--only-new");
    let shapes = [
        ("polygon, 4,000 vertices", wavy_circle(4_000)),
        ("polygon, 8,000 vertices", wavy_circle(8_000)),
        ("polygon, 16,000 vertices", wavy_circle(16_000)),
        ("polygon, 32,000 vertices", wavy_circle(32_000)),
        ("8,000 triangles", triangles(8_000)),
        ("4,000 holes in a square", holes(4_000)),
        (
            "circle 8,000 + 3,000 triangles",
            circle_and_triangles(8_000, 3_000),
        ),
        ("diagonal comb, 20,000 vertices", diagonal_comb(20_000)),
    ];
    println!("{:<32} {:>12} {:>12}  valid", "shape", "geo", "near-linear");
    for (name, g) in &shapes {
        let (new, valid_new) = time(|| first_problem(g).is_none(), 5);
        let old = if only_new {
            "-".to_string()
        } else {
            let (old, valid_old) = time(|| g.validation_errors().is_empty(), 1);
            assert_eq!(valid_old, valid_new, "{name}: the verdicts differ");
            format!("{:.3} s", old.as_secs_f64())
        };
        println!(
            "{name:<32} {old:>12} {:>10.2} ms  {valid_new}",
            new.as_secs_f64() * 1e3
        );
    }
}
