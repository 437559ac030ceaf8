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
    // No abort-on-panic hook: a panic that the library catches and turns into an error (the
    // PBF decoder's, see `ingest::osm`) is not a crash; one that escapes still aborts.
    afl::fuzz_nohook!(|data: &[u8]| {
        target(data);
    });
}
