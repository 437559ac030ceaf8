//! Why the scenario engine refuses a request: bad edits, or suggestion options that cannot be met.
//!
//! Shared by [`crate::scenario`] and [`crate::suggest`], so that neither needs the other's errors.

use model::scenario::ScenarioError;

/// Why a comparison or a suggestion cannot be answered (all caused by the request: answer 4xx).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScenarioEngineError {
    /// An edit is invalid or names a facility that is not there.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The walking graph with play streets closed to traffic could not be built.
    #[error("walking network with the play streets closed: {0}")]
    Graph(String),
    /// A suggestion asked for no sites.
    #[error("count must be at least 1 (got {0})")]
    InvalidCount(usize),
    /// A suggestion's assumed area is negative or not a number.
    #[error("invalid area {0} m² for a suggested facility (expected a number ≥ 0)")]
    InvalidArea(f64),
    /// The kind asked for serves no age band in the standard, so no child would gain.
    #[error("facility kind '{kind}' serves no age band in standard '{standard}'")]
    KindServesNoBand {
        /// The kind asked for.
        kind: model::FacilityKind,
        /// The standard's name.
        standard: String,
    },
}
