//! Times making glyph ranges: `cargo run --release -p spielraum-fonts --example glyph_timing`.
//! The numbers go to docs/benchmarks.md.

use std::time::Instant;

fn main() {
    for name in [spielraum_fonts::REGULAR_STACK, spielraum_fonts::BOLD_STACK] {
        for start in [0, 256, 1024] {
            let t = Instant::now();
            let bytes = spielraum_fonts::glyph_range(name, start).expect("a range");
            println!(
                "{name} {start}-{}: {:.1} ms, {} bytes",
                start + 255,
                t.elapsed().as_secs_f64() * 1000.0,
                bytes.len()
            );
        }
        let t = Instant::now();
        let starts = spielraum_fonts::covered_ranges(name).expect("coverage");
        let total: usize = starts
            .iter()
            .map(|s| {
                spielraum_fonts::glyph_range(name, *s)
                    .expect("a range")
                    .len()
            })
            .sum();
        println!(
            "{name}: all {} covered ranges in {:.0} ms, {total} bytes",
            starts.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
