//! The JSON Schema files, their index and the folder's README.

use std::collections::BTreeMap;

use agentdesk_protocol::schema::{GENERATED_MARKER, SchemaEntry};
use serde_json::json;

use super::pretty;

/// How the conformance corpus is written, for implementations that replay it.
const CORPUS_FORMAT: &str = include_str!("corpus-format.md");

/// One file per catalogue entry, plus `index.json` and `README.md`.
pub(crate) fn files(entries: &[SchemaEntry]) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut index = Vec::new();
    for entry in entries {
        files.insert(entry.path.clone(), pretty(&entry.document()));
        index.push(json!({ "path": entry.path, "$id": entry.id(), "title": entry.title }));
    }
    let index = json!({
        "$comment": GENERATED_MARKER,
        "protocolCrateVersion": env!("CARGO_PKG_VERSION"),
        "schemas": index,
    });
    files.insert("index.json".into(), pretty(&index));
    files.insert(
        "README.md".into(),
        format!(
            "<!-- {GENERATED_MARKER} -->\n# Generated schemas\n\n\
             Written by `cargo xtask codegen` from the `agentdesk-protocol` crate:\n\n\
             - JSON Schema (draft 2020-12) for every agentdesk wire type, one folder per protocol;\n  \
             `index.json` lists each file with its `$id` and a one-line title, and the crate version.\n\
             - `typescript/`: TypeScript declarations of the same types (`index.d.ts` re-exports one\n  \
             namespace per protocol), with typed request and event maps for the Service Client API.\n\
             - `asyncapi.json`: an AsyncAPI 3.0 document of both directions of the Service Client API.\n\
             - `emulator/`: the local emulator's own formats (relay frames, control-API actions and\n  \
             desktop state, customer-chat API).\n\
             - `conformance/*.jsonl`: the conformance corpus, named transcripts of the Service Client\n  \
             API service (options, messages in, exact messages out, virtual time); replay it with\n  \
             `cargo xtask conformance`. Its format follows.\n\n{CORPUS_FORMAT}"
        ),
    );
    files
}
