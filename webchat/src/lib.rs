//! agentdesk-webchat: see README.md; filled by its issue.
