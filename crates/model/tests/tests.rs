//! The integration tests of the domain types, one test binary (modules below, one per file).

mod opening_hours;
mod validity;
