//! The option-file form administrators write: `key=value` lines, optional `[section]`
//! headers, `#` or `;` comment lines, whitespace around everything. A UTF-8 byte-order
//! mark (Windows editors write one) is skipped, and lines may end in `\n` or `\r\n`.

use super::diagnostic::{ErrorKind, PolicyError};

/// The section holding the Service Client API options.
pub(crate) const SECTION: &str = "interaction-workspace";

/// One `key=value` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OptionLine<'a> {
    /// The section the line is in (`None` before any header).
    pub(crate) section: Option<&'a str>,
    pub(crate) key: &'a str,
    pub(crate) value: &'a str,
    /// 1-based line number.
    pub(crate) line: usize,
    /// 1-based character column of the key.
    pub(crate) key_column: usize,
    /// 1-based character column where the (trimmed) value starts.
    pub(crate) value_column: usize,
}

impl OptionLine<'_> {
    /// Line and column of a byte offset inside the value.
    pub(crate) fn at(&self, offset: usize) -> (usize, usize) {
        let before = self.value.get(..offset).unwrap_or(self.value);
        (self.line, self.value_column + before.chars().count())
    }
}

fn column_of(line: &str, part: &str) -> usize {
    // `part` is a subslice of `line`; its byte offset is the pointer difference.
    let offset = (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    line.get(..offset)
        .map_or(1, |before| before.chars().count() + 1)
}

/// The byte-order mark some editors put at the start of a UTF-8 file.
const BOM: char = '\u{feff}';

/// Splits a file into option lines, collecting structural errors. A byte-order mark is
/// skipped at the start of the file and of every line (files joined with `cat` keep the
/// marks of the later ones); columns count from the first character after it, as editors
/// show them.
pub(crate) fn lex<'a>(text: &'a str, errors: &mut Vec<PolicyError>) -> Vec<OptionLine<'a>> {
    let mut section = None;
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.strip_prefix(BOM).unwrap_or(raw);
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            match header.strip_suffix(']').map(str::trim) {
                Some(name) if !name.is_empty() => section = Some(name),
                _ => errors.push(PolicyError {
                    kind: ErrorKind::MalformedSection,
                    line,
                    column: column_of(raw, trimmed),
                    option: "[section]".into(),
                    problem: format!("`{trimmed}` is not a section header"),
                    hint: format!("write a header as `[{SECTION}]`"),
                }),
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            errors.push(PolicyError {
                kind: ErrorKind::MissingEquals,
                line,
                column: column_of(raw, trimmed),
                option: trimmed.chars().take(60).collect(),
                problem: "the line has no `=`".into(),
                hint: "write options as `key=value`; start comments with `#`".into(),
            });
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            errors.push(PolicyError {
                kind: ErrorKind::EmptyKey,
                line,
                column: column_of(raw, trimmed),
                option: "(no key)".into(),
                problem: "the line has a value but no option name".into(),
                hint: "write the option name before `=`".into(),
            });
            continue;
        }
        lines.push(OptionLine {
            section,
            key,
            value,
            line,
            key_column: column_of(raw, key),
            // An empty value has no address of its own: point just past the `=`.
            value_column: if value.is_empty() {
                column_of(raw, trimmed) + trimmed.chars().count()
            } else {
                column_of(raw, value)
            },
        });
    }
    lines
}
