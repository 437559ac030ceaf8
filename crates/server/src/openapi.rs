//! `/openapi.json`: the OpenAPI 3 description of the HTTP interface, written by hand and
//! checked by the tests against the router (every route listed, every listed route answers).
//!
//! [`ROUTES`] is the single list of public paths.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Every public path of the server, in OpenAPI spelling.
pub const ROUTES: [&str; 33] = [
    "/",
    "/embed",
    "/table",
    "/admin",
    "/api/login",
    "/api/logout",
    "/api/me",
    "/api/users",
    "/api/users/{login}",
    "/api/audit",
    "/api/audit.csv",
    "/api/tokens",
    "/api/tokens/{id}",
    "/api/scenarios/{id}/status",
    "/api/scenarios/{id}/comments",
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
    "/fonts/{fontstack}/{range}.pbf",
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
/// `at`, `window`, `date`: the time a question is about (interfaces.md, "Time").
fn time_params() -> [Value; 3] {
    [
        q(
            "at",
            false,
            "string",
            "A moment: \"Sa 15:00\", \"2027-07-10T15:00\" or \"now\"; only facilities open then count (not with window)",
        ),
        q(
            "window",
            false,
            "string",
            "A recurring window, e.g. \"Mo-Fr 14:00-18:00\": a facility counts when open for the whole window on each day (not with at)",
        ),
        q(
            "date",
            false,
            "string",
            "YYYY-MM-DD: the day weekdays count from (default today); needs at or window",
        ),
    ]
}

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

/// The least role of each operation that needs one: `(path, method, role)`. Every other
/// operation is public (unless the workspace or its scenarios are private). The document's
/// `security` and `x-spielraum-role` come from this list; the tests check the server against
/// their own.
pub const ROLES: [(&str, &str, &str); 16] = [
    ("/api/logout", "post", "viewer"),
    ("/api/users", "get", "admin"),
    ("/api/users", "post", "admin"),
    ("/api/users/{login}", "patch", "admin"),
    ("/api/audit", "get", "admin"),
    ("/api/audit.csv", "get", "admin"),
    ("/api/tokens", "get", "viewer"),
    ("/api/tokens", "post", "viewer"),
    ("/api/tokens/{id}", "delete", "viewer"),
    ("/api/scenarios", "post", "editor"),
    ("/api/scenarios/{id}", "patch", "editor"),
    ("/api/scenarios/{id}", "delete", "editor"),
    ("/api/scenarios/{id}/edits", "post", "editor"),
    ("/api/scenarios/{id}/edits/{position}", "delete", "editor"),
    ("/api/scenarios/{id}/status", "post", "editor"),
    ("/api/scenarios/{id}/comments", "post", "editor"),
];

/// The answers every changing route can give besides success.
fn edit_errors(extra: &[(&str, &str)]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert(
        "400".into(),
        error("Malformed request (not JSON, a field missing or of the wrong type)"),
    );
    m.insert(
        "401".into(),
        error("No credentials, or a login session that expired or was ended (login_required; token_missing on a server without users)"),
    );
    m.insert(
        "403".into(),
        error("Role too low (role_forbidden), no CSRF token with a session cookie (csrf_failed), a token that is no token (token_wrong), editing disabled on this server, or a read-only GeoPackage"),
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
    let [at_p, window_p, date_p] = time_params();
    let body = |schema: &str| json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    json!({
        "/api/scenarios": {
            "get": { "summary": "Stored scenarios (public)", "responses": { "200": json_body("{\"scenarios\": [ScenarioInfo], \"editing\": bool (whether this server accepts edits)}", "ScenarioList") } },
            "post": { "summary": "Create an empty scenario", "requestBody": body("ScenarioFields"),
                "responses": with(edit_errors(&[("409", "A scenario of that name exists"), ("422", "Invalid name")]), "201", json_body("The scenario with its (no) edits", "Scenario")) }
        },
        "/api/scenarios/{id}": {
            "parameters": [id_param()],
            "get": { "summary": "A scenario with its edits (public)", "responses": { "200": json_body("Scenario", "Scenario"), "404": error("No such scenario") } },
            "patch": { "summary": "Rename / describe", "requestBody": body("ScenarioFields"),
                "responses": with(edit_errors(&[("404", "No such scenario"), ("409", "Name taken"), ("422", "Invalid name")]), "200", json_body("Scenario", "Scenario")) },
            "delete": { "summary": "Delete a scenario and its edits",
                "responses": with(edit_errors(&[("404", "No such scenario")]), "200", json_body("{\"deleted\": ScenarioInfo}", "Deleted")) }
        },
        "/api/scenarios/{id}/edits": {
            "parameters": [id_param()],
            "post": { "summary": "Append one edit; answers the new comparison at once", "requestBody": body("Edit"),
                "responses": with(edit_errors(&[("404", "No such scenario"), ("422", "Unknown kind/access/op, invalid geometry, negative area, unknown facility")]), "201", json_body("{\"scenario\": Scenario, \"comparison\": Comparison}", "Changed")) }
        },
        "/api/scenarios/{id}/edits/{position}": {
            "parameters": [id_param(), { "name": "position", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 0 }, "description": "The edit's position, from 0" }],
            "delete": { "summary": "Remove one edit (later ones move up); answers the new comparison",
                "responses": with(edit_errors(&[("404", "No such scenario or edit")]), "200", json_body("{\"scenario\": Scenario, \"comparison\": Comparison}", "Changed")) }
        },
        "/api/scenarios/{id}/compare": {
            "parameters": [id_param(), rows_param(), cells_param(), gaps_param(), at_p.clone(), window_p.clone(), date_p.clone()],
            "get": { "summary": "Before/after of every indicator per neighbourhood under the stored scenario (public)",
                "responses": { "200": json_body("Comparison", "Comparison"), "400": error("Unknown `neighbourhoods` value"), "404": error("No such scenario"), "422": error("An edit no longer applies") } }
        },
        "/api/compare": {
            "post": { "summary": "Before/after under unsaved edits: the instant answer while drawing (public, changes nothing)",
                "parameters": [rows_param(), cells_param(), gaps_param(), at_p.clone(), window_p.clone(), date_p.clone()],
                "requestBody": body("EditList"),
                "responses": { "200": json_body("Comparison", "Comparison"), "400": error("Malformed"), "413": error("Too many edits"),
                    "422": error("An edit is invalid (the message says which, counted from 1)") } }
        },
        "/api/scenarios/{id}/status": {
            "parameters": [id_param()],
            "post": { "summary": "Move the scenario: editors draft → proposed and back; admins also proposed → agreed | rejected and agreed | rejected → draft",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["status"], "properties": { "status": { "type": "string", "enum": ["draft", "proposed", "agreed", "rejected"] } } } } } },
                "responses": with(edit_errors(&[("404", "No such scenario"), ("422", "Unknown status")]), "200", json_body("Scenario", "Scenario")) }
        },
        "/api/scenarios/{id}/comments": {
            "parameters": [id_param()],
            "get": { "summary": "Comments on the scenario and its edits, oldest first (read like the scenario)",
                "responses": { "200": json_body("{\"comments\": [Comment]}", "CommentList"), "404": error("No such scenario") } },
            "post": { "summary": "Comment on the scenario, or on one edit (position); plain text",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["text"], "properties": { "text": { "type": "string", "maxLength": 10000 }, "position": { "type": "integer", "minimum": 0, "nullable": true } } } } } },
                "responses": with(edit_errors(&[("404", "No such scenario or edit"), ("422", "Empty or longer than 10,000 characters (comment_too_long)")]), "201", json_body("Comment", "Comment")) }
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

