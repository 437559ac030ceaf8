//! Ingest for Spielraum.
//!
//! (Being built: see the crate description.)
pub mod boundaries;
pub mod candidates;
pub mod osm;
pub mod population;
