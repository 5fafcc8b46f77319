//! agentdesk-server binary.
fn main() {}
