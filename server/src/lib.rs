//! agentdesk-server: the Service Client API engine, the simulated Agent Workspace, the local
//! emulator, and the `agentdesk-server` command line.

pub mod cli;
pub mod emulator;
pub mod engine;
pub mod service;
pub mod simulated;
pub mod workspace;
pub mod ws;
