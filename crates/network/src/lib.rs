//! Walking reachability for Spielraum: the walking graph, snapping, bounded Dijkstra and isochrones.
//!
//! The rules are those of `docs/domain.md` ("Walking network"); see the crate README for the model.
//!
//! Distances: origin → straight line to the nearest point of the nearest edge segment (counts) →
//! along the network (great-circle lengths) → the target access point's snap point → straight line
//! to the target point. Nearest points on segments are found in a local equirectangular projection
//! around the query point (exact to well below a centimetre at city scales); every length itself is
//! a great-circle length on the WGS84 mean sphere.

mod graph;
mod isochrone;
mod query;
mod snap;
mod targets;

pub use graph::{Profile, WalkGraph, is_walkable};
pub use isochrone::{IsochroneOptions, isochrone, isochrone_with, reached_lines};
pub use query::{Entry as HeapEntry, Hit, k_nearest, nearest, within};
pub use snap::{MAX_SNAP_DETOUR_M, Snap};
pub use targets::{OUTLINE_SPACING_M, Targets, access_points, facility_point};

/// Default walking speed of an adult in km/h.
pub const DEFAULT_WALKING_SPEED_KMH: f64 = 4.5;

/// Metres walked in `minutes` at `speed_kmh`.
pub fn minutes_to_metres(minutes: f64, speed_kmh: f64) -> f64 {
    minutes * speed_kmh * 1000.0 / 60.0
}

/// Errors in building the walking graph.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NetworkError {
    /// A way whose node list and coordinate list differ in length.
    #[error("way {way}: {nodes} node ids but {coords} coordinates")]
    WayLengthMismatch {
        /// OSM way id.
        way: i64,
        /// Number of node ids.
        nodes: usize,
        /// Number of coordinates.
        coords: usize,
    },
    /// A way with a coordinate that is not a valid lon/lat.
    #[error("way {way}: node {node} has an invalid coordinate ({lon}, {lat})")]
    InvalidCoordinate {
        /// OSM way id.
        way: i64,
        /// OSM node id.
        node: i64,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// `WalkGraph::from_edges`: an edge names a node that is not in the coordinate list.
    #[error("edge {edge} names node {node}, but there are only {nodes} nodes")]
    EdgeNodeOutOfRange {
        /// Index of the edge in the edge list.
        edge: usize,
        /// The node id it names.
        node: u32,
        /// Number of coordinates given.
        nodes: usize,
    },
    /// `WalkGraph::from_edges`: a node coordinate that is not a valid lon/lat.
    #[error("node {node} has an invalid coordinate ({lon}, {lat})")]
    InvalidNodeCoordinate {
        /// Index of the node in the coordinate list.
        node: usize,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// `WalkGraph::from_edges`: more nodes than `u32` ids can number.
    #[error("{nodes} nodes: more than u32 ids can number")]
    TooManyNodes {
        /// Number of coordinates given.
        nodes: usize,
    },
    /// No walkable way at all: nothing to build a graph from.
    #[error(
        "no walkable ways: the walking network is empty (was the extract imported with its roads?)"
    )]
    Empty,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_minutes_at_default_speed() {
        // 4.5 km/h = 75 m per minute, so 15 minutes = 1125 m.
        assert!((minutes_to_metres(15.0, DEFAULT_WALKING_SPEED_KMH) - 1125.0).abs() < 1e-9);
    }
}
