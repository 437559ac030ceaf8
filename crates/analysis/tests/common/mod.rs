//! Helpers shared by the integration tests: the demo city and random small towns
//! (`grid.rs` is for the benchmarks only).

pub mod compare;
pub mod demo;
pub mod town;
