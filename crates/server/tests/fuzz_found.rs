//! Edit JSON found by fuzzing (`bench/fuzz.sh`) that once crashed the reader: each must be
//! refused with an error (a 400 answer), never a panic.

use serde_json::json;
use spielraum_server::edit_json::{EditJsonError, edit_from_json, edits_from_json};

/// A GeoJSON position needs two numbers (RFC 7946, 3.1.1); one with a single number made the
/// conversion to `geo` index past its end.
#[test]
fn a_position_with_one_number_is_refused() {
    let point = json!({"op": "add", "kind": "playground",
        "geometry": {"type": "Point", "coordinates": [9.5]}});
    assert!(matches!(
        edit_from_json(&point, &[]),
        Err(EditJsonError::Geometry(_))
    ));
    let polygon = json!([{"op": "remove", "osm_id": "w1"}, {"op": "add", "kind": "playground",
        "geometry": {"type": "Feature", "geometry": {"type": "Polygon",
            "coordinates": [[[9.50, 47.10], [1], [9.50, 47.11], [9.50, 47.10]]]}}}]);
    let (position, e) = edits_from_json(&polygon, &[]).unwrap_err();
    assert_eq!(position, 2);
    assert!(
        matches!(&e, EditJsonError::Geometry(m) if m.contains("fewer than two coordinates")),
        "{e:?}"
    );
}