/// The OpenAPI paths of the workspace routes (logging in, users, audit log, tokens).
fn account_paths() -> Value {
    let body = |props: Value, required: &[&str]| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "required": required, "properties": props } } } });
    let user = json_body("User", "User");
    json!({
        "/admin": { "get": { "summary": "The workspace page: users, audit log, personal tokens (admins; others are asked to log in)", "responses": { "200": { "description": "HTML page", "content": { "text/html": {} } } } } },
        "/api/login": { "post": { "summary": "Log in: sets the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS) and answers the session's CSRF token; a new session id at every login",
            "requestBody": body(json!({ "login": { "type": "string" }, "password": { "type": "string", "format": "password" } }), &["login", "password"]),
            "responses": { "200": json_body("{\"user\": User, \"csrf\": string}", "Login"), "400": err(),
                "401": error("Unknown login or wrong password (login_failed, the same for both)"),
                "429": error("Too many failed logins for this account or address (login_limited, Retry-After)"),
                "503": error("This server keeps no accounts (no_accounts)") } } },
        "/api/logout": { "post": { "summary": "End the login session (needs its CSRF token) and clear the cookie",
            "responses": with(edit_errors(&[]), "200", json!({ "description": "{\"logged_out\": true}" })) } },
        "/api/me": { "get": { "summary": "Who the request's credentials are: {user, role, csrf, via: session|token|machine, accounts, private, editing}; user null without (live) credentials",
            "responses": { "200": json!({ "description": "The caller", "content": { "application/json": { "schema": { "type": "object" } } } }) } } },
        "/api/users": {
            "get": { "summary": "Every user", "responses": with(edit_errors(&[]), "200", json!({ "description": "{\"users\": [User]}" })) },
            "post": { "summary": "Add a user", "requestBody": body(json!({ "login": { "type": "string" }, "display_name": { "type": "string" }, "department": { "type": "string" }, "role": { "type": "string", "enum": ["viewer", "editor", "admin"] }, "password": { "type": "string", "format": "password", "minLength": 12 } }), &["login", "display_name", "role", "password"]),
                "responses": with(edit_errors(&[("409", "A user of that login exists (user_exists)"), ("422", "Invalid login, name, role or password (invalid_user)")]), "201", user.clone()) }
        },
        "/api/users/{login}": {
            "parameters": [{ "name": "login", "in": "path", "required": true, "schema": { "type": "string" } }],
            "patch": { "summary": "Change a user's role, disable or enable them (sessions and tokens end at once), or set a new password",
                "requestBody": body(json!({ "role": { "type": "string", "enum": ["viewer", "editor", "admin"] }, "disabled": { "type": "boolean" }, "password": { "type": "string", "format": "password" } }), &[]),
                "responses": with(edit_errors(&[("404", "No such user"), ("422", "Invalid role or password (invalid_user)")]), "200", user) }
        },
        "/api/audit": { "get": { "summary": "The latest changes, newest first: who, when, what, before/after",
            "parameters": [q("limit", false, "integer", "How many rows, 1..=10000 (default 200)")],
            "responses": with(edit_errors(&[]), "200", json!({ "description": "{\"entries\": [{id, at, actor, action, target, detail}]}" })) } },
        "/api/audit.csv": { "get": { "summary": "The whole audit log as CSV (id, at, actor, action, target, detail), oldest first",
            "responses": with(edit_errors(&[]), "200", json!({ "description": "CSV attachment", "content": { "text/csv": {} } })) } },
        "/api/tokens": {
            "get": { "summary": "The caller's personal API tokens (an admin's: everyone's); never the tokens themselves",
                "responses": with(edit_errors(&[]), "200", json!({ "description": "{\"tokens\": [{id, login, name, created, revoked}]}" })) },
            "post": { "summary": "A new personal API token of the caller, shown once in this answer", "requestBody": body(json!({ "name": { "type": "string" } }), &["name"]),
                "responses": with(edit_errors(&[]), "201", json!({ "description": "{\"token\": string, \"info\": {id, login, name, created, revoked}}" })) }
        },
        "/api/tokens/{id}": {
            "parameters": [p("id", "Token id")],
            "delete": { "summary": "Revoke one of the caller's tokens (an admin: anyone's)",
                "responses": with(edit_errors(&[("404", "No such token of the caller")]), "200", json!({ "description": "{\"revoked\": {…}}" })) }
        }
    })
}

