//! `schema/asyncapi.json`: an AsyncAPI 3.0 document of the Service Client API, from the
//! client page's side (it sends requests and subscriptions, and receives responses and events).
//!
//! Payloads are the catalogue's schemas, named as in the TypeScript declarations, rewritten into
//! the AsyncAPI Schema format (a JSON Schema draft-07 superset): `$ref`s point into
//! `components/schemas`, and `prefixItems` becomes the draft-07 array form of `items`.

use std::collections::{BTreeMap, BTreeSet};

use agentdesk_protocol::scapi::{EventName, REQUESTS};
use agentdesk_protocol::schema::GENERATED_MARKER;
use serde_json::{Map, Value, json};

use super::model::{TypeGroup, referenced_name, titled_branch};
use super::pretty;

/// The generated file, below `schema/`.
const FILE: &str = "asyncapi.json";
const CLIENT_MESSAGE: &str = "scapi/client-message.json";
const SERVICE_MESSAGE: &str = "scapi/service-message.json";
const TO_SERVICE: &str = "toService";
const TO_CLIENT: &str = "toClient";
const COMPONENT_SCHEMAS: &str = "#/components/schemas/";
/// Keys whose values are data, not subschemas, and must not be rewritten.
const DATA_KEYWORDS: &[&str] = &["const", "enum", "examples", "default", "required"];

/// The AsyncAPI document, when the catalogue has the Service Client API.
pub(crate) fn files(groups: &[TypeGroup]) -> Result<BTreeMap<String, String>, String> {
    let Some(scapi) = groups.iter().find(|group| group.name == "scapi") else {
        return Ok(BTreeMap::new());
    };
    let document = document(scapi).map_err(|err| format!("{FILE}: {err}"))?;
    Ok(BTreeMap::from([(FILE.to_owned(), pretty(&document))]))
}

/// Collects messages, their operations and the schemas they reference.
#[derive(Default)]
struct Builder {
    messages: Map<String, Value>,
    /// Channel name to the ids of its messages.
    channel_messages: BTreeMap<&'static str, Vec<String>>,
    operations: Map<String, Value>,
    schemas: Map<String, Value>,
}

impl Builder {
    fn message(&mut self, channel: &'static str, id: &str, mut message: Value) -> Value {
        message["name"] = json!(id);
        message["contentType"] = json!("application/json");
        self.messages.insert(id.to_owned(), message);
        self.channel_messages
            .entry(channel)
            .or_default()
            .push(id.to_owned());
        json!({ "$ref": format!("#/channels/{channel}/messages/{}", pointer_escape(id)) })
    }
}

