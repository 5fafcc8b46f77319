//! JSON Schema (draft 2020-12, as the catalogue uses it) to TypeScript types.
//!
//! TypeScript describes shapes, not validation: keywords that only narrow values (`minLength`,
//! `pattern`, `format`, `not`, `if`/`then`, ...) are dropped, so a generated type accepts a
//! superset of what the schema accepts. Keywords this converter does not know are an error, so a
//! new construct in the catalogue is noticed rather than silently typed as `unknown`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::ast::{Object, Property, Ts, Tuple, is_identifier};
use crate::codegen::model::referenced_name;

/// Keywords that narrow values without changing their TypeScript shape, or only annotate.
const VALIDATION_ONLY: &[&str] = &[
    "$comment",
    "$id",
    "$schema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
    "contentEncoding",
    "contentMediaType",
    "not",
    "if",
    "then",
    "else",
];

/// Keywords that shape the TypeScript type.
const STRUCTURAL: &[&str] = &[
    "type",
    "enum",
    "const",
    "examples",
    "pattern",
    "$ref",
    "anyOf",
    "oneOf",
    "allOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
];

/// A type declaration produced while converting: the named type itself, or an inline subschema
/// with a `title`, hoisted so that consumers can name it (`ServiceMessageFailure`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Declaration {
    /// Type name.
    pub(crate) name: String,
    /// The type.
    pub(crate) ty: Ts,
    /// Documentation.
    pub(crate) doc: Option<String>,
}

/// The named open enumerations of a group: their known values, in order, to the type's name.
/// A closed list of exactly those values (an event family's tags, say) is written as the named
/// type rather than repeated inline; the named type admits any other string too, a superset
/// as everywhere in these declarations.
pub(crate) type OpenEnums = BTreeMap<Vec<String>, String>;

/// The open enumerations among `types` (a string schema with string `examples`).
pub(crate) fn open_enums<'a>(
    types: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> OpenEnums {
    types
        .into_iter()
        .filter(|(_, schema)| schema.get("type") == Some(&Value::from("string")))
        .filter_map(|(name, schema)| Some((string_list(schema.get("examples")?)?, name.clone())))
        .collect()
}

/// The strings of a non-empty array of strings.
fn string_list(values: &Value) -> Option<Vec<String>> {
    let values = values.as_array()?;
    let strings: Vec<String> = values
        .iter()
        .map(|value| value.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    (!strings.is_empty()).then_some(strings)
}

/// Converts the schema of named type `name` into its declaration, followed by declarations of
/// the titled subschemas it contains; closed lists of a named open enumeration's values refer
/// to it by name.
pub(crate) fn declare(
    name: &str,
    schema: &Value,
    doc: Option<String>,
    open_enums: &OpenEnums,
) -> Result<Vec<Declaration>, String> {
    let mut converter = Converter {
        hoisted: BTreeMap::new(),
        open_enums,
    };
    let ty = converter
        .convert(schema, name, true)
        .map_err(|err| format!("type `{name}`: {err}"))?;
    let mut out = vec![Declaration {
        name: name.into(),
        ty,
        doc: description(schema).or(doc),
    }];
    out.extend(converter.hoisted.into_values());
    Ok(out)
}

/// Converts a schema that is not a declaration of its own (no hoisting context is needed).
pub(crate) fn type_of(schema: &Value) -> Result<Ts, String> {
    let mut converter = Converter {
        hoisted: BTreeMap::new(),
        open_enums: &OpenEnums::new(),
    };
    let ty = converter.convert(schema, "", true)?;
    if let Some(name) = converter.hoisted.keys().next() {
        return Err(format!("titled subschema `{name}` outside a declaration"));
    }
    Ok(ty)
}

struct Converter<'a> {
    hoisted: BTreeMap<String, Declaration>,
    open_enums: &'a OpenEnums,
}

