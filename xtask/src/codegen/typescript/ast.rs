//! A small TypeScript type-expression tree and its printer.
//!
//! Converting schemas into this tree first (rather than straight into text) keeps precedence,
//! flattening and indentation in one place, so the converter only decides *what* a schema means.

use std::fmt::Write as _;

/// A TypeScript type expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ts {
    /// `unknown`
    Unknown,
    /// `never`
    Never,
    /// `null`
    Null,
    /// `string`
    String,
    /// `number`
    Number,
    /// `boolean`
    Boolean,
    /// A JSON literal (`"agent"`, `2`, `false`, `null`), printed as JSON.
    Literal(serde_json::Value),
    /// `` `prefix${string}` ``: a string known to start with `prefix`.
    StringWithPrefix(String),
    /// A named type.
    Ref(String),
    /// `T[]`
    Array(Box<Ts>),
    /// `[A, B?, ...R[]]`
    Tuple(Tuple),
    /// `{ a: A; b?: B; [key: string]: V }`
    Object(Object),
    /// `A | B`
    Union(Vec<Ts>),
    /// `A & B`
    Intersection(Vec<Ts>),
}

/// Elements of a tuple type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tuple {
    /// Leading elements; the first `required` of them are mandatory, the rest optional.
    pub(crate) elements: Vec<Ts>,
    /// How many leading elements are mandatory.
    pub(crate) required: usize,
    /// Type of further elements, `None` when no more are allowed.
    pub(crate) rest: Option<Box<Ts>>,
}

/// Members of an object type.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object {
    /// Named properties, in output order.
    pub(crate) properties: Vec<Property>,
    /// Type of any other property, `None` when no others are allowed.
    pub(crate) index: Option<Box<Ts>>,
}

/// One named property.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Property {
    /// Wire name.
    pub(crate) name: String,
    /// Whether the key may be absent.
    pub(crate) optional: bool,
    /// Its type.
    pub(crate) ty: Ts,
    /// Documentation from the schema's `description`.
    pub(crate) doc: Option<String>,
}

impl Ts {
    /// `A | B | ...`, flattened, without duplicates or `never`; `unknown` absorbs the rest.
    pub(crate) fn union(members: impl IntoIterator<Item = Ts>) -> Ts {
        let mut out: Vec<Ts> = Vec::new();
        for member in members {
            let parts = match member {
                Ts::Union(inner) => inner,
                Ts::Never => continue,
                Ts::Unknown => return Ts::Unknown,
                other => vec![other],
            };
            for part in parts {
                if !out.contains(&part) {
                    out.push(part);
                }
            }
        }
        match out.len() {
            0 => Ts::Never,
            1 => out.swap_remove(0),
            _ => Ts::Union(out),
        }
    }

    /// `A & B & ...`, flattened, without duplicates or `unknown`; `never` absorbs the rest.
    pub(crate) fn intersection(members: impl IntoIterator<Item = Ts>) -> Ts {
        let mut out: Vec<Ts> = Vec::new();
        for member in members {
            let parts = match member {
                Ts::Intersection(inner) => inner,
                Ts::Unknown => continue,
                Ts::Never => return Ts::Never,
                other => vec![other],
            };
            for part in parts {
                if !out.contains(&part) {
                    out.push(part);
                }
            }
        }
        match out.len() {
            0 => Ts::Unknown,
            1 => out.swap_remove(0),
            _ => Ts::Intersection(out),
        }
    }

    /// `string & {}`: any string, written so that editors still suggest the literal members of
    /// the union it sits in (a bare `string` would swallow them).
    pub(crate) fn any_other_string() -> Ts {
        Ts::Intersection(vec![Ts::String, Ts::Object(Object::default())])
    }

    /// The expression as TypeScript source; continuation lines are indented by `indent` levels.
    pub(crate) fn render(&self, indent: usize) -> String {
        match self {
            Ts::Unknown => "unknown".into(),
            Ts::Never => "never".into(),
            Ts::Null => "null".into(),
            Ts::String => "string".into(),
            Ts::Number => "number".into(),
            Ts::Boolean => "boolean".into(),
            Ts::Literal(value) => value.to_string(),
            Ts::StringWithPrefix(prefix) => {
                format!("`{}${{string}}`", escape_template(prefix))
            }
            Ts::Ref(name) => name.clone(),
            Ts::Array(item) => format!("{}[]", item.render_operand(indent, Precedence::Array)),
            Ts::Tuple(tuple) => render_tuple(tuple, indent),
            Ts::Object(object) => render_object(object, indent),
            Ts::Union(members) => render_union(members, indent),
            Ts::Intersection(members) => {
                let parts: Vec<String> = members
                    .iter()
                    .map(|m| m.render_operand(indent, Precedence::Intersection))
                    .collect();
                parts.join(" & ")
            }
        }
    }

