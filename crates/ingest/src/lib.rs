//! Readers for Spielraum: OpenStreetMap PBF extracts, vector files in common formats and CRSs
//! (boundaries, candidate sites, facility inventories and their conflation with OSM),
//! population files, OGC API Features and WFS 2.0 services; each turns a user's file into `model` types, with errors naming the file.
pub mod boundaries;
pub mod candidates;
pub mod conflate;
pub mod crs;
pub mod geojson;
pub mod inventory;
pub mod osm;
pub mod population;
pub mod remote;
pub mod social;
pub mod vector;