impl Converter<'_> {
    /// `owner` names the declaration being converted; `is_root` is true for its own schema.
    fn convert(&mut self, schema: &Value, owner: &str, is_root: bool) -> Result<Ts, String> {
        let map = match schema {
            Value::Bool(true) => return Ok(Ts::Unknown),
            Value::Bool(false) => return Ok(Ts::Never),
            Value::Object(map) => map,
            other => return Err(format!("not a schema: {other}")),
        };
        if let Some(unknown) = map
            .keys()
            .find(|k| !VALIDATION_ONLY.contains(&k.as_str()) && !STRUCTURAL.contains(&k.as_str()))
        {
            return Err(format!("unsupported keyword `{unknown}`"));
        }
        if !is_root
            && !owner.is_empty()
            && let Some(Value::String(title)) = map.get("title")
            && is_identifier(title)
        {
            return self.hoist(schema, owner, title);
        }

        let mut parts = Vec::new();
        if let Some(reference) = map.get("$ref") {
            let reference = reference.as_str().ok_or("`$ref` is not a string")?;
            parts.push(Ts::Ref(referenced_name(reference)?.to_owned()));
        }
        if let Some(value) = map.get("const") {
            parts.push(Ts::Literal(value.clone()));
        } else if let Some(values) = map.get("enum") {
            let named = string_list(values).and_then(|list| self.open_enums.get(&list));
            if let Some(name) = named {
                parts.push(Ts::Ref(name.clone()));
            } else {
                let values = values.as_array().ok_or("`enum` is not an array")?;
                parts.push(Ts::union(values.iter().cloned().map(Ts::Literal)));
            }
        } else if let Some(base) = self.typed_base(map, owner)? {
            // `const`/`enum` already say everything `type` would.
            parts.push(base);
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(branches) = map.get(keyword) {
                let branches = self.convert_all(branches, keyword, owner)?;
                parts.push(Ts::union(branches));
            }
        }
        if let Some(members) = map.get("allOf") {
            parts.extend(self.convert_all(members, "allOf", owner)?);
        }
        Ok(Ts::intersection(parts))
    }

    fn convert_all(&mut self, list: &Value, keyword: &str, owner: &str) -> Result<Vec<Ts>, String> {
        list.as_array()
            .ok_or_else(|| format!("`{keyword}` is not an array"))?
            .iter()
            .map(|schema| self.convert(schema, owner, false))
            .collect()
    }

    fn hoist(&mut self, schema: &Value, owner: &str, title: &str) -> Result<Ts, String> {
        let name = format!("{owner}{title}");
        let ty = self.convert(schema, owner, true)?;
        let declaration = Declaration {
            name: name.clone(),
            ty,
            doc: description(schema)
                .or_else(|| Some(format!("The `{title}` branch of `{owner}`."))),
        };
        match self.hoisted.get(&name) {
            Some(existing) if *existing != declaration => {
                return Err(format!("two different subschemas titled `{title}`"));
            }
            Some(_) => {}
            None => {
                self.hoisted.insert(name.clone(), declaration);
            }
        }
        Ok(Ts::Ref(name))
    }

    /// The type given by `type` (or implied by object/array keywords), if any.
    fn typed_base(&mut self, map: &Map<String, Value>, owner: &str) -> Result<Option<Ts>, String> {
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many
                .iter()
                .map(|t| t.as_str().ok_or("`type` lists a non-string"))
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("`type` is {other}")),
            None if ["properties", "required", "additionalProperties"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
            {
                vec!["object"]
            }
            None if ["items", "prefixItems"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
            {
                vec!["array"]
            }
            None => return Ok(None),
        };
        let mut members = Vec::new();
        for ty in types {
            members.push(match ty {
                "string" => string_type(map)?,
                "integer" | "number" => Ts::Number,
                "boolean" => Ts::Boolean,
                "null" => Ts::Null,
                "array" => self.array_type(map, owner)?,
                "object" => self.object_type(map, owner)?,
                other => return Err(format!("unknown type `{other}`")),
            });
        }
        Ok(Some(Ts::union(members)))
    }

    fn array_type(&mut self, map: &Map<String, Value>, owner: &str) -> Result<Ts, String> {
        let items = match map.get("items") {
            Some(items) => self.convert(items, owner, false)?,
            None => Ts::Unknown,
        };
        let Some(prefix) = map.get("prefixItems") else {
            return Ok(Ts::Array(Box::new(items)));
        };
        let elements = self.convert_all(prefix, "prefixItems", owner)?;
        let min_items = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let required = usize::try_from(min_items)
            .unwrap_or(usize::MAX)
            .min(elements.len());
        let rest = (items != Ts::Never).then(|| Box::new(items));
        Ok(Ts::Tuple(Tuple {
            elements,
            required,
            rest,
        }))
    }

    fn object_type(&mut self, map: &Map<String, Value>, owner: &str) -> Result<Ts, String> {
        let required: BTreeSet<&str> = match map.get("required") {
            Some(list) => list
                .as_array()
                .ok_or("`required` is not an array")?
                .iter()
                .map(|name| name.as_str().ok_or("`required` lists a non-string"))
                .collect::<Result<_, _>>()?,
            None => BTreeSet::new(),
        };
        let empty = Map::new();
        let declared = match map.get("properties") {
            Some(Value::Object(properties)) => properties,
            Some(_) => return Err("`properties` is not an object".into()),
            None => &empty,
        };
        let mut properties = Vec::new();
        for (name, schema) in declared {
            properties.push(Property {
                name: name.clone(),
                optional: !required.contains(name.as_str()),
                ty: self
                    .convert(schema, owner, false)
                    .map_err(|err| format!("property `{name}`: {err}"))?,
                doc: description(schema),
            });
        }
        // Required but undeclared keys must be present with any value.
        for name in required
            .iter()
            .filter(|name| !declared.contains_key(**name))
        {
            properties.push(Property {
                name: (*name).to_owned(),
                optional: false,
                ty: Ts::Unknown,
                doc: None,
            });
        }
        let index = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            None | Some(Value::Bool(true)) => Some(Box::new(Ts::Unknown)),
            // Every declared property must also fit an index signature, so a typed one is only
            // usable when nothing else is declared.
            Some(schema) if properties.is_empty() => {
                Some(Box::new(self.convert(schema, owner, false)?))
            }
            Some(_) => Some(Box::new(Ts::Unknown)),
        };
        Ok(Ts::Object(Object { properties, index }))
    }
}

