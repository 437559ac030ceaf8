//! `/openapi.json`: the OpenAPI 3 description of the HTTP interface, written by hand and
//! checked by the tests against the router (every route listed, every listed route answers).
//!
//! [`ROUTES`] is the single list of public paths.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Every public path of the server, in OpenAPI spelling.
pub const ROUTES: [&str; 19] = [
    "/",
    "/embed",
    "/health",
    "/api/neighbourhoods",
    "/api/neighbourhoods.csv",
    "/api/neighbourhoods.xlsx",
    "/api/report.pdf",
    "/api/facilities",
    "/api/reach",
    "/api/scenarios",
    "/api/scenarios/{id}",
    "/api/scenarios/{id}/edits",
    "/api/scenarios/{id}/edits/{position}",
    "/api/scenarios/{id}/compare",
    "/api/compare",
    "/api/suggest",
    "/tiles/{z}/{x}/{y}.mvt",
    "/style.json",
    "/openapi.json",
];

fn err() -> Value {
    json!({ "description": "Bad parameters", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn q(name: &str, required: bool, ty: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": { "type": ty }, "description": desc })
}

fn p(name: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer", "minimum": 0 }, "description": desc })
}

fn json_body(desc: &str, schema: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn error(desc: &str) -> Value {
    json_body(desc, "Error")
}

/// `?neighbourhoods=changed|all` of the comparison routes.
fn rows_param() -> Value {
    q(
        "neighbourhoods",
        false,
        "string",
        "changed (default): only the neighbourhoods whose indicators changed; all: every neighbourhood",
    )
}

/// `?cells=M` of the comparison routes.
fn cells_param() -> Value {
    q(
        "cells",
        false,
        "number",
        "Side in metres (10–1000, e.g. 100) of the squares of a metric grid: adds `cells`, a FeatureCollection of the squares holding children who gained or lost service (gained_/lost_<band>, gained_/lost_total)",
    )
}

/// `?gaps=1` of the comparison routes.
fn gaps_param() -> Value {
    q(
        "gaps",
        false,
        "integer",
        "1: adds `gap_areas`, a FeatureCollection of the gap areas after the edits (the properties of the gap_areas layer)",
    )
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "Scenario id (a number) or name" })
}

/// The answers every changing scenario route can give besides success.
fn edit_errors(extra: &[(&str, &str)]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert(
        "400".into(),
        error("Malformed request (not JSON, a field missing or of the wrong type)"),
    );
    m.insert(
        "401".into(),
        error("No 'Authorization: Bearer TOKEN' header"),
    );
    m.insert(
        "403".into(),
        error("Wrong token, editing disabled on this server, or a read-only GeoPackage"),
    );
    for (code, desc) in extra {
        m.insert((*code).into(), error(desc));
    }
    m
}

fn with(mut m: serde_json::Map<String, Value>, code: &str, v: Value) -> Value {
    m.insert(code.into(), v);
    Value::Object(m)
}

/// The OpenAPI paths of the scenario and suggestion routes.
fn scenario_paths() -> Value {
    let bearer = json!([{ "editToken": [] }]);
    let body = |schema: &str| json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    json!({
        "/api/scenarios": {
            "get": { "summary": "Stored scenarios (public)", "responses": { "200": json_body("{\"scenarios\": [ScenarioInfo], \"editing\": bool (whether this server accepts edits)}", "ScenarioList") } },
            "post": { "summary": "Create an empty scenario", "security": bearer, "requestBody": body("ScenarioFields"),
                "responses": with(edit_errors(&[("409", "A scenario of that name exists"), ("422", "Invalid name")]), "201", json_body("The scenario with its (no) edits", "Scenario")) }
        },
        "/api/scenarios/{id}": {
            "parameters": [id_param()],
            "get": { "summary": "A scenario with its edits (public)", "responses": { "200": json_body("Scenario", "Scenario"), "404": error("No such scenario") } },
            "patch": { "summary": "Rename / describe", "security": bearer, "requestBody": body("ScenarioFields"),
                "responses": with(edit_errors(&[("404", "No such scenario"), ("409", "Name taken"), ("422", "Invalid name")]), "200", json_body("Scenario", "Scenario")) },
            "delete": { "summary": "Delete a scenario and its edits", "security": bearer,
                "responses": with(edit_errors(&[("404", "No such scenario")]), "200", json_body("{\"deleted\": ScenarioInfo}", "Deleted")) }
        },
        "/api/scenarios/{id}/edits": {
            "parameters": [id_param()],
            "post": { "summary": "Append one edit; answers the new comparison at once", "security": bearer, "requestBody": body("Edit"),
                "responses": with(edit_errors(&[("404", "No such scenario"), ("422", "Unknown kind/access/op, invalid geometry, negative area, unknown facility")]), "201", json_body("{\"scenario\": Scenario, \"comparison\": Comparison}", "Changed")) }
        },
        "/api/scenarios/{id}/edits/{position}": {
            "parameters": [id_param(), { "name": "position", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 0 }, "description": "The edit's position, from 0" }],
            "delete": { "summary": "Remove one edit (later ones move up); answers the new comparison", "security": bearer,
                "responses": with(edit_errors(&[("404", "No such scenario or edit")]), "200", json_body("{\"scenario\": Scenario, \"comparison\": Comparison}", "Changed")) }
        },
        "/api/scenarios/{id}/compare": {
            "parameters": [id_param(), rows_param(), cells_param(), gaps_param()],
            "get": { "summary": "Before/after of every indicator per neighbourhood under the stored scenario (public)",
                "responses": { "200": json_body("Comparison", "Comparison"), "400": error("Unknown `neighbourhoods` value"), "404": error("No such scenario"), "422": error("An edit no longer applies") } }
        },
        "/api/compare": {
            "post": { "summary": "Before/after under unsaved edits: the instant answer while drawing (public, changes nothing)",
                "parameters": [rows_param(), cells_param(), gaps_param()],
                "requestBody": body("EditList"),
                "responses": { "200": json_body("Comparison", "Comparison"), "400": error("Malformed"), "413": error("Too many edits"),
                    "422": error("An edit is invalid (the message says which, counted from 1)") } }
        },
        "/api/suggest": {
            "get": { "summary": "Candidate sites where a new facility serves the most children unserved today (greedy maximal covering)",
                "parameters": [
                    q("kind", false, "string", "Kind of the new facility (default playground)"),
                    q("count", false, "integer", &format!("How many sites, 1..={} (default {})", crate::scenario::MAX_SUGGESTIONS, crate::scenario::DEFAULT_SUGGESTIONS)),
                    q("area_m2", false, "number", "Net area assumed for the new facility (default: the site's, capped)"),
                    q("lang", false, "string", "Language of the sites' labels and the edits' names: de (default) or en")
                ],
                "responses": { "200": json_body("{\"suggestions\": [{rank, site_id, source, name, label, lon, lat, area_m2, gained: {total, age_0_5, …}, gained_alone: {…}, neighbourhood: {id, name} | null, edit: {op: add, kind, name, area_m2, access, geometry}, geometry}]}; edit is exactly the facility evaluated: sent alone to /api/compare its totals.gained equals gained_alone", "Suggestions"),
                    "400": err(), "422": error("The kind serves no age band in this standard") } }
        }
    })
}

fn geojson(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/geo+json": { "schema": { "$ref": "#/components/schemas/FeatureCollection" } } } })
}

/// The OpenAPI 3.0 document.
pub fn openapi_document() -> Value {
    let html = |d: &str| json!({ "description": d, "content": { "text/html": {} } });
    let codes: Vec<&str> = crate::error::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Spielraum",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Where can a city's children reach a place to play? Map, API and vector tiles. Data © OpenStreetMap contributors (ODbL)."
        },
        "paths": {
            "/": { "get": { "summary": "The planning map (MapLibre web app)", "responses": { "200": html("HTML page") } } },
            "/embed": { "get": {
                "summary": "Chrome-less map for an <iframe>",
                "parameters": [
                    q("layer", false, "string", "Layer to show: facilities (default), neighbourhoods, gaps"),
                    q("kind", false, "string", "Facility kind: playground, school, kindergarten, open_space"),
                    q("bbox", false, "string", "Area to show: minLon,minLat,maxLon,maxLat"),
                    q("neighbourhood", false, "string", "Neighbourhood id or name to zoom to"),
                    q("lang", false, "string", "de or en")
                ],
                "responses": { "200": html("HTML page") } } },
            "/health": { "get": { "summary": "Liveness", "responses": { "200": { "description": "{\"status\":\"ok\"}",
                "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "type": "string", "enum": ["ok"] } } } } } } } } },
            "/api/neighbourhoods": { "get": { "summary": "Neighbourhoods with the indicators of `analyze` as properties",
                "responses": { "200": geojson("Polygons with id, name, the nested objects of `analyze` (population, served_share, …) and its flat properties (population_total, age_0_5, served_share_age_0_5, …)") } } },
            "/api/neighbourhoods.csv": { "get": { "summary": "The neighbourhood table as a CSV download: the machine CSV of `analyze --format csv`, or with lang=de for German Excel (`;`, decimal comma, shares in percent, German headers, UTF-8 with BOM, CRLF)",
                "parameters": [q("lang", false, "string", "de: German Excel; absent or en: the machine CSV")],
                "responses": { "200": { "description": "CSV attachment", "content": { "text/csv": {} } }, "400": err(), "503": error("No analysis to download (no_analysis)") } } },
            "/api/neighbourhoods.xlsx": { "get": { "summary": "The neighbourhood table as an XLSX workbook: a header row, numbers as numbers, shares formatted as percent",
                "parameters": [q("lang", false, "string", "Language of the headers and sheet: de (default) or en")],
                "responses": { "200": { "description": "XLSX attachment", "content": { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } }, "400": err(), "503": error("No analysis to download (no_analysis)") } } },
            "/api/report.pdf": { "get": { "summary": "The council report (PDF) for one neighbourhood or all",
                "parameters": [q("lang", false, "string", "de (default) or en"), q("neighbourhood", false, "string", "Id or name of one neighbourhood (default: every neighbourhood)")],
                "responses": { "200": { "description": "PDF attachment", "content": { "application/pdf": {} } }, "400": err(), "404": error("No such neighbourhood"), "503": error("No analysis to report on, or busy") } } },
            "/api/facilities": { "get": {
                "summary": "Facilities, optionally within a box and of one kind",
                "parameters": [
                    q("bbox", false, "string", "minLon,minLat,maxLon,maxLat (WGS84 degrees)"),
                    q("kind", false, "string", "playground, school, kindergarten or open_space")
                ],
                "responses": { "200": geojson("Facilities with osm_id, kind, name, area_m2, access"), "400": err() } } },
            "/api/reach": { "get": {
                "summary": "Walking isochrone from a point and the public facilities inside it",
                "parameters": [
                    q("lon", true, "number", "Longitude, WGS84 degrees"),
                    q("lat", true, "number", "Latitude, WGS84 degrees"),
                    q("minutes", false, "number", &format!("Walking time, 0 < minutes <= 60 (default {}) at 4.5 km/h", map::DEFAULT_REACH_MINUTES)),
                    q("kind", false, "string", "Only facilities of this kind")
                ],
                "responses": { "200": geojson("First feature: the isochrone (type=isochrone); then facilities (type=facility, distance_m)"),
                    "400": err(), "503": { "description": "No walking network in this city" } } } },
            "/tiles/{z}/{x}/{y}.mvt": { "get": {
                "summary": "Mapbox Vector Tile 2.1; layers facilities, facility_points, neighbourhoods, population, gaps, landuse, water, buildings, railways, roads, places",
                "parameters": [ p("z", "Zoom 0..=22"), p("x", "Column"), p("y", "Row"),
                    { "name": "If-None-Match", "in": "header", "required": false, "schema": { "type": "string" } },
                    { "name": "Accept-Encoding", "in": "header", "required": false, "schema": { "type": "string" }, "description": "gzip is honoured" } ],
                "responses": {
                    "200": { "description": "The tile (gzip when asked), with ETag and Cache-Control", "content": { "application/vnd.mapbox-vector-tile": {} } },
                    "304": { "description": "Not modified (If-None-Match matched the ETag)" },
                    "400": err(), "404": err() } } },
            "/style.json": { "get": { "summary": "MapLibre style using this server's tiles (absolute URLs from the Host header)",
                "responses": { "200": { "description": "Style", "content": { "application/json": {} } } } } },
            "/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3", "content": { "application/json": {} } } } } }
        },
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error", "code"], "properties": {
                "error": { "type": "string", "description": "One English sentence for people and scripts" },
                "code": { "type": "string", "enum": codes, "description": "Stable machine code; a client shows its own words per code (docs/interfaces.md, Error codes)" } } },
            "FeatureCollection": { "type": "object", "required": ["type", "features"], "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] }, "features": { "type": "array", "items": { "type": "object" } } } }
        } }
    });
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), scenario_paths()) {
        paths.extend(more);
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(scenario_schemas());
    }
    doc["components"]["securitySchemes"] = json!({ "editToken": { "type": "http", "scheme": "bearer", "description": "The token of `spielraum serve --edit-token-file FILE` (or SPIELRAUM_EDIT_TOKEN)" } });
    doc
}

