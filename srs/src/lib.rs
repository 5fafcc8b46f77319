//! agentdesk-srs: see README.md; filled by its issue.
