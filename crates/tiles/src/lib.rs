//! Spielraum's vector tiles: Web Mercator tile math, Mapbox Vector Tile 2.1 encoding,
//! per-zoom clipping and simplification, the tile cache and the PMTiles export: the engine,
//! not the map (which layers a city has and how they look live in the `map` crate).
//!
//! The flow: [`source::SourceLayer`]s (built by the map crate) go into a [`source::TileSet`],
//! which indexes them (one R-tree per layer) and renders any tile to MVT
//! bytes, and [`cache::TileCache`] keeps encoded (and gzipped) tiles in memory;
//! [`export::write_pmtiles`] writes every tile of a zoom range into one PMTiles archive.

pub mod cache;
pub mod clip;
pub mod export;
pub mod mercator;
pub mod mvt;
pub mod source;

pub use cache::{CachedTile, TileCache, TileStore};
pub use mercator::TileId;
pub use mvt::Value;
pub use source::{LayerSchema, SourceFeature, SourceLayer, TileSet};

/// Errors of tile addressing and rendering.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    /// A zoom level above [`mercator::MAX_ZOOM`].
    #[error("zoom {z} is out of range (0..={max})", max = mercator::MAX_ZOOM)]
    ZoomOutOfRange {
        /// The zoom asked for.
        z: u8,
    },
    /// A column or row outside the zoom level's grid.
    #[error("tile {z}/{x}/{y} does not exist (x and y must be below {n})", n = 1u64 << z)]
    TileOutOfRange {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
}
