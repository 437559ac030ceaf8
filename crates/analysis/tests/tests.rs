//! The integration tests of the analysis crate, one test binary (modules below, one per file);
//! shared helpers in `common/`.

mod ascii_town;
mod common;
mod demo;
mod effects;
mod reach;
mod scenario;
mod social_need;
mod suggest;
mod time_town;
mod worked_example;
