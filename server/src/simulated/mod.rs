//! An in-memory, deterministic Agent Workspace.
