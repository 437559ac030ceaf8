//! The AFL++ harness: `spielraum-fuzz-afl TARGET` reads inputs from AFL++ (persistent mode)
//! and feeds them to the named target of `spielraum_fuzz::TARGETS`; `bench/fuzz.sh` runs it.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = spielraum_fuzz::target(&name) else {
        let names: Vec<&str> = spielraum_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "usage: spielraum-fuzz-afl TARGET  (one of: {})",
            names.join(", ")
        );
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
}