fn document(scapi: &TypeGroup) -> Result<Value, String> {
    let client = root_schema(scapi, CLIENT_MESSAGE)?;
    let service = root_schema(scapi, SERVICE_MESSAGE)?;
    let mut builder = Builder::default();

    // Envelopes, taken from the catalogue's message schemas so both documents agree.
    let mut request_envelope = branch(client, "Request")?;
    if let Value::Object(map) = &mut request_envelope {
        // The per-request `if`/`then` rules are restated by each request message below.
        map.remove("allOf");
    }
    let service_properties = service.get("properties").cloned().unwrap_or(json!({}));
    let with_service_envelope = |mut schema: Value| {
        if let (Some(Value::Object(own)), Value::Object(envelope)) =
            (schema.get_mut("properties"), &service_properties)
        {
            for (key, value) in envelope {
                own.entry(key.clone()).or_insert_with(|| value.clone());
            }
        } else if let Value::Object(map) = &mut schema {
            map.insert("properties".into(), service_properties.clone());
        }
        schema
    };
    builder
        .schemas
        .insert("RequestEnvelope".into(), request_envelope);
    builder.schemas.insert(
        "Success".into(),
        with_service_envelope(branch(service, "Success")?),
    );
    builder.schemas.insert(
        "Failure".into(),
        with_service_envelope(branch(service, "Failure")?),
    );

    let correlation = json!({ "$ref": "#/components/correlationIds/referenceId" });
    let failure = builder.message(
        TO_CLIENT,
        "failure",
        json!({
            "title": "Failure response",
            "summary": "The request failed: `errorMessage` is present; no `event` key.",
            "correlationId": correlation,
            "payload": { "$ref": "#/components/schemas/Failure" }
        }),
    );

    for spec in REQUESTS {
        let params = scapi
            .roots
            .get(&format!("scapi/requests/{}.params.json", spec.name));
        let result = scapi
            .roots
            .get(&format!("scapi/requests/{}.result.json", spec.name));
        let schema_ref = |name: Option<&String>| {
            name.map_or(
                json!(true),
                |name| json!({ "$ref": format!("#/components/schemas/{name}") }),
            )
        };
        let mut required = vec!["request"];
        if spec.required_params() > 0 {
            required.push("parameters");
        }
        let request = builder.message(
            TO_SERVICE,
            &format!("request.{}", spec.name),
            json!({
                "title": format!("{} request", spec.name),
                "summary": format!("`{}`: {}", spec.signature(), spec.summary),
                "correlationId": correlation,
                "payload": { "allOf": [
                    { "$ref": "#/components/schemas/RequestEnvelope" },
                    {
                        "properties": {
                            "request": { "const": spec.name },
                            "parameters": schema_ref(params)
                        },
                        "required": required
                    }
                ] }
            }),
        );
        let success = builder.message(
            TO_CLIENT,
            &format!("success.{}", spec.name),
            json!({
                "title": format!("{} success", spec.name),
                "summary": format!(
                    "The success response to `{}` ({}).",
                    spec.name,
                    spec.result_in_words()
                ),
                "correlationId": correlation,
                "payload": { "allOf": [
                    { "$ref": "#/components/schemas/Success" },
                    { "properties": { "data": schema_ref(result) } }
                ] }
            }),
        );
        builder.operations.insert(
            format!("request.{}", spec.name),
            json!({
                "action": "send",
                "channel": { "$ref": format!("#/channels/{TO_SERVICE}") },
                "title": spec.name,
                "summary": spec.summary,
                "messages": [request],
                "reply": {
                    "channel": { "$ref": format!("#/channels/{TO_CLIENT}") },
                    "messages": [success, failure]
                }
            }),
        );
    }

    subscriptions(&mut builder, client, &correlation, &failure)?;
    events(&mut builder, service, &with_service_envelope)?;
    let frame_id = builder.message(
        TO_CLIENT,
        "frameId",
        json!({
            "title": "Frame-id handshake",
            "summary": "No `event` and no `referenceId`, a `frameId`: the client echoes it as `frameId` on every later request.",
            "payload": with_service_envelope(branch(service, "FrameId")?)
        }),
    );
    builder.operations.insert(
        "frameId".into(),
        json!({
            "action": "receive",
            "channel": { "$ref": format!("#/channels/{TO_CLIENT}") },
            "title": "Receive the frame id",
            "messages": [frame_id]
        }),
    );

    assemble(scapi, builder)
}

fn subscriptions(
    builder: &mut Builder,
    client: &Value,
    correlation: &Value,
    failure: &Value,
) -> Result<(), String> {
    let subscribe = builder.message(
        TO_SERVICE,
        "subscribe",
        json!({
            "title": "Subscribe",
            "summary": "Subscribe to one event name or several (`agent`, `interaction`, `messenger:<channel>`, ...).",
            "correlationId": correlation,
            "payload": branch(client, "Subscribe")?
        }),
    );
    let subscribed = builder.message(
        TO_CLIENT,
        "subscribed",
        json!({
            "title": "Subscription acknowledgement",
            "summary": "A success response carrying the `subscriptionId` to unsubscribe with.",
            "correlationId": correlation,
            "payload": { "allOf": [
                { "$ref": "#/components/schemas/Success" },
                { "required": ["subscriptionId"] }
            ] }
        }),
    );
    builder.operations.insert(
        "subscribe".into(),
        json!({
            "action": "send",
            "channel": { "$ref": format!("#/channels/{TO_SERVICE}") },
            "title": "Subscribe to events",
            "messages": [subscribe],
            "reply": {
                "channel": { "$ref": format!("#/channels/{TO_CLIENT}") },
                "messages": [subscribed, failure]
            }
        }),
    );
    let unsubscribe = builder.message(
        TO_SERVICE,
        "unsubscribe",
        json!({
            "title": "Unsubscribe",
            "summary": "End a subscription; sent without awaiting a response.",
            "correlationId": correlation,
            "payload": branch(client, "Unsubscribe")?
        }),
    );
    builder.operations.insert(
        "unsubscribe".into(),
        json!({
            "action": "send",
            "channel": { "$ref": format!("#/channels/{TO_SERVICE}") },
            "title": "Unsubscribe",
            "messages": [unsubscribe]
        }),
    );
    Ok(())
}

