//! Scenario edits as the API writes them: `{"op": "add" | "remove" | "set_access" | "enlarge" |
//! "play_street" | "open_after_hours", …}` with GeoJSON geometry, read into
//! [`model::scenario::Edit`] (validated) and written back.
//!
//! Malformed JSON (missing field, wrong type) is a [`EditJsonError::status`] 400; a well-formed
//! edit that makes no sense (unknown kind, invalid geometry, negative area) is 422.

use axum::http::StatusCode;
use model::scenario::{Access, Edit, PlannedFacility, PlayStreet, ScenarioError};
use model::time::{Dates, TimeError, parse_date};
use model::{FacilityKind, ModelError, OsmId, WalkWay};
use serde_json::{Map, Value as Json, json};

/// Why a JSON edit cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EditJsonError {
    /// The edit is not a JSON object.
    #[error(
        "an edit is a JSON object with \"op\" (add, remove, set_access, enlarge, play_street, open_after_hours), got {0}"
    )]
    NotAnObject(String),
    /// A required field is missing.
    #[error("edit \"{op}\" needs the field \"{field}\"")]
    Missing {
        /// The edit's op.
        op: String,
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field \"{field}\" must be {expected}, got {got}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it was.
        got: String,
    },
    /// An op that does not exist.
    #[error(
        "unknown op '{0}' (expected one of: add, remove, set_access, enlarge, play_street, open_after_hours)"
    )]
    UnknownOp(String),
    /// An unknown kind or a bad OSM id.
    #[error("{0}")]
    Model(#[from] ModelError),
    /// A geometry that is not GeoJSON.
    #[error("field \"geometry\" is not a GeoJSON geometry: {0}")]
    Geometry(String),
    /// A well-formed edit that cannot be applied (invalid geometry, negative area, unknown access
    /// or facility).
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A date that is not `YYYY-MM-DD`.
    #[error("field \"{field}\": {source}")]
    Date {
        /// The field (`from`, `to`).
        field: &'static str,
        /// What is wrong.
        source: TimeError,
    },
}

impl EditJsonError {
    /// The HTTP status this error answers: 400 for malformed JSON, 422 for an edit that
    /// cannot be applied.
    pub fn status(&self) -> StatusCode {
        match self {
            EditJsonError::NotAnObject(_)
            | EditJsonError::Missing { .. }
            | EditJsonError::WrongType { .. } => StatusCode::BAD_REQUEST,
            EditJsonError::UnknownOp(_)
            | EditJsonError::Model(_)
            | EditJsonError::Geometry(_)
            | EditJsonError::Scenario(_)
            | EditJsonError::Date { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

struct Fields<'a> {
    op: &'a str,
    map: &'a Map<String, Json>,
}

impl Fields<'_> {
    fn get(&self, field: &'static str) -> Option<&Json> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn required(&self, field: &'static str) -> Result<&Json, EditJsonError> {
        self.get(field).ok_or_else(|| EditJsonError::Missing {
            op: self.op.to_string(),
            field,
        })
    }

    fn str_of(field: &'static str, v: &Json) -> Result<String, EditJsonError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| EditJsonError::WrongType {
                field,
                expected: "a string",
                got: short(v),
            })
    }

    fn string(&self, field: &'static str) -> Result<String, EditJsonError> {
        Self::str_of(field, self.required(field)?)
    }

    fn opt_string(&self, field: &'static str) -> Result<Option<String>, EditJsonError> {
        self.get(field).map(|v| Self::str_of(field, v)).transpose()
    }

    fn num_of(field: &'static str, v: &Json) -> Result<f64, EditJsonError> {
        v.as_f64().ok_or_else(|| EditJsonError::WrongType {
            field,
            expected: "a number",
            got: short(v),
        })
    }

    fn number(&self, field: &'static str) -> Result<f64, EditJsonError> {
        Self::num_of(field, self.required(field)?)
    }

    fn opt_number(&self, field: &'static str) -> Result<Option<f64>, EditJsonError> {
        self.get(field).map(|v| Self::num_of(field, v)).transpose()
    }

    fn osm_id(&self) -> Result<OsmId, EditJsonError> {
        Ok(self.string("osm_id")?.parse()?)
    }

