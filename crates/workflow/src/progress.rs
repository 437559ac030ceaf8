//! How a workflow tells its progress: a stage's message and, for work of known length, a bar.
//! Callers draw it (the CLI on a terminal); [`NoProgress`] ignores it.

/// Receives the progress of a workflow. Calls may come from several threads.
pub trait Progress: Sync {
    /// A new stage begins (`"reading city"`); its length is unknown until [`Progress::length`].
    fn stage(&self, message: &str);
    /// The length of the current stage, in units of work.
    fn length(&self, len: u64);
    /// How many units of the current stage are done.
    fn position(&self, pos: u64);
    /// The work is done: whatever shows progress can go.
    fn finish(&self);
}

/// Progress that goes nowhere (tests, servers, batch jobs).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _message: &str) {}
    fn length(&self, _len: u64) {}
    fn position(&self, _pos: u64) {}
    fn finish(&self) {}
}