/// Schemas of the scenario routes.
fn scenario_schemas() -> serde_json::Map<String, Value> {
    let edit = json!({ "oneOf": [
        { "type": "object", "required": ["op", "kind", "geometry"], "properties": {
            "op": { "type": "string", "enum": ["add"] }, "kind": { "type": "string", "enum": ["playground", "school", "kindergarten", "open_space"] },
            "name": { "type": "string", "nullable": true }, "area_m2": { "type": "number", "minimum": 0, "nullable": true, "description": "Net area; null: the polygon's own area" },
            "access": { "type": "string", "enum": ["public", "restricted", "private"], "description": "default public" },
            "geometry": { "type": "object", "description": "GeoJSON Point, Polygon or MultiPolygon, WGS84" } } },
        { "type": "object", "required": ["op", "osm_id"], "properties": { "op": { "type": "string", "enum": ["remove"] }, "osm_id": { "type": "string", "example": "w123" } } },
        { "type": "object", "required": ["op", "osm_id", "access"], "properties": { "op": { "type": "string", "enum": ["set_access"] }, "osm_id": { "type": "string" }, "access": { "type": "string", "enum": ["public", "restricted", "private"] } } },
        { "type": "object", "required": ["op", "osm_id", "area_m2"], "properties": { "op": { "type": "string", "enum": ["enlarge"] }, "osm_id": { "type": "string" }, "area_m2": { "type": "number", "minimum": 0 } } }
    ] });
    let info = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "name": { "type": "string" }, "description": { "type": "string" },
        "created": { "type": "string", "format": "date-time" }, "updated": { "type": "string", "format": "date-time" }, "edit_count": { "type": "integer" } } });
    let any = json!({ "type": "object" });
    [
        ("Edit", edit),
        ("EditList", json!({ "type": "object", "required": ["edits"], "properties": { "edits": { "type": "array", "items": { "$ref": "#/components/schemas/Edit" } } } })),
        ("ScenarioInfo", info),
        ("ScenarioFields", json!({ "type": "object", "properties": { "name": { "type": "string" }, "description": { "type": "string" } } })),
        ("Scenario", json!({ "allOf": [{ "$ref": "#/components/schemas/ScenarioInfo" }, { "type": "object", "properties": { "edits": { "type": "array", "items": { "$ref": "#/components/schemas/Edit" }, "description": "each with its position (from 0)" } } }] })),
        ("ScenarioList", json!({ "type": "object", "properties": { "scenarios": { "type": "array", "items": { "$ref": "#/components/schemas/ScenarioInfo" } }, "editing": { "type": "boolean" } } })),
        ("Comparison", json!({ "type": "object", "description": "{standard, recomputed_units, searched_facilities, rows, neighbourhoods: [{id, name, before, after, change, gained, lost}], totals: {before, after, change, gained, lost}}; before/after hold the flat indicator properties, change after − before; gained/lost = {age_0_5, age_6_11, age_12_17, total}: children newly served / no longer served (one decimal, ≥ 0; gained − lost = change.served_children_<band>); rows = \"changed\" (only neighbourhoods whose indicators changed are listed, the default) or \"all\"; totals cover the whole city" })),
        ("Changed", json!({ "type": "object", "properties": { "scenario": { "$ref": "#/components/schemas/Scenario" }, "comparison": { "$ref": "#/components/schemas/Comparison" } } })),
        ("Deleted", json!({ "type": "object", "properties": { "deleted": { "$ref": "#/components/schemas/ScenarioInfo" } } })),
        ("Suggestions", any),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(crate) async fn openapi() -> Response {
    axum::Json(openapi_document()).into_response()
}