    /// Renders as an operand of an operator binding at `context`, parenthesised if needed.
    fn render_operand(&self, indent: usize, context: Precedence) -> String {
        let own = match self {
            Ts::Union(_) => Precedence::Union,
            Ts::Intersection(_) => Precedence::Intersection,
            _ => Precedence::Atom,
        };
        let text = self.render(indent);
        if own < context || (own == Precedence::Intersection && context == Precedence::Union) {
            // Intersections inside unions are parenthesised for the reader, not the parser.
            if text.starts_with('\n') {
                format!("({text}\n{})", pad(indent))
            } else {
                format!("({text})")
            }
        } else {
            text
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Union,
    Intersection,
    Array,
    Atom,
}

fn pad(indent: usize) -> String {
    "  ".repeat(indent)
}

fn escape_template(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${")
}

fn render_union(members: &[Ts], indent: usize) -> String {
    let parts: Vec<String> = members
        .iter()
        .map(|m| m.render_operand(indent + 1, Precedence::Union))
        .collect();
    let one_line = parts.join(" | ");
    if !one_line.contains('\n') && one_line.len() <= 80 {
        return one_line;
    }
    let mut out = String::new();
    for part in parts {
        let _ = write!(out, "\n{}| {part}", pad(indent + 1));
    }
    out
}

fn render_tuple(tuple: &Tuple, indent: usize) -> String {
    let mut parts: Vec<String> = tuple
        .elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            let optional = i >= tuple.required;
            let context = if optional {
                Precedence::Array
            } else {
                Precedence::Union
            };
            let mut text = element.render_operand(indent, context);
            if optional {
                text.push('?');
            }
            text
        })
        .collect();
    if let Some(rest) = &tuple.rest {
        parts.push(format!(
            "...{}[]",
            rest.render_operand(indent, Precedence::Array)
        ));
    }
    format!("[{}]", parts.join(", "))
}

fn render_object(object: &Object, indent: usize) -> String {
    if object.properties.is_empty() && object.index.is_none() {
        return "{}".into();
    }
    // A single undocumented member reads best on one line: `{ [key: string]: unknown }`.
    let members = object.properties.len() + usize::from(object.index.is_some());
    if members == 1 && object.properties.iter().all(|p| p.doc.is_none()) {
        let member = match (object.properties.first(), &object.index) {
            (Some(property), _) => format!(
                "{}{}: {}",
                property_key(&property.name),
                if property.optional { "?" } else { "" },
                property.ty.render(indent)
            ),
            (None, Some(index)) => format!("[key: string]: {}", index.render(indent)),
            (None, None) => String::new(),
        };
        if !member.contains('\n') {
            return format!("{{ {member} }}");
        }
    }
    let inner = pad(indent + 1);
    let mut out = String::from("{\n");
    for property in &object.properties {
        if let Some(doc) = &property.doc {
            out.push_str(&doc_comment(doc, indent + 1));
        }
        let _ = writeln!(
            out,
            "{inner}{}{}:{}",
            property_key(&property.name),
            if property.optional { "?" } else { "" },
            after_colon(&property.ty, indent + 1)
        );
    }
    if let Some(index) = &object.index {
        let _ = writeln!(
            out,
            "{inner}[key: string]:{}",
            after_colon(index, indent + 1)
        );
    }
    out.push_str(&pad(indent));
    out.push('}');
    out
}

/// What follows a member's colon: ` type;`, or a multi-line type from its first line break
/// (so that no line ends in a space).
fn after_colon(ty: &Ts, indent: usize) -> String {
    let text = ty.render(indent);
    let separator = if text.starts_with('\n') { "" } else { " " };
    format!("{separator}{text};")
}

/// A property key: bare when it is an identifier, quoted otherwise.
pub(crate) fn property_key(name: &str) -> String {
    if is_identifier(name) {
        name.into()
    } else {
        serde_json::Value::String(name.into()).to_string()
    }
}

/// Whether `name` can be written bare as a TypeScript identifier or property key.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A JSDoc block at `indent`, ending with a newline.
pub(crate) fn doc_comment(text: &str, indent: usize) -> String {
    let prefix = pad(indent);
    let text = text.trim().replace("*/", "*\\/");
    let lines: Vec<&str> = text.lines().collect();
    if let [line] = lines.as_slice() {
        return format!("{prefix}/** {line} */\n");
    }
    let mut out = format!("{prefix}/**\n");
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{prefix} *");
        } else {
            let _ = writeln!(out, "{prefix} * {line}");
        }
    }
    let _ = writeln!(out, "{prefix} */");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prop(name: &str, optional: bool, ty: Ts) -> Property {
        Property {
            name: name.into(),
            optional,
            ty,
            doc: None,
        }
    }

    #[test]
    fn union_flattens_deduplicates_and_drops_never() {
        let ty = Ts::union([
            Ts::String,
            Ts::union([Ts::Null, Ts::String]),
            Ts::Never,
            Ts::Number,
        ]);
        assert_eq!(ty.render(0), "string | null | number");
    }

    #[test]
    fn unknown_absorbs_a_union_and_vanishes_from_an_intersection() {
        assert_eq!(Ts::union([Ts::String, Ts::Unknown]), Ts::Unknown);
        assert_eq!(
            Ts::intersection([Ts::Unknown, Ts::Ref("A".into())]),
            Ts::Ref("A".into())
        );
        assert_eq!(Ts::intersection([]), Ts::Unknown);
        assert_eq!(Ts::union([]), Ts::Never);
    }

    #[test]
    fn operands_are_parenthesised_by_precedence() {
        let either = Ts::union([Ts::String, Ts::Number]);
        assert_eq!(
            Ts::Array(Box::new(either.clone())).render(0),
            "(string | number)[]"
        );
        let both = Ts::intersection([Ts::Ref("A".into()), either]);
        assert_eq!(both.render(0), "A & (string | number)");
        let open = Ts::union([Ts::Literal(json!("IN")), Ts::any_other_string()]);
        assert_eq!(open.render(0), "\"IN\" | (string & {})");
    }

    #[test]
    fn tuples_mark_optional_elements_and_rest() {
        let tuple = Ts::Tuple(Tuple {
            elements: vec![Ts::String, Ts::union([Ts::Boolean, Ts::Null])],
            required: 1,
            rest: Some(Box::new(Ts::Unknown)),
        });
        assert_eq!(tuple.render(0), "[string, (boolean | null)?, ...unknown[]]");
        let closed = Ts::Tuple(Tuple {
            elements: vec![],
            required: 0,
            rest: None,
        });
        assert_eq!(closed.render(0), "[]");
    }

    #[test]
    fn objects_print_one_member_per_line_with_docs_and_quoted_keys() {
        let mut documented = prop("a", false, Ts::String);
        documented.doc = Some("First.\n\nSecond paragraph.".into());
        let object = Ts::Object(Object {
            properties: vec![documented, prop("data-id", true, Ts::Number)],
            index: Some(Box::new(Ts::Unknown)),
        });
        assert_eq!(
            object.render(0),
            "{\n  /**\n   * First.\n   *\n   * Second paragraph.\n   */\n  a: string;\n  \"data-id\"?: number;\n  [key: string]: unknown;\n}"
        );
    }

    #[test]
    fn long_or_multi_line_unions_break_before_each_member() {
        let object = Ts::Object(Object {
            properties: vec![prop("a", false, Ts::String)],
            index: None,
        });
        let ty = Ts::union([object, Ts::Null]);
        assert_eq!(ty.render(0), "{ a: string } | null");
        let two = Ts::Object(Object {
            properties: vec![prop("a", false, Ts::String)],
            index: Some(Box::new(Ts::Unknown)),
        });
        let ty = Ts::union([two.clone(), Ts::Null]);
        assert_eq!(
            ty.render(0),
            "\n  | {\n    a: string;\n    [key: string]: unknown;\n  }\n  | null"
        );
        let nested = Ts::intersection([Ts::Ref("A".into()), Ts::union([two, Ts::Null])]);
        assert_eq!(
            nested.render(0),
            "A & (\n  | {\n    a: string;\n    [key: string]: unknown;\n  }\n  | null\n)"
        );
    }

    #[test]
    fn single_undocumented_members_stay_on_one_line() {
        let index_only = Ts::Object(Object {
            properties: vec![],
            index: Some(Box::new(Ts::Unknown)),
        });
        assert_eq!(index_only.render(0), "{ [key: string]: unknown }");
        let optional = Ts::Object(Object {
            properties: vec![prop("data-id", true, Ts::Number)],
            index: None,
        });
        assert_eq!(optional.render(0), "{ \"data-id\"?: number }");
    }

    #[test]
    fn prefix_strings_become_template_literal_types() {
        assert_eq!(
            Ts::StringWithPrefix("messenger:".into()).render(0),
            "`messenger:${string}`"
        );
        assert_eq!(
            Ts::StringWithPrefix("a`${".into()).render(0),
            "`a\\`\\${${string}`"
        );
    }

    #[test]
    fn doc_comments_cannot_close_early() {
        assert_eq!(doc_comment("a */ b", 1), "  /** a *\\/ b */\n");
    }

    #[test]
    fn identifiers_are_recognised() {
        assert!(is_identifier("referenceId"));
        assert!(is_identifier("$ref"));
        assert!(!is_identifier("1st"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}
