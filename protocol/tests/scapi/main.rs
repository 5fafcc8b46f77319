//! Service Client API wire format: fixtures, request table, decode errors, argument
//! leniency, schema agreement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod fixtures;
mod leniency;
mod schema_agreement;
mod table;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scapi")
        .join(kind)
}

pub(crate) fn fixtures(kind: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(fixture_dir(kind))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
