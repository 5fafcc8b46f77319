//! Repository-wide rules that no compiler checks: every module says what it is for, no comment
//! sends the reader to a document the repository does not hold, and generated files are clean.
//!
//! Each test lists every offending place (file and line) so one run shows all there is to fix.

use std::fs;
use std::path::{Path, PathBuf};

/// The crates whose sources are checked.
const CRATES: &[&str] = &["protocol", "client", "server", "srs", "webchat", "xtask"];

/// Source folders of a crate that hold modules.
const SOURCE_FOLDERS: &[&str] = &["src", "examples", "benches"];

/// Phrases that point at documents outside the repository. Decisions those documents hold
/// belong in `docs/decisions.md` or the crate docs, stated in full.
const OUTSIDE_REFERENCES: &[&str] = &[
    "the seed",
    "a seed example",
    "seed's",
    "the seeds",
    "spec §",
    "§",
    "open question",
    "shared/seeds",
    "shared/spec",
    "shared/design",
];

/// Rust spellings that must not leak into the generated TypeScript's comments.
const RUST_TYPES: &[&str] = &[
    "Vec<",
    "Option<",
    "BTreeMap<",
    "HashMap<",
    "Box<",
    "Arc<",
    "&str",
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("xtask lives inside the repository"))
}

/// Every file below `dir` (recursively) whose name ends with one of `endings`.
fn files_below(dir: &Path, endings: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && name != "node_modules" && !name.starts_with('.') {
                    pending.push(path);
                }
            } else if endings.iter().any(|ending| name.ends_with(ending)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repository())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn rust_sources() -> Vec<PathBuf> {
    let root = repository();
    let mut sources = Vec::new();
    for krate in CRATES {
        for folder in SOURCE_FOLDERS {
            sources.extend(files_below(&root.join(krate).join(folder), &[".rs"]));
        }
    }
    sources
}

/// Fails with every offence, one per line.
fn assert_none(rule: &str, offences: &[String]) {
    assert!(
        offences.is_empty(),
        "{rule}:\n{}\n({} places)",
        offences.join("\n"),
        offences.len()
    );
}

#[test]
fn every_module_starts_with_a_module_doc() {
    let offences: Vec<String> = rust_sources()
        .into_iter()
        .filter(|path| {
            let text = read(path);
            let documented = |line: &str| line.starts_with("//!") || line.starts_with("#![doc");
            let first = text
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty() && (documented(line) || !line.starts_with("#![")));
            !first.is_some_and(documented)
        })
        .map(|path| {
            format!(
                "{}: add a `//!` line saying what the module is for",
                relative(&path)
            )
        })
        .collect();
    assert_none("modules without a module doc", &offences);
}

/// The comment part of a line of Rust, JavaScript or CSS, if the line has one.
fn comment_of(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") || trimmed.starts_with("/*") || trimmed.starts_with('*') {
        return Some(trimmed);
    }
    line.find(" // ").map(|at| &line[at..])
}

/// Whether `phrase` stands in `text` as whole words (`the seed` but not `the seeded`).
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let after = text[at + phrase.len()..].chars().next();
        !after.is_some_and(char::is_alphanumeric) || !phrase.ends_with(char::is_alphanumeric)
    })
}

#[test]
fn no_comment_cites_a_document_outside_the_repository() {
    let root = repository();
    let mut files = rust_sources();
    files.extend(files_below(
        &root.join("server/src/emulator/assets"),
        &[".js", ".html", ".css"],
    ));
    let mut offences = Vec::new();
    for path in files {
        for (number, line) in read(&path).lines().enumerate() {
            let Some(comment) = comment_of(line) else {
                continue;
            };
            let lower = comment.to_lowercase();
            if let Some(phrase) = OUTSIDE_REFERENCES
                .iter()
                .find(|phrase| contains_phrase(&lower, phrase))
            {
                offences.push(format!(
                    "{}:{}: `{phrase}` points outside the repository; state the fact, or move the \
                     decision to docs/decisions.md and link it",
                    relative(&path),
                    number + 1
                ));
            }
        }
    }
    assert_none(
        "comments citing documents the repository does not hold",
        &offences,
    );
}

#[test]
fn markdown_links_stay_inside_the_repository() {
    let root = repository();
    let mut offences = Vec::new();
    for path in files_below(&root, &[".md"]) {
        for (number, line) in read(&path).lines().enumerate() {
            if line.contains("../shared") || line.contains("shared/seeds") {
                offences.push(format!(
                    "{}:{}: links to a document outside the repository",
                    relative(&path),
                    number + 1
                ));
            }
        }
    }
    assert_none("Markdown pointing outside the repository", &offences);
}

#[test]
fn generated_files_have_no_trailing_whitespace() {
    let root = repository();
    let mut offences = Vec::new();
    for path in files_below(
        &root.join("schema"),
        &[".json", ".jsonl", ".ts", ".md", ".yaml"],
    ) {
        for (number, line) in read(&path).lines().enumerate() {
            if line.ends_with(' ') || line.ends_with('\t') {
                offences.push(format!("{}:{}", relative(&path), number + 1));
            }
        }
    }
    assert_none(
        "trailing whitespace in generated files (fix the generator in xtask/src/codegen)",
        &offences,
    );
}

#[test]
fn generated_typescript_comments_speak_typescript() {
    let root = repository();
    let mut offences = Vec::new();
    for path in files_below(&root.join("schema/typescript"), &[".d.ts"]) {
        for (number, line) in read(&path).lines().enumerate() {
            let Some(comment) = comment_of(line) else {
                continue;
            };
            if let Some(rust) = RUST_TYPES.iter().find(|rust| comment.contains(*rust)) {
                offences.push(format!(
                    "{}:{}: the comment shows the Rust type `{rust}…`; name the TypeScript type",
                    relative(&path),
                    number + 1
                ));
            }
        }
    }
    assert_none("Rust types in the generated TypeScript", &offences);
}

#[test]
fn generated_asyncapi_speaks_json() {
    let path = repository().join("schema/asyncapi.json");
    let offences: Vec<String> = read(&path)
        .lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let rust = RUST_TYPES.iter().find(|rust| line.contains(*rust))?;
            Some(format!(
                "{}:{}: shows the Rust type `{rust}…`; name the schema type",
                relative(&path),
                number + 1
            ))
        })
        .collect();
    assert_none("Rust types in the generated AsyncAPI", &offences);
}

/// An open enum (a union ending in `(string & {})`) is declared once as a named type and
/// referred to by name everywhere else.
#[test]
fn generated_typescript_names_its_open_enums() {
    let root = repository();
    let mut offences = Vec::new();
    for path in files_below(&root.join("schema/typescript"), &[".d.ts"]) {
        let text = read(&path);
        let lines: Vec<&str> = text.lines().collect();
        for (number, line) in lines.iter().enumerate() {
            if !line.contains("(string & {})") {
                continue;
            }
            // The union's statement starts at the nearest line above that is not a `|` line.
            let start = lines[..=number]
                .iter()
                .rposition(|line| !line.trim_start().starts_with('|'))
                .map_or("", |at| lines[at]);
            if !start.trim_start().starts_with("export type ") {
                offences.push(format!(
                    "{}:{}: an open-enum union written inline; declare it once with `export type` \
                     and use its name",
                    relative(&path),
                    number + 1
                ));
            }
        }
    }
    assert_none("open-enum unions repeated inline", &offences);
}