/// Marks every operation of [`ROLES`] with its `security` (a bearer token, or the session
/// cookie with its CSRF header for writes) and `x-spielraum-role`.
fn mark_roles(doc: &mut Value) {
    for (path, method, role) in ROLES {
        let op = &mut doc["paths"][path][method];
        if !op.is_object() {
            continue;
        }
        let session = if method == "get" {
            json!({ "sessionCookie": [] })
        } else {
            json!({ "sessionCookie": [], "csrfHeader": [] })
        };
        op["security"] = json!([{ "bearerToken": [] }, session]);
        op["x-spielraum-role"] = json!(role);
    }
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
                    q("kind", false, "string", &format!("Facility kind: {}", kind_list())),
                    q("bbox", false, "string", "Area to show: minLon,minLat,maxLon,maxLat"),
                    q("neighbourhood", false, "string", "Neighbourhood id or name to zoom to"),
                    q("lang", false, "string", "de or en")
                ],
                "responses": { "200": html("HTML page") } } },
            "/table": { "get": {
                "summary": "The table alternative to the map: every neighbourhood's indicators per age band, sortable, with the CSV download",
                "parameters": [
                    q("lang", false, "string", "de or en"),
                    q("back", false, "string", "Path of this server the link back to the map leads to (default /)")
                ],
                "responses": { "200": html("HTML page") } } },
            "/health": { "get": { "summary": "Liveness", "responses": { "200": { "description": "{\"status\":\"ok\"}",
                "content": { "application/json": { "schema": { "type": "object", "properties": { "status": { "type": "string", "enum": ["ok"] } } } } } } } } },
            "/api/neighbourhoods": { "get": { "summary": "Neighbourhoods with the indicators of `analyze` as properties; at a time (at / window), those of the facilities open then, with a `time` member",
                "parameters": time_params(),
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
                    q("kind", false, "string", &kind_list())
                ],
                "responses": { "200": geojson("Facilities with osm_id, kind, name, area_m2, access"), "400": err() } } },
            "/api/reach": { "get": {
                "summary": "Walking isochrone from a point and the public facilities inside it",
                "parameters": [
                    q("lon", true, "number", "Longitude, WGS84 degrees"),
                    q("lat", true, "number", "Latitude, WGS84 degrees"),
                    q("minutes", false, "number", &format!("Walking time, 0 < minutes <= 60 (default {}) at 4.5 km/h", map::DEFAULT_REACH_MINUTES)),
                    q("kind", false, "string", "Only facilities of this kind"),
                    time_params()[0].clone(), time_params()[1].clone(), time_params()[2].clone()
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
            "/fonts/{fontstack}/{range}.pbf": { "get": {
                "summary": "Label glyphs for MapLibre: signed distance fields of 256 code points of the shipped font (Liberation Sans, SIL OFL 1.1) as protobuf, made once and kept",
                "parameters": [
                    { "name": "fontstack", "in": "path", "required": true, "schema": { "type": "string" },
                      "description": "Comma-separated font names; the first one shipped answers: Liberation Sans Regular, Liberation Sans Bold" },
                    { "name": "range", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9]+-[0-9]+$" },
                      "description": "START-END: START a multiple of 256, END = START + 255, up to 65535" },
                    { "name": "If-None-Match", "in": "header", "required": false, "schema": { "type": "string" } } ],
                "responses": {
                    "200": { "description": "The range (Cache-Control a week, ETag); a range without glyphs of the font is empty", "content": { "application/x-protobuf": {} } },
                    "304": { "description": "Not modified (If-None-Match matched the ETag)" },
                    "404": error("Unknown font stack or a range that is not a 256-code-point block (no_glyphs)") } } },
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
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), account_paths()) {
        paths.extend(more);
    }
    mark_roles(&mut doc);
    doc["components"]["securitySchemes"] = json!({
        "bearerToken": { "type": "http", "scheme": "bearer", "description": "A personal API token (POST /api/tokens, `spielraum user token-create`), or the server's machine token of `spielraum serve --edit-token-file FILE` (role editor)" },
        "sessionCookie": { "type": "apiKey", "in": "cookie", "name": crate::caller::SESSION_COOKIE, "description": "The login session of POST /api/login" },
        "csrfHeader": { "type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description": "The session's CSRF token (from /api/login or /api/me): every change made with the session cookie sends it" }
    });
    doc["x-spielraum-roles"] = json!(
        "viewer < editor < admin; an operation's x-spielraum-role is the least role it needs; operations without one are public unless the workspace (serve --private) or its scenarios (--private-scenarios) are private"
    );
    doc
}