    fn dates(&self) -> Result<Dates, EditJsonError> {
        let date = |field: &'static str| -> Result<_, EditJsonError> {
            self.opt_string(field)?
                .map(|d| parse_date(&d).map_err(|source| EditJsonError::Date { field, source }))
                .transpose()
        };
        Ok(Dates {
            from: date("from")?,
            to: date("to")?,
        })
    }

    /// `ways`: a list of way ids, `"w123"` or `123`.
    fn ways(&self) -> Result<Vec<i64>, EditJsonError> {
        let Some(v) = self.get("ways") else {
            return Ok(Vec::new());
        };
        let wrong = || EditJsonError::WrongType {
            field: "ways",
            expected: "a list of way ids (\"w123\")",
            got: short(v),
        };
        let list = v.as_array().ok_or_else(wrong)?;
        list.iter()
            .map(|w| match w {
                Json::Number(n) => n.as_i64().ok_or_else(wrong),
                Json::String(s) => match s.parse::<OsmId>() {
                    Ok(OsmId::Way(id)) => Ok(id),
                    _ => Err(wrong()),
                },
                _ => Err(wrong()),
            })
            .collect()
    }

    fn access(&self) -> Result<Option<Access>, EditJsonError> {
        Ok(self
            .opt_string("access")?
            .map(|a| a.parse::<Access>())
            .transpose()?)
    }
}

/// Reads a GeoJSON geometry (or a Feature's geometry) into WGS84 `geo_types`.
fn geometry(v: &Json) -> Result<geo_types::Geometry<f64>, EditJsonError> {
    let v = match v.get("type").and_then(Json::as_str) {
        Some("Feature") => v.get("geometry").unwrap_or(&Json::Null),
        _ => v,
    };
    let g: geojson::Geometry =
        serde_json::from_value(v.clone()).map_err(|e| EditJsonError::Geometry(e.to_string()))?;
    if !positions_complete(&g.value) {
        return Err(EditJsonError::Geometry(
            "a position has fewer than two coordinates".into(),
        ));
    }
    geo_types::Geometry::<f64>::try_from(&g.value)
        .map_err(|e| EditJsonError::Geometry(e.to_string()))
}

/// Whether every position of `value` has at least two numbers (the conversion to `geo`
/// indexes the first two and panics on shorter ones).
fn positions_complete(value: &geojson::GeometryValue) -> bool {
    use geojson::GeometryValue as V;
    let ok = |p: &geojson::Position| p.len() >= 2;
    match value {
        V::Point { coordinates } => ok(coordinates),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => coordinates.iter().all(ok),
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            coordinates.iter().flatten().all(ok)
        }
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().flatten().all(ok),
        V::GeometryCollection { geometries } => {
            geometries.iter().all(|g| positions_complete(&g.value))
        }
    }
}

/// Reads one edit and checks it on its own ([`Edit::validate`]: geometry, area, hours). Whether
/// the facility it names exists is checked when the edits are applied; a play street's ways must
/// be among `ways` (the city's walking network), which give its line and width when the edit
/// has none.
pub fn edit_from_json(v: &Json, ways: &[WalkWay]) -> Result<Edit, EditJsonError> {
    let map = v
        .as_object()
        .ok_or_else(|| EditJsonError::NotAnObject(short(v)))?;
    let op_value = map.get("op").ok_or_else(|| EditJsonError::Missing {
        op: "?".into(),
        field: "op",
    })?;
    let op = op_value.as_str().ok_or_else(|| EditJsonError::WrongType {
        field: "op",
        expected: "a string",
        got: short(op_value),
    })?;
    let f = Fields { op, map };
    let edit = match op {
        "add" => {
            let kind: FacilityKind = f.string("kind")?.parse()?;
            Edit::Add(PlannedFacility {
                kind,
                name: f.opt_string("name")?.filter(|n| !n.trim().is_empty()),
                geometry: geometry(f.required("geometry")?)?,
                area_m2: f.opt_number("area_m2")?,
                access: f.access()?.unwrap_or(Access::Public),
            })
        }
        "remove" => Edit::Remove {
            osm_id: f.osm_id()?,
        },
        "set_access" => Edit::SetAccess {
            osm_id: f.osm_id()?,
            access: f.access()?.ok_or(EditJsonError::Missing {
                op: op.into(),
                field: "access",
            })?,
        },
        "enlarge" => Edit::Enlarge {
            osm_id: f.osm_id()?,
            area_m2: f.number("area_m2")?,
        },
        "play_street" => {
            let mut ids = f.ways()?;
            // A drawn line without ways: the streets it follows (their barrier lifts with it).
            if ids.is_empty()
                && let Some(g) = f.get("geometry")
            {
                ids = model::scenario::ways_along(
                    ways,
                    &geometry(g)?,
                    model::scenario::DRAWN_STREET_TOLERANCE_M,
                );
            }
            let width = f.opt_number("width_m")?;
            let (geometry, width_m) = match f.get("geometry") {
                Some(g) => {
                    for id in &ids {
                        if !ways.iter().any(|w| w.id == *id) {
                            return Err(ScenarioError::UnknownWay(*id).into());
                        }
                    }
                    let width = match width {
                        Some(w) => w,
                        None if ids.is_empty() => model::scenario::DEFAULT_PLAY_STREET_WIDTH_M,
                        None => model::scenario::play_street_on_ways(ways, &ids, None)?.1,
                    };
                    (geometry(g)?, width)
                }
                None => model::scenario::play_street_on_ways(ways, &ids, width)?,
            };
            Edit::PlayStreet(PlayStreet {
                name: f.opt_string("name")?.filter(|n| !n.trim().is_empty()),
                ways: ids,
                geometry,
                width_m,
                hours: f.string("hours")?,
                dates: f.dates()?,
            })
        }
        "open_after_hours" => Edit::OpenAfterHours {
            osm_id: f.osm_id()?,
            hours: f.string("hours")?,
            dates: f.dates()?,
        },
        other => return Err(EditJsonError::UnknownOp(other.to_string())),
    };
    edit.validate()?;
    Ok(edit)
}

