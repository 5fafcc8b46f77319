//! The catalogue regrouped as named types, the common ground of the TypeScript declarations and
//! the AsyncAPI document.
//!
//! Each catalogue file is self-contained (its own `$defs`); a generated TypeScript module or
//! AsyncAPI `components` section instead needs one flat namespace per protocol. Within a group
//! (`scapi`, `srs`, ...) a definition name means one shape, so the `$defs` of all files merge,
//! and every file's root becomes a named type too.

use std::collections::BTreeMap;

use agentdesk_protocol::schema::SchemaEntry;
use serde_json::Value;

/// Prefix of every reference inside a catalogue schema.
pub(crate) const DEFS_PREFIX: &str = "#/$defs/";

/// The named types of one catalogue group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TypeGroup {
    /// First path segment of the group's files (`scapi`).
    pub(crate) name: String,
    /// Every named type: its schema, with `$ref`s still of the form `#/$defs/<name>`.
    pub(crate) types: BTreeMap<String, NamedType>,
    /// Catalogue path (`scapi/types/Agent.json`) to the name of the type at its root.
    pub(crate) roots: BTreeMap<String, String>,
}

/// One named type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NamedType {
    /// The schema, without `$defs`, `$schema`, `$id` and naming `title`.
    pub(crate) schema: Value,
    /// The catalogue entry's title when this type is a file root, for documentation.
    pub(crate) file_title: Option<String>,
}

impl TypeGroup {
    /// The type at the root of catalogue file `path`.
    pub(crate) fn root(&self, path: &str) -> Option<(&str, &NamedType)> {
        let name = self.roots.get(path)?;
        self.types.get(name).map(|ty| (name.as_str(), ty))
    }
}

/// The catalogue split by first path segment, in path order.
pub(crate) fn group_catalogue(entries: &[SchemaEntry]) -> Result<Vec<TypeGroup>, String> {
    let mut groups: BTreeMap<String, TypeGroup> = BTreeMap::new();
    for entry in entries {
        let group_name = entry
            .path
            .split_once('/')
            .map_or("schemas", |(group, _)| group)
            .to_owned();
        let group = groups
            .entry(group_name.clone())
            .or_insert_with(|| TypeGroup {
                name: group_name,
                types: BTreeMap::new(),
                roots: BTreeMap::new(),
            });
        add_entry(group, entry)?;
    }
    Ok(groups.into_values().collect())
}

fn add_entry(group: &mut TypeGroup, entry: &SchemaEntry) -> Result<(), String> {
    let mut root = entry.schema.clone();
    let mut root_name = None;
    if let Value::Object(map) = &mut root {
        if let Some(Value::Object(defs)) = map.remove("$defs") {
            for (name, schema) in defs {
                define(group, &entry.path, name, schema, None)?;
            }
        }
        for key in ["$schema", "$id", "$comment"] {
            map.remove(key);
        }
        // A title that is a type name (schemars writes the Rust type's) names the root; it is
        // then the same type as a `$defs` entry of that name elsewhere, which carries no title.
        if let Some(Value::String(title)) = map.get("title")
            && is_type_name(title)
        {
            root_name = Some(title.clone());
            map.remove("title");
        }
    }
    let name = root_name.unwrap_or_else(|| type_name_for_path(&entry.path));
    define(
        group,
        &entry.path,
        name.clone(),
        root,
        Some(entry.title.clone()),
    )?;
    group.roots.insert(entry.path.clone(), name);
    Ok(())
}

fn define(
    group: &mut TypeGroup,
    path: &str,
    name: String,
    schema: Value,
    file_title: Option<String>,
) -> Result<(), String> {
    match group.types.get_mut(&name) {
        Some(existing) if existing.schema == schema => {
            if existing.file_title.is_none() {
                existing.file_title = file_title;
            }
            Ok(())
        }
        Some(_) => Err(format!(
            "{path}: `{name}` differs from the {group} type of the same name in another file; \
             one name must mean one shape within a group",
            group = group.name
        )),
        None => {
            group.types.insert(name, NamedType { schema, file_title });
            Ok(())
        }
    }
}

/// Whether `title` reads as a type name (`Agent`), not a phrase (`agent.get result`).
fn is_type_name(title: &str) -> bool {
    title.starts_with(|c: char| c.is_ascii_uppercase())
        && title.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `scapi/requests/agent.get.params.json` → `AgentGetParams`.
pub(crate) fn type_name_for_path(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".json").unwrap_or(file);
    stem.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The type a `$ref` inside a catalogue schema points to.
pub(crate) fn referenced_name(reference: &str) -> Result<&str, String> {
    reference
        .strip_prefix(DEFS_PREFIX)
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| format!("unsupported $ref `{reference}`: only `{DEFS_PREFIX}<name>`"))
}

/// Among the `oneOf` branches of `schema`, the one whose `title` is `title`.
pub(crate) fn titled_branch<'a>(schema: &'a Value, title: &str) -> Result<&'a Value, String> {
    schema
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|branches| {
            branches
                .iter()
                .find(|branch| branch.get("title").and_then(Value::as_str) == Some(title))
        })
        .ok_or_else(|| format!("no `oneOf` branch titled `{title}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(path: &str, schema: Value) -> SchemaEntry {
        SchemaEntry {
            path: path.into(),
            title: format!("title of {path}"),
            schema,
        }
    }

    #[test]
    fn paths_become_pascal_case_names() {
        assert_eq!(
            type_name_for_path("scapi/requests/agent.get.params.json"),
            "AgentGetParams"
        );
        assert_eq!(
            type_name_for_path("scapi/client-message.json"),
            "ClientMessage"
        );
    }

    #[test]
    fn defs_merge_and_titled_roots_join_them() {
        let agent = json!({ "type": "object" });
        let entries = [
            entry(
                "scapi/requests/agent.get.result.json",
                json!({ "$ref": "#/$defs/Agent", "title": "agent.get result",
                        "$defs": { "Agent": agent } }),
            ),
            entry(
                "scapi/types/Agent.json",
                json!({ "type": "object", "title": "Agent", "$schema": "x" }),
            ),
            entry("srs/Device.json", Value::Bool(true)),
        ];
        let groups = group_catalogue(&entries).unwrap_or_default();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["scapi", "srs"]);
        let scapi = &groups[0];
        assert_eq!(
            scapi.types.keys().collect::<Vec<_>>(),
            ["Agent", "AgentGetResult"]
        );
        assert_eq!(scapi.types["Agent"].schema, agent);
        assert_eq!(
            scapi.types["Agent"].file_title.as_deref(),
            Some("title of scapi/types/Agent.json")
        );
        assert_eq!(
            scapi.roots["scapi/requests/agent.get.result.json"],
            "AgentGetResult"
        );
        assert_eq!(groups[1].roots["srs/Device.json"], "Device");
    }

    #[test]
    fn one_name_with_two_shapes_is_an_error() {
        let entries = [
            entry(
                "g/a.json",
                json!({ "$defs": { "X": { "type": "string" } } }),
            ),
            entry(
                "g/b.json",
                json!({ "$defs": { "X": { "type": "integer" } } }),
            ),
        ];
        let err = group_catalogue(&entries).err().unwrap_or_default();
        assert!(err.contains("g/b.json: `X` differs"), "{err}");
    }

    #[test]
    fn only_local_defs_references_are_understood() {
        assert_eq!(referenced_name("#/$defs/Agent"), Ok("Agent"));
        assert!(referenced_name("other.json#/$defs/Agent").is_err());
        assert!(referenced_name("#/$defs/A/properties/b").is_err());
    }
}