/// One message and one receive operation per event family, plus messenger broadcasts and
/// events of any other name.
fn events(
    builder: &mut Builder,
    service: &Value,
    with_service_envelope: &dyn Fn(Value) -> Value,
) -> Result<(), String> {
    let event =
        titled_branch(service, "Event").map_err(|err| format!("{SERVICE_MESSAGE}: {err}"))?;
    let branches = event
        .get("oneOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut named: Vec<(String, String, &Value)> = Vec::new();
    for family in EventName::FAMILIES {
        let branch = branches
            .iter()
            .find(|b| b.pointer("/properties/event/const") == Some(&Value::from(family)))
            .ok_or_else(|| format!("no event branch for family `{family}`"))?;
        named.push((family.to_owned(), format!("`{family}` event"), branch));
    }
    let messenger = branches
        .iter()
        .find(|b| b.pointer("/properties/event/pattern").is_some())
        .ok_or("no `messenger:<channel>` event branch")?;
    named.push((
        "messenger".into(),
        "`messenger:<channel>` broadcast: `data` is the payload verbatim".into(),
        messenger,
    ));
    let other = branches
        .iter()
        .find(|b| b.pointer("/properties/event/not").is_some())
        .ok_or("no event branch for other names")?;
    named.push((
        "other".into(),
        "An event of any other name, kept verbatim".into(),
        other,
    ));
    for (id, title, branch) in named {
        let message = builder.message(
            TO_CLIENT,
            &format!("event.{id}"),
            json!({
                "title": title,
                "payload": with_service_envelope(branch.clone())
            }),
        );
        builder.operations.insert(
            format!("event.{id}"),
            json!({
                "action": "receive",
                "channel": { "$ref": format!("#/channels/{TO_CLIENT}") },
                "title": title,
                "messages": [message]
            }),
        );
    }
    Ok(())
}

fn assemble(scapi: &TypeGroup, builder: Builder) -> Result<Value, String> {
    let Builder {
        messages,
        channel_messages,
        operations,
        mut schemas,
    } = builder;
    let mut messages = Value::Object(messages);
    let mut pending = BTreeSet::new();
    convert(&mut messages, &mut pending)?;
    let mut own = Value::Object(std::mem::take(&mut schemas));
    convert(&mut own, &mut pending)?;
    let Value::Object(own) = own else {
        return Err("components/schemas is not an object".into());
    };
    schemas = own;
    // Every catalogue type the messages reach, and the types those reach.
    while let Some(name) = pending.pop_first() {
        if schemas.contains_key(&name) {
            continue;
        }
        let ty = scapi
            .types
            .get(&name)
            .ok_or_else(|| format!("reference to unknown type `{name}`"))?;
        // A component must be a schema object; `true` (anything) is spelled `{}`.
        let mut schema = match &ty.schema {
            Value::Bool(true) => json!({}),
            Value::Bool(false) => json!({ "not": {} }),
            other => other.clone(),
        };
        convert(&mut schema, &mut pending)?;
        schemas.insert(name, schema);
    }
    schemas.sort_keys();

    let channel = |name: &str, title: &str, description: &str| {
        let ids = channel_messages
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let messages: Map<String, Value> = ids
            .iter()
            .map(|id| {
                let target = format!("#/components/messages/{}", pointer_escape(id));
                (id.clone(), json!({ "$ref": target }))
            })
            .collect();
        json!({
            "address": null,
            "title": title,
            "description": description,
            "messages": messages
        })
    };
    Ok(json!({
        "asyncapi": "3.0.0",
        "x-generated": GENERATED_MARKER,
        "info": {
            "title": "Service Client API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Service Client API between a client page and the Workspace service, seen from the client page. Both directions use `window.postMessage` with plain objects. A client sends requests (`request` plus positional `parameters`) and subscriptions; the service answers each with a success or failure response carrying the same `referenceId`, and delivers events by family in the `event` key. Payload schemas are the JSON Schemas of `scapi/` in this folder (draft 2020-12, normative), restated in the AsyncAPI Schema format. The version is that of the agentdesk-protocol crate."
        },
        "defaultContentType": "application/json",
        "channels": {
            TO_SERVICE: channel(
                TO_SERVICE,
                "Client to service",
                "`postMessage` from the client page to the Workspace window (the registered target window, else `window.opener`, else `window.parent`). The service accepts a message only from an allowed origin."
            ),
            TO_CLIENT: channel(
                TO_CLIENT,
                "Service to client",
                "`postMessage` from the Workspace window to the client page. The client classifies each message in order: `event` present → event; else `referenceId` present → response (failure when `errorMessage` is present); else `frameId` present → frame-id handshake."
            )
        },
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "referenceId": {
                    "description": "A response echoes its request's `referenceId` unchanged.",
                    "location": "$message.payload#/referenceId"
                }
            }
        }
    }))
}

fn root_schema<'a>(group: &'a TypeGroup, path: &str) -> Result<&'a Value, String> {
    group
        .root(path)
        .map(|(_, ty)| &ty.schema)
        .ok_or_else(|| format!("{path} is missing from the catalogue"))
}

