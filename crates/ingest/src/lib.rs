//! Ingest for Spielraum.
//!
//! (Being built: see the crate description.)
pub mod population;
pub mod boundaries;
pub mod osm;
