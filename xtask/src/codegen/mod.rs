//! `cargo xtask codegen [--check]`: everything under `schema/` is generated from the protocol
//! crate's schema catalogue, so the JSON Schemas, TypeScript declarations and AsyncAPI document
//! cannot disagree with each other or with the Rust types.

mod asyncapi;
mod model;
mod schemas;
mod typescript;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use agentdesk_protocol::schema::catalog;
use serde_json::Value;

/// Regenerates `schema/`, or with `check` only reports how it differs.
pub(crate) fn run(check: bool) -> ExitCode {
    let files = match generated_files() {
        Ok(files) => files,
        Err(err) => {
            eprintln!("codegen failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    let problems = sync(&schema_dir(), &files, check);
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

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|root| root.join("schema"))
        .unwrap_or_else(|| PathBuf::from("schema"))
}

/// Every generated file: path below `schema/` to its exact contents.
fn generated_files() -> Result<BTreeMap<String, String>, String> {
    let entries = catalog();
    let groups = model::group_catalogue(&entries)?;
    let mut files = schemas::files(&entries);
    files.extend(typescript::files(&groups)?);
    files.extend(asyncapi::files(&groups)?);
    files.extend(crate::conformance::corpus::files()?);
    Ok(files)
}

/// JSON as written: two-space indentation and a final newline.
fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Makes `dir` hold exactly `files` (or with `check`, lists what differs); returns the problems.
fn sync(dir: &Path, files: &BTreeMap<String, String>, check: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (rel, contents) in files {
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
    for rel in existing_files(dir) {
        if files.contains_key(&rel) {
            continue;
        }
        if check {
            problems.push(format!("not generated (remove it): schema/{rel}"));
        } else if let Err(err) = std::fs::remove_file(dir.join(&rel)) {
            problems.push(format!("cannot remove schema/{rel}: {err}"));
        }
    }
    problems
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_succeeds_and_is_deterministic() {
        let first = generated_files();
        assert!(first.is_ok(), "{first:?}");
        assert_eq!(first, generated_files());
    }

    #[test]
    fn every_derived_file_carries_the_marker() {
        let files = generated_files().unwrap_or_default();
        let derived = files.iter().filter(|(path, _)| {
            path.starts_with("typescript/")
                || path.starts_with("asyncapi")
                || path.starts_with("conformance/")
        });
        for (path, contents) in derived {
            assert!(
                contents.contains(agentdesk_protocol::schema::GENERATED_MARKER),
                "{path} has no marker"
            );
        }
        for path in [
            "typescript/scapi.d.ts",
            "typescript/srs.d.ts",
            "typescript/emulator.d.ts",
            "typescript/index.d.ts",
        ] {
            assert!(files.contains_key(path), "{path} not generated");
        }
    }
}
