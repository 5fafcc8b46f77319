//! agentdesk-client: see README.md; filled by its issue.
