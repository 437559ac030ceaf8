//! Ingest for Spielraum.
//!
//! (Being built: see the crate description.)
