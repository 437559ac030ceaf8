//! End-to-end tests of the `spielraum` binary, one test binary (modules below, one per
//! subcommand area): the CLI, its GeoPackage (read back with GDAL and SQLite), its HTTP server.
//! Shared helpers in `helpers.rs`; the browser tests are `tests/browser/*.mjs` at the root.

mod export;
mod helpers;
mod import;
mod import_boundaries;
mod inventory;
mod kinds;
mod population;
mod postgis;
mod qgis;
mod region;
mod register;
mod remote;
mod report;
mod scenario;
mod serve;
mod social;
mod sources;
mod store;
mod suggest;
mod time;
mod user;
mod walk;
