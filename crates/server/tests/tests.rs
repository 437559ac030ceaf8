//! The HTTP tests of the server over a real listener, one test binary (modules below, one per
//! file); snapshots of whole answers in `snapshots/`.

mod answers;
mod codes;
mod download;
mod fuzz_found;
mod glyphs;
mod hardening;
mod http;
mod scenario;
mod workspace;
