//! agentdesk-server.
