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
mod reverse;
mod snap;
mod targets;

pub use graph::{DroppedVertex, NetworkError, Profile, VertexKey, WalkGraph, is_walkable};
pub use isochrone::{IsochroneOptions, isochrone, isochrone_with, reached_lines};
pub use query::{Entry as HeapEntry, Hit, k_nearest, nearest, node_field, within};
pub use reverse::{Origins, ReverseSearch};
pub use snap::{MAX_SNAP_DETOUR_M, Snap};
pub use targets::{OUTLINE_SPACING_M, Targets, access_points, area_of, facility_point};

/// Default walking speed of an adult in km/h.
pub const DEFAULT_WALKING_SPEED_KMH: f64 = 4.5;

/// Metres walked in `minutes` at `speed_kmh`.
///
/// # Examples
/// ```
/// use spielraum_network::{DEFAULT_WALKING_SPEED_KMH, minutes_to_metres};
///
/// // 4.5 km/h is 75 m a minute.
/// assert_eq!(minutes_to_metres(10.0, DEFAULT_WALKING_SPEED_KMH), 750.0);
/// assert_eq!(minutes_to_metres(3.0, 6.0), 300.0);
/// ```
pub fn minutes_to_metres(minutes: f64, speed_kmh: f64) -> f64 {
    minutes * speed_kmh * 1000.0 / 60.0
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
