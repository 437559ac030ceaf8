//! `/openapi.json`: the OpenAPI 3 description of the HTTP interface, written by hand and
//! checked by the tests against the router (every route listed, every listed route answers).
//!
//! [`ROUTES`] is the single list of public paths.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Every public path of the server, in OpenAPI spelling.
pub const ROUTES: [&str; 9] = [
    "/",
    "/embed",
    "/health",
    "/api/neighbourhoods",
    "/api/facilities",
    "/api/reach",
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

fn geojson(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/geo+json": { "schema": { "$ref": "#/components/schemas/FeatureCollection" } } } })
}

/// The OpenAPI 3.0 document.
pub fn openapi_document() -> Value {
    let html = |d: &str| json!({ "description": d, "content": { "text/html": {} } });
    json!({
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
                    q("minutes", false, "number", &format!("Walking time, 0 < minutes <= 60 (default {}) at 4.5 km/h", crate::DEFAULT_REACH_MINUTES)),
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
            "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
            "FeatureCollection": { "type": "object", "required": ["type", "features"], "properties": {
                "type": { "type": "string", "enum": ["FeatureCollection"] }, "features": { "type": "array", "items": { "type": "object" } } } }
        } }
    })
}

pub(crate) async fn openapi() -> Response {
    axum::Json(openapi_document()).into_response()
}
