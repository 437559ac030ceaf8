//! Workflows over a city GeoPackage: import a city, analyse it and write the results back; callable from the CLI, the server and tests.