/// Every facility kind, comma-separated (as the API and the command line write them).
fn kind_list() -> String {
    model::FacilityKind::ALL.map(|k| k.as_str()).join(", ")
}

/// Schemas of the scenario routes.
fn scenario_schemas() -> serde_json::Map<String, Value> {
    let edit = json!({ "oneOf": [
        { "type": "object", "required": ["op", "kind", "geometry"], "properties": {
            "op": { "type": "string", "enum": ["add"] }, "kind": { "type": "string", "enum": model::FacilityKind::ALL.map(|k| k.as_str()) },
            "name": { "type": "string", "nullable": true }, "area_m2": { "type": "number", "minimum": 0, "nullable": true, "description": "Net area; null: the polygon's own area" },
            "access": { "type": "string", "enum": ["public", "restricted", "private"], "description": "default public" },
            "geometry": { "type": "object", "description": "GeoJSON Point, Polygon or MultiPolygon, WGS84" } } },
        { "type": "object", "required": ["op", "osm_id"], "properties": { "op": { "type": "string", "enum": ["remove"] }, "osm_id": { "type": "string", "example": "w123" } } },
        { "type": "object", "required": ["op", "osm_id", "access"], "properties": { "op": { "type": "string", "enum": ["set_access"] }, "osm_id": { "type": "string" }, "access": { "type": "string", "enum": ["public", "restricted", "private"] } } },
        { "type": "object", "required": ["op", "osm_id", "area_m2"], "properties": { "op": { "type": "string", "enum": ["enlarge"] }, "osm_id": { "type": "string" }, "area_m2": { "type": "number", "minimum": 0 } } },
        { "type": "object", "required": ["op", "hours"], "properties": { "op": { "type": "string", "enum": ["play_street"] },
            "name": { "type": "string", "nullable": true }, "ways": { "type": "array", "items": { "type": "string", "example": "w123" }, "description": "OSM ways of the walking network" },
            "geometry": { "type": "object", "description": "GeoJSON LineString or MultiLineString, WGS84 (default: the ways' line)" },
            "width_m": { "type": "number", "exclusiveMinimum": 0, "description": "default: the way's width tag, else 6" },
            "hours": { "type": "string", "description": "When closed for play, OSM opening_hours syntax" },
            "from": { "type": "string", "format": "date", "nullable": true }, "to": { "type": "string", "format": "date", "nullable": true } } },
        { "type": "object", "required": ["op", "osm_id", "hours"], "properties": { "op": { "type": "string", "enum": ["open_after_hours"] }, "osm_id": { "type": "string" },
            "hours": { "type": "string", "description": "When open to all, OSM opening_hours syntax" },
            "from": { "type": "string", "format": "date", "nullable": true }, "to": { "type": "string", "format": "date", "nullable": true } } }
    ] });
    let info = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "name": { "type": "string" }, "description": { "type": "string" },
        "created": { "type": "string", "format": "date-time" }, "updated": { "type": "string", "format": "date-time" }, "edit_count": { "type": "integer" },
        "author": { "type": "string", "description": "login, machine-token or cli:NAME" }, "author_name": { "type": "string" }, "department": { "type": "string" },
        "status": { "type": "string", "enum": ["draft", "proposed", "agreed", "rejected"] } } });
    let any = json!({ "type": "object" });
    [
        ("Edit", edit),
        ("EditList", json!({ "type": "object", "required": ["edits"], "properties": { "edits": { "type": "array", "items": { "$ref": "#/components/schemas/Edit" } } } })),
        ("ScenarioInfo", info),
        ("ScenarioFields", json!({ "type": "object", "properties": { "name": { "type": "string" }, "description": { "type": "string" }, "department": { "type": "string", "description": "default on create: the user's department" } } })),
        ("Scenario", json!({ "allOf": [{ "$ref": "#/components/schemas/ScenarioInfo" }, { "type": "object", "properties": { "edits": { "type": "array", "items": { "$ref": "#/components/schemas/Edit" }, "description": "each with its position (from 0)" } } }] })),
        ("ScenarioList", json!({ "type": "object", "properties": { "scenarios": { "type": "array", "items": { "$ref": "#/components/schemas/ScenarioInfo" } }, "editing": { "type": "boolean" } } })),
        ("Comparison", json!({ "type": "object", "description": "{standard, recomputed_units, searched_facilities, rows, neighbourhoods: [{id, name, before, after, change, gained, lost}], totals: {before, after, change, gained, lost}}; before/after hold the flat indicator properties, change after − before; gained/lost = {age_0_5, age_6_11, age_12_17, total}: children newly served / no longer served (one decimal, ≥ 0; gained − lost = change.served_children_<band>); rows = \"changed\" (only neighbourhoods whose indicators changed are listed, the default) or \"all\"; totals cover the whole city" })),
        ("Changed", json!({ "type": "object", "properties": { "scenario": { "$ref": "#/components/schemas/Scenario" }, "comparison": { "$ref": "#/components/schemas/Comparison" } } })),
        ("Deleted", json!({ "type": "object", "properties": { "deleted": { "$ref": "#/components/schemas/ScenarioInfo" } } })),
        ("Suggestions", any),
        ("User", json!({ "type": "object", "properties": { "id": { "type": "integer" }, "login": { "type": "string" }, "display_name": { "type": "string" }, "department": { "type": "string" }, "role": { "type": "string", "enum": ["viewer", "editor", "admin"] }, "disabled": { "type": "boolean" }, "created": { "type": "string" }, "updated": { "type": "string" } } })),
        ("Login", json!({ "type": "object", "properties": { "user": { "$ref": "#/components/schemas/User" }, "csrf": { "type": "string" } } })),
        ("Comment", json!({ "type": "object", "properties": { "id": { "type": "integer" }, "position": { "type": "integer", "nullable": true }, "author": { "type": "string" }, "author_name": { "type": "string" }, "at": { "type": "string" }, "text": { "type": "string" } } })),
        ("CommentList", json!({ "type": "object", "properties": { "comments": { "type": "array", "items": { "$ref": "#/components/schemas/Comment" } } } })),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(crate) async fn openapi() -> Response {
    axum::Json(openapi_document()).into_response()
}
