//! The integration tests of the walking network, one test binary (modules below, one per file);
//! ASCII maps and the brute-force reference in `common/`.

mod access_rules;
mod ascii_maps;
mod brute_force;
mod common;
mod cut;
mod isochrone;
