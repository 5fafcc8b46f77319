//! agentdesk-server: the Service Client API engine, the simulated Agent Workspace and the local
//! emulator. The `agentdesk-server` command line is the package's binary.

pub mod chaos;
pub mod emulator;
pub mod engine;
pub mod service;
pub mod simulated;
pub mod testing;
pub mod workspace;
mod ws;

pub use ws::router as scapi_router;
