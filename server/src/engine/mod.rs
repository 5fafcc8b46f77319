//! The sans-IO Service Client API engine.

use std::fmt;

/// A connected client window (an iframe, a popup, or a native client connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameId(pub u64);

impl fmt::Display for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame-{}", self.0)
    }
}