/// `string`, or for an open enumeration (`examples` on a string) its known values plus any
/// other string, or for a literal prefix `pattern` a template literal type.
fn string_type(map: &Map<String, Value>) -> Result<Ts, String> {
    if let Some(examples) = map.get("examples") {
        let examples = examples.as_array().ok_or("`examples` is not an array")?;
        if !examples.is_empty() && examples.iter().all(Value::is_string) {
            let known = examples.iter().cloned().map(Ts::Literal);
            return Ok(Ts::union(known.chain([Ts::any_other_string()])));
        }
    }
    if let Some(Value::String(pattern)) = map.get("pattern")
        && let Some(prefix) = literal_prefix(pattern)
    {
        return Ok(Ts::StringWithPrefix(prefix));
    }
    Ok(Ts::String)
}

/// `^messenger:` → `messenger:`; `None` for any pattern that is more than a literal prefix.
fn literal_prefix(pattern: &str) -> Option<String> {
    let literal = pattern.strip_prefix('^')?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '/' | ' ');
    (!literal.is_empty() && literal.chars().all(plain)).then(|| literal.to_owned())
}

fn description(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(schema: Value) -> String {
        match type_of(&schema) {
            Ok(ty) => ty.render(0),
            Err(err) => format!("error: {err}"),
        }
    }

    #[test]
    fn primitive_types() {
        assert_eq!(ts(json!({ "type": "string" })), "string");
        assert_eq!(
            ts(json!({ "type": "integer", "format": "int64" })),
            "number"
        );
        assert_eq!(ts(json!({ "type": "number" })), "number");
        assert_eq!(ts(json!({ "type": "boolean" })), "boolean");
        assert_eq!(ts(json!({ "type": "null" })), "null");
    }

    #[test]
    fn boolean_and_empty_schemas() {
        assert_eq!(ts(json!(true)), "unknown");
        assert_eq!(ts(json!(false)), "never");
        assert_eq!(ts(json!({})), "unknown");
        assert_eq!(ts(json!({ "description": "anything" })), "unknown");
    }

    #[test]
    fn nullable_type_arrays_become_unions() {
        assert_eq!(ts(json!({ "type": ["string", "null"] })), "string | null");
        assert_eq!(
            ts(json!({ "type": ["array", "null"], "items": { "$ref": "#/$defs/Role" } })),
            "Role[] | null"
        );
    }

    #[test]
    fn const_and_enum_become_literals_and_win_over_type() {
        assert_eq!(ts(json!({ "const": "agent" })), "\"agent\"");
        assert_eq!(ts(json!({ "type": "string", "const": "x" })), "\"x\"");
        assert_eq!(
            ts(json!({ "enum": ["A", 2, null, false] })),
            "\"A\" | 2 | null | false"
        );
    }

    #[test]
    fn string_examples_make_an_open_enumeration() {
        assert_eq!(
            ts(json!({ "type": "string", "examples": ["IN", "OUT"] })),
            "\"IN\" | \"OUT\" | (string & {})"
        );
        assert_eq!(
            ts(json!({ "type": ["string", "null"], "examples": ["IN"] })),
            "\"IN\" | (string & {}) | null"
        );
    }

    #[test]
    fn literal_prefix_patterns_become_template_literals_and_others_strings() {
        assert_eq!(
            ts(json!({ "type": "string", "pattern": "^messenger:" })),
            "`messenger:${string}`"
        );
        assert_eq!(ts(json!({ "type": "string", "pattern": "WWE" })), "string");
        assert_eq!(ts(json!({ "type": "string", "pattern": "^a.b" })), "string");
    }

    #[test]
    fn refs_name_the_definition() {
        assert_eq!(ts(json!({ "$ref": "#/$defs/Agent" })), "Agent");
        assert_eq!(
            ts(json!({ "$ref": "#/$defs/Agent", "description": "why" })),
            "Agent"
        );
        assert!(ts(json!({ "$ref": "Agent.json" })).starts_with("error: unsupported $ref"));
    }

    #[test]
    fn any_of_and_one_of_are_unions_all_of_an_intersection() {
        assert_eq!(
            ts(json!({ "anyOf": [{ "$ref": "#/$defs/A" }, { "type": "null" }] })),
            "A | null"
        );
        assert_eq!(
            ts(json!({ "oneOf": [{ "$ref": "#/$defs/A" }, { "$ref": "#/$defs/B" }] })),
            "A | B"
        );
        assert_eq!(
            ts(json!({ "allOf": [{ "$ref": "#/$defs/A" }, { "$ref": "#/$defs/B" }] })),
            "A & B"
        );
    }

    #[test]
    fn validation_only_members_of_all_of_vanish() {
        let rule = json!({ "if": { "required": ["request"] }, "then": { "required": ["x"] } });
        let falsy = json!({ "anyOf": [
            { "not": { "required": ["event"] } },
            { "properties": { "event": { "enum": [null, false, 0, ""] } } }
        ] });
        assert_eq!(
            ts(json!({ "allOf": [rule, falsy, { "$ref": "#/$defs/A" }] })),
            "A"
        );
    }

    #[test]
    fn objects_mark_optional_properties_and_keep_descriptions() {
        let schema = json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "description": "The id." },
                "note": { "type": ["string", "null"] }
            },
            "required": ["id"],
            "additionalProperties": false
        });
        assert_eq!(
            ts(schema),
            "{\n  /** The id. */\n  id: string;\n  note?: string | null;\n}"
        );
    }

    #[test]
    fn additional_properties_become_index_signatures() {
        assert_eq!(
            ts(json!({ "type": "object" })),
            "{ [key: string]: unknown }"
        );
        assert_eq!(
            ts(json!({ "type": "object", "additionalProperties": { "type": "string" } })),
            "{ [key: string]: string }"
        );
        // A typed index signature would have to admit the declared properties too.
        assert_eq!(
            ts(json!({ "properties": { "a": { "type": "integer" } },
                       "additionalProperties": { "type": "string" } })),
            "{\n  a?: number;\n  [key: string]: unknown;\n}"
        );
        assert_eq!(
            ts(json!({ "type": ["object", "null"], "additionalProperties": true })),
            "{ [key: string]: unknown } | null"
        );
    }

    #[test]
    fn required_keys_without_a_schema_are_required_unknowns() {
        assert_eq!(
            ts(json!({ "required": ["frameId"] })),
            "{\n  frameId: unknown;\n  [key: string]: unknown;\n}"
        );
    }

    #[test]
    fn properties_beside_one_of_intersect_with_the_union() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": { "v": { "type": "integer" } },
            "oneOf": [{ "$ref": "#/$defs/A" }, { "$ref": "#/$defs/B" }]
        });
        assert_eq!(ts(schema), "{ v?: number } & (A | B)");
    }

    #[test]
    fn items_make_arrays_and_prefix_items_tuples() {
        assert_eq!(
            ts(json!({ "type": "array", "items": { "type": "string" } })),
            "string[]"
        );
        assert_eq!(ts(json!({ "type": "array" })), "unknown[]");
        assert_eq!(
            ts(json!({ "type": "array", "minItems": 1,
                       "prefixItems": [{ "type": "string" }, { "type": ["object", "null"], "additionalProperties": false }] })),
            "[string, ({} | null)?, ...unknown[]]"
        );
        assert_eq!(
            ts(
                json!({ "type": "array", "minItems": 0, "prefixItems": [{ "type": "string" }], "items": false })
            ),
            "[string?]"
        );
        assert_eq!(
            ts(
                json!({ "type": "array", "minItems": 2, "prefixItems": [{ "type": "string" }], "items": { "type": "number" } })
            ),
            "[string, ...number[]]"
        );
    }

    #[test]
    fn titled_subschemas_are_hoisted_into_named_declarations() {
        let schema = json!({
            "description": "Any message.",
            "oneOf": [
                { "title": "Failure", "description": "It failed.",
                  "properties": { "errorMessage": { "type": "string" } },
                  "required": ["errorMessage"], "additionalProperties": false },
                { "title": "Ok", "type": "object", "additionalProperties": false }
            ]
        });
        let declarations = declare("Message", &schema, None, &OpenEnums::new()).unwrap_or_default();
        let rendered: Vec<(String, String, Option<String>)> = declarations
            .into_iter()
            .map(|d| (d.name, d.ty.render(0), d.doc))
            .collect();
        assert_eq!(
            rendered,
            [
                (
                    "Message".into(),
                    "MessageFailure | MessageOk".into(),
                    Some("Any message.".into())
                ),
                (
                    "MessageFailure".into(),
                    "{ errorMessage: string }".into(),
                    Some("It failed.".into())
                ),
                (
                    "MessageOk".into(),
                    "{}".into(),
                    Some("The `Ok` branch of `Message`.".into())
                ),
            ]
        );
    }

    #[test]
    fn a_root_title_is_not_hoisted() {
        let declarations = declare(
            "Agent",
            &json!({ "title": "Agent", "type": "string" }),
            None,
            &OpenEnums::new(),
        )
        .unwrap_or_default();
        assert_eq!(declarations.len(), 1);
        assert_eq!(declarations[0].ty, Ts::String);
    }

    #[test]
    fn file_titles_document_roots_without_a_description() {
        let declarations = declare(
            "X",
            &json!(true),
            Some("From the file.".into()),
            &OpenEnums::new(),
        )
        .unwrap_or_default();
        assert_eq!(declarations[0].doc.as_deref(), Some("From the file."));
    }

    #[test]
    fn closed_lists_of_a_named_open_enum_refer_to_it() {
        let types = BTreeMap::from([
            (
                "Direction".to_owned(),
                json!({ "type": "string", "examples": ["IN", "OUT"] }),
            ),
            ("Count".to_owned(), json!({ "type": "integer" })),
        ]);
        let open = open_enums(&types);
        assert_eq!(open.len(), 1);
        let schema = json!({ "properties": {
            "same": { "enum": ["IN", "OUT"] },
            "fewer": { "enum": ["IN"] },
            "reordered": { "enum": ["OUT", "IN"] }
        }, "required": ["same", "fewer", "reordered"], "additionalProperties": false });
        let declarations = declare("Leg", &schema, None, &open).unwrap_or_default();
        assert_eq!(
            declarations[0].ty.render(0),
            "{\n  fewer: \"IN\";\n  reordered: \"OUT\" | \"IN\";\n  same: Direction;\n}"
        );
    }

    #[test]
    fn unknown_keywords_are_errors() {
        assert_eq!(
            ts(json!({ "type": "object", "patternProperties": {} })),
            "error: unsupported keyword `patternProperties`"
        );
        assert_eq!(
            ts(json!({ "properties": { "a": { "type": "date" } } })),
            "error: property `a`: unknown type `date`"
        );
    }
}