/// Reads a list of edits (`[edit, …]` or `{"edits": [edit, …]}`); the error names the
/// position (counted from 1) of the first bad edit.
pub fn edits_from_json(v: &Json, ways: &[WalkWay]) -> Result<Vec<Edit>, (usize, EditJsonError)> {
    let list = match v {
        Json::Array(list) => list,
        Json::Object(m) => match m.get("edits") {
            Some(Json::Array(list)) => list,
            _ => {
                return Err((
                    0,
                    EditJsonError::Missing {
                        op: "compare".into(),
                        field: "edits",
                    },
                ));
            }
        },
        other => return Err((0, EditJsonError::NotAnObject(short(other)))),
    };
    list.iter()
        .enumerate()
        .map(|(i, e)| edit_from_json(e, ways).map_err(|err| (i + 1, err)))
        .collect()
}

/// One edit as the API writes it (the inverse of [`edit_from_json`]).
pub fn edit_to_json(edit: &Edit) -> Json {
    match edit {
        Edit::Add(p) => json!({
            "op": "add",
            "kind": p.kind.as_str(),
            "name": p.name,
            "area_m2": p.area_m2,
            "access": p.access.as_str(),
            "geometry": geojson::Geometry::from(geojson::GeometryValue::from(&p.geometry)),
        }),
        Edit::Remove { osm_id } => json!({ "op": "remove", "osm_id": osm_id.to_string() }),
        Edit::SetAccess { osm_id, access } => {
            json!({ "op": "set_access", "osm_id": osm_id.to_string(), "access": access.as_str() })
        }
        Edit::Enlarge { osm_id, area_m2 } => {
            json!({ "op": "enlarge", "osm_id": osm_id.to_string(), "area_m2": area_m2 })
        }
        Edit::PlayStreet(p) => json!({
            "op": "play_street",
            "name": p.name,
            "ways": p.ways.iter().map(|w| format!("w{w}")).collect::<Vec<_>>(),
            "width_m": p.width_m,
            "hours": p.hours,
            "from": p.dates.from.map(|d| d.to_string()),
            "to": p.dates.to.map(|d| d.to_string()),
            "geometry": geojson::Geometry::from(geojson::GeometryValue::from(&p.geometry)),
        }),
        Edit::OpenAfterHours {
            osm_id,
            hours,
            dates,
        } => json!({
            "op": "open_after_hours",
            "osm_id": osm_id.to_string(),
            "hours": hours,
            "from": dates.from.map(|d| d.to_string()),
            "to": dates.to.map(|d| d.to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_round_trips() {
        let edits = [
            json!({"op": "add", "kind": "playground", "name": "Neu", "area_m2": 400.0, "access": "public",
                   "geometry": {"type": "Point", "coordinates": [9.52, 47.14]}}),
            json!({"op": "add", "kind": "open_space", "name": null, "area_m2": null, "access": "restricted",
                   "geometry": {"type": "Polygon", "coordinates": [[[9.5, 47.0], [9.501, 47.0], [9.501, 47.001], [9.5, 47.0]]]}}),
            json!({"op": "remove", "osm_id": "w12"}),
            json!({"op": "set_access", "osm_id": "n7", "access": "private"}),
            json!({"op": "enlarge", "osm_id": "r3", "area_m2": 1500.0}),
            json!({"op": "play_street", "name": "Sommerstraße", "ways": [], "width_m": 7.5,
                   "hours": "Sa 14:00-18:00", "from": "2027-07-01", "to": "2027-08-31",
                   "geometry": {"type": "LineString", "coordinates": [[9.5, 47.0], [9.501, 47.0]]}}),
            json!({"op": "open_after_hours", "osm_id": "w5", "hours": "Mo-Fr 15:00-19:00",
                   "from": null, "to": null}),
        ];
        for e in edits {
            let edit = edit_from_json(&e, &[]).unwrap();
            assert_eq!(edit_to_json(&edit), e);
        }
    }

    #[test]
    fn defaults_and_feature_geometry() {
        let e = json!({"op": "add", "kind": "playground",
            "geometry": {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [9.5, 47.1]}}});
        let Edit::Add(p) = edit_from_json(&e, &[]).unwrap() else {
            panic!("not an add")
        };
        assert_eq!(p.access, Access::Public);
        assert_eq!(p.area_m2, None);
        assert_eq!(p.geometry, geo_types::Point::new(9.5, 47.1).into());
    }

    #[test]
    fn bad_edits_name_what_is_wrong() {
        let cases = [
            (json!(3), 400, "JSON object"),
            (json!({"kind": "playground"}), 400, "\"op\""),
            (json!({"op": "remove"}), 400, "osm_id"),
            (
                json!({"op": "enlarge", "osm_id": "w1", "area_m2": "big"}),
                400,
                "a number",
            ),
            (
                json!({"op": "build", "osm_id": "w1"}),
                422,
                "unknown op 'build'",
            ),
            (
                json!({"op": "remove", "osm_id": "x1"}),
                422,
                "invalid OSM id 'x1'",
            ),
            (
                json!({"op": "add", "kind": "castle", "geometry": {"type": "Point", "coordinates": [9.5, 47.1]}}),
                422,
                "unknown facility kind 'castle'",
            ),
            (
                json!({"op": "add", "kind": "playground", "geometry": {"type": "Point", "coordinates": [9.5]}}),
                422,
                "GeoJSON",
            ),
            (
                json!({"op": "add", "kind": "playground", "geometry": {"type": "Point", "coordinates": [290.0, 47.1]}}),
                422,
                "invalid geometry",
            ),
            (
                json!({"op": "add", "kind": "playground", "geometry": {"type": "LineString", "coordinates": [[9.5, 47.1], [9.6, 47.1]]}}),
                422,
                "invalid geometry",
            ),
            (
                json!({"op": "add", "kind": "playground", "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]}}),
                422,
                "invalid geometry",
            ),
            (
                json!({"op": "add", "kind": "playground", "area_m2": -5, "geometry": {"type": "Point", "coordinates": [9.5, 47.1]}}),
                422,
                "invalid area -5",
            ),
            (
                json!({"op": "enlarge", "osm_id": "w1", "area_m2": -1}),
                422,
                "invalid area",
            ),
            (
                json!({"op": "set_access", "osm_id": "w1", "access": "sometimes"}),
                422,
                "unknown access 'sometimes'",
            ),
        ];
        for (e, status, text) in cases {
            let err = edit_from_json(&e, &[]).unwrap_err();
            assert_eq!(err.status().as_u16(), status, "{e}: {err}");
            assert!(err.to_string().contains(text), "{e}: {err}");
        }
    }

    #[test]
    fn lists_name_the_bad_position() {
        let ok = json!({"op": "remove", "osm_id": "w1"});
        assert_eq!(edits_from_json(&json!([ok, ok]), &[]).unwrap().len(), 2);
        assert_eq!(
            edits_from_json(&json!({"edits": [ok]}), &[]).unwrap().len(),
            1
        );
        let (pos, _) = edits_from_json(&json!([ok, {"op": "remove"}]), &[]).unwrap_err();
        assert_eq!(pos, 2);
    }
}
