//! TypeScript declarations (`schema/typescript/*.d.ts`) generated from the JSON Schemas.
//!
//! One module per catalogue group (`scapi.d.ts`, `srs.d.ts`, ...) declares every named type of
//! the group; `index.d.ts` re-exports each module as a namespace, since groups may reuse names.

mod ast;
mod convert;
mod scapi;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use agentdesk_protocol::schema::GENERATED_MARKER;

use super::model::TypeGroup;
use ast::doc_comment;
use convert::{Declaration, declare, open_enums};

/// Folder below `schema/` that holds the declarations.
const DIR: &str = "typescript";

/// Groups whose formats carry Service Client API types (the emulator's desktop state holds
/// interactions): they import those declarations from `scapi.d.ts` instead of repeating them.
const EMBEDS_SCAPI: &[&str] = &["emulator"];

/// Every declaration file: path below `schema/` to its contents.
pub(crate) fn files(groups: &[TypeGroup]) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    let mut index = header("Every generated module, one namespace per protocol.");
    let scapi = match groups.iter().find(|group| group.name == "scapi") {
        Some(group) => declarations(group).map_err(|err| format!("schema/scapi/: {err}"))?,
        None => BTreeMap::new(),
    };
    for group in groups {
        let shared = if EMBEDS_SCAPI.contains(&group.name.as_str()) {
            &scapi
        } else {
            &BTreeMap::new()
        };
        let module =
            module(group, shared).map_err(|err| format!("schema/{}/: {err}", group.name))?;
        files.insert(format!("{DIR}/{}.d.ts", group.name), module);
        let _ = writeln!(
            index,
            "export * as {name} from \"./{name}.js\";",
            name = group.name
        );
    }
    files.insert(format!("{DIR}/index.d.ts"), index);
    Ok(files)
}

fn header(what: &str) -> String {
    format!("// {GENERATED_MARKER}\n// {what}\n\n")
}

/// Every declaration of one group, by name.
fn declarations(group: &TypeGroup) -> Result<BTreeMap<String, Declaration>, String> {
    let open_enums = open_enums(group.types.iter().map(|(name, ty)| (name, &ty.schema)));
    let mut declarations: BTreeMap<String, Declaration> = BTreeMap::new();
    for (name, ty) in &group.types {
        for declaration in declare(name, &ty.schema, ty.file_title.clone(), &open_enums)? {
            if declarations.contains_key(&declaration.name) {
                return Err(format!(
                    "`{}` is declared twice (a titled subschema clashes with a type)",
                    declaration.name
                ));
            }
            declarations.insert(declaration.name.clone(), declaration);
        }
    }
    Ok(declarations)
}

/// The declarations of one group; those that `scapi.d.ts` declares word for word (`shared`)
/// are imported from it and re-exported.
fn module(group: &TypeGroup, shared: &BTreeMap<String, Declaration>) -> Result<String, String> {
    let declarations = declarations(group)?;
    let mut out = header(&format!(
        "TypeScript declarations of the `{0}` wire types, from the JSON Schemas in schema/{0}/.",
        group.name
    ));
    let (imported, own): (Vec<&Declaration>, Vec<&Declaration>) =
        declarations.values().partition(|declaration| {
            shared
                .get(&declaration.name)
                .is_some_and(|scapi| render_declaration(scapi) == render_declaration(declaration))
        });
    if !imported.is_empty() {
        let names: Vec<&str> = imported.iter().map(|d| d.name.as_str()).collect();
        let names = names.join(", ");
        let _ = writeln!(out, "import type {{ {names} }} from \"./scapi.js\";");
        let _ = writeln!(out, "export type {{ {names} }};\n");
    }
    for declaration in own {
        out.push_str(&render_declaration(declaration));
        out.push('\n');
    }
    if group.name == "scapi" {
        out.push_str(&scapi::api(group)?);
    }
    Ok(out)
}

fn render_declaration(declaration: &Declaration) -> String {
    let mut out = String::new();
    if let Some(doc) = &declaration.doc {
        out.push_str(&doc_comment(doc, 0));
    }
    let ty = declaration.ty.render(0);
    let separator = if ty.starts_with('\n') { "" } else { " " };
    let _ = writeln!(out, "export type {} ={separator}{ty};", declaration.name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::model::group_catalogue;
    use agentdesk_protocol::schema::SchemaEntry;
    use serde_json::json;

    fn entry(path: &str, schema: serde_json::Value) -> SchemaEntry {
        SchemaEntry {
            path: path.into(),
            title: format!("The {path} file."),
            schema,
        }
    }

    #[test]
    fn each_group_gets_a_module_and_the_index_namespaces_them() {
        let entries = [
            entry(
                "alpha/Thing.json",
                json!({ "title": "Thing", "description": "A thing.",
                        "anyOf": [{ "$ref": "#/$defs/Part" }, { "type": "null" }],
                        "$defs": { "Part": { "type": "string", "examples": ["a"] } } }),
            ),
            entry("beta/x.result.json", json!(true)),
        ];
        let groups = group_catalogue(&entries).unwrap_or_default();
        let files = files(&groups).unwrap_or_default();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            [
                "typescript/alpha.d.ts",
                "typescript/beta.d.ts",
                "typescript/index.d.ts"
            ]
        );
        assert_eq!(
            files["typescript/alpha.d.ts"],
            format!(
                "// {GENERATED_MARKER}\n\
                 // TypeScript declarations of the `alpha` wire types, from the JSON Schemas in schema/alpha/.\n\n\
                 export type Part = \"a\" | (string & {{}});\n\n\
                 /** A thing. */\nexport type Thing = Part | null;\n\n"
            )
        );
        assert!(
            files["typescript/beta.d.ts"]
                .contains("/** The beta/x.result.json file. */\nexport type XResult = unknown;\n")
        );
        assert!(files["typescript/index.d.ts"].ends_with(
            "export * as alpha from \"./alpha.js\";\nexport * as beta from \"./beta.js\";\n"
        ));
    }

    /// Every generated file is clean text: no line ends in whitespace, and no comment names a
    /// Rust type where a reader of TypeScript expects a TypeScript one.
    #[test]
    fn generated_files_have_no_trailing_whitespace_and_no_rust_types() {
        let groups = group_catalogue(&agentdesk_protocol::schema::catalog()).unwrap_or_default();
        let files = files(&groups).unwrap_or_default();
        assert!(files.len() > 1);
        for (path, text) in &files {
            for (n, line) in text.lines().enumerate() {
                assert_eq!(line.trim_end(), line, "{path}:{} ends in whitespace", n + 1);
                let comment = line.trim_start();
                if comment.starts_with("/**") || comment.starts_with('*') {
                    for rust in ["Vec<", "Option<", "Map<", "Box<", "(Value)", "(bool)"] {
                        assert!(!line.contains(rust), "{path}:{}: {line}", n + 1);
                    }
                }
            }
        }
    }

    #[test]
    fn multi_line_unions_start_on_the_next_line() {
        let declaration = Declaration {
            name: "U".into(),
            ty: ast::Ts::union([
                ast::Ts::Object(ast::Object::default()),
                ast::Ts::Ref("AVeryLongTypeNameThatFillsTheLineQuiteFar".into()),
                ast::Ts::Ref("AnotherVeryLongTypeNameThatOverflowsIt".into()),
            ]),
            doc: None,
        };
        assert_eq!(
            render_declaration(&declaration),
            "export type U =\n  | {}\n  | AVeryLongTypeNameThatFillsTheLineQuiteFar\n  | AnotherVeryLongTypeNameThatOverflowsIt;\n"
        );
    }
}
