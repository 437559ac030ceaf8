//! The integration tests of the readers, one test binary (modules below, one per file);
//! small input files in `data/`.

mod conflate;
mod fuzz_found;
mod population;
mod population_demo;
mod register;
mod social;
mod vector;
