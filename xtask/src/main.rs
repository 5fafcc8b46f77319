//! Repository automation.
//!
//! - `cargo xtask codegen` regenerates every file under `schema/` from the protocol crate.
//! - `cargo xtask codegen --check` changes nothing and exits non-zero, naming each stale,
//!   missing or extra file, when `schema/` differs from what would be generated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use agentdesk_protocol::schema::{GENERATED_MARKER, catalog};
use serde_json::{Value, json};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => run_codegen(false),
        ["codegen", "--check"] => run_codegen(true),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            ExitCode::from(2)
        }
    }
}

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|root| root.join("schema"))
        .unwrap_or_else(|| PathBuf::from("schema"))
}

/// Every generated file: path below `schema/` to its exact contents.
fn generated_files() -> BTreeMap<String, String> {
    let entries = catalog();
    let mut files = BTreeMap::new();
    let mut index = Vec::new();
    for entry in &entries {
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
            "<!-- {GENERATED_MARKER} -->\n# Generated schemas\n\nJSON Schema (draft 2020-12) for every agentdesk wire type, written by `cargo xtask codegen` from the\n`agentdesk-protocol` crate. `index.json` lists each file with its `$id` and a one-line title.\n"
        ),
    );
    files
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Files currently under `dir`, relative with forward slashes.
fn existing_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in read.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn run_codegen(check: bool) -> ExitCode {
    let dir = schema_dir();
    let files = generated_files();
    let mut problems = Vec::new();
    for (rel, contents) in &files {
        let path = dir.join(rel);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(contents.as_str()) {
            continue;
        }
        if check {
            let what = if current.is_some() {
                "stale"
            } else {
                "missing"
            };
            problems.push(format!("{what}: schema/{rel}"));
        } else if let Err(err) = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, contents))
        {
            problems.push(format!("cannot write schema/{rel}: {err}"));
        }
    }
    for rel in existing_files(&dir) {
        if files.contains_key(&rel) {
            continue;
        }
        if check {
            problems.push(format!("not generated (remove it): schema/{rel}"));
        } else if let Err(err) = std::fs::remove_file(dir.join(&rel)) {
            problems.push(format!("cannot remove schema/{rel}: {err}"));
        }
    }
    if problems.is_empty() {
        if !check {
            println!("schema/: {} files up to date", files.len());
        }
        return ExitCode::SUCCESS;
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    if check {
        eprintln!("schema/ is out of date: run `cargo xtask codegen` and commit the result");
    }
    ExitCode::FAILURE
}