/// A titled `oneOf` branch, without its title (the message names it).
fn branch(schema: &Value, title: &str) -> Result<Value, String> {
    let mut branch = titled_branch(schema, title)?.clone();
    if let Value::Object(map) = &mut branch {
        map.remove("title");
    }
    Ok(branch)
}

/// Rewrites a catalogue schema in place into the AsyncAPI Schema format, collecting the names
/// of the types it references.
fn convert(schema: &mut Value, referenced: &mut BTreeSet<String>) -> Result<(), String> {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if let Some(name) = reference.strip_prefix(COMPONENT_SCHEMAS) {
                    referenced.insert(name.to_owned());
                } else if !reference.starts_with("#/components/") {
                    let name = referenced_name(reference)?.to_owned();
                    *reference = format!("{COMPONENT_SCHEMAS}{name}");
                    referenced.insert(name);
                }
            }
            if let Some(prefix) = map.remove("prefixItems") {
                if let Some(rest) = map.remove("items") {
                    map.insert("additionalItems".into(), rest);
                }
                map.insert("items".into(), prefix);
            }
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    // Keys of `properties` are names, so none of them is a data keyword.
                    ("properties", Value::Object(properties)) => {
                        for property in properties.values_mut() {
                            convert(property, referenced)?;
                        }
                    }
                    (key, value) if !DATA_KEYWORDS.contains(&key) && key != "$ref" => {
                        convert(value, referenced)?;
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                convert(item, referenced)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A key as a JSON Pointer token.
fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::model::group_catalogue;
    use agentdesk_protocol::schema::catalog;

    fn generated() -> Value {
        let groups = group_catalogue(&catalog()).unwrap_or_default();
        let scapi = groups.iter().find(|g| g.name == "scapi");
        scapi
            .map_or_else(|| Err("no scapi group".into()), document)
            .unwrap_or_else(|err| json!({ "error": err }))
    }

    #[test]
    fn prefix_items_become_draft_07_tuples_and_refs_point_into_components() {
        let mut schema = json!({
            "type": "array",
            "prefixItems": [{ "$ref": "#/$defs/TargetQuery" }, { "const": "#/$defs/NotARef" }],
            "items": false
        });
        let mut referenced = BTreeSet::new();
        assert_eq!(convert(&mut schema, &mut referenced), Ok(()));
        assert_eq!(
            schema,
            json!({
                "type": "array",
                "items": [{ "$ref": "#/components/schemas/TargetQuery" }, { "const": "#/$defs/NotARef" }],
                "additionalItems": false
            })
        );
        assert_eq!(referenced.into_iter().collect::<Vec<_>>(), ["TargetQuery"]);
    }

    #[test]
    fn every_request_is_a_send_operation_replied_to_by_success_or_failure() {
        let doc = generated();
        assert_eq!(doc["asyncapi"], "3.0.0");
        for spec in REQUESTS {
            let operation = &doc["operations"][format!("request.{}", spec.name)];
            assert_eq!(operation["action"], "send", "{}", spec.name);
            assert_eq!(
                operation["reply"]["messages"],
                json!([
                    { "$ref": format!("#/channels/toClient/messages/success.{}", spec.name) },
                    { "$ref": "#/channels/toClient/messages/failure" }
                ])
            );
            let message = &doc["components"]["messages"][format!("request.{}", spec.name)];
            assert_eq!(
                message["correlationId"]["$ref"],
                "#/components/correlationIds/referenceId"
            );
        }
        assert_eq!(
            doc["components"]["correlationIds"]["referenceId"]["location"],
            "$message.payload#/referenceId"
        );
    }

    #[test]
    fn every_event_family_is_a_receive_operation() {
        let doc = generated();
        for family in EventName::FAMILIES.iter().chain(&["messenger", "other"]) {
            let operation = &doc["operations"][format!("event.{family}")];
            assert_eq!(operation["action"], "receive", "{family}");
        }
        assert_eq!(
            doc["components"]["messages"]["event.agent"]["payload"]["properties"]["data"],
            json!({ "$ref": "#/components/schemas/StateEvent" })
        );
    }

    #[test]
    fn every_reference_resolves_inside_the_document() {
        let doc = generated();
        let mut refs = Vec::new();
        fn collect(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r.clone());
                    }
                    map.values().for_each(|v| collect(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        collect(&doc, &mut refs);
        assert!(refs.len() > 100);
        for reference in refs {
            let pointer = reference.strip_prefix('#').unwrap_or("not local");
            assert!(
                doc.pointer(pointer).is_some(),
                "{reference} does not resolve"
            );
        }
    }
}
