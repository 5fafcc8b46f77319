//! JSON Schemas of the Service Client API for the catalogue in [`crate::schema`].

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Value, json};

use super::envelope::{SUBSCRIBE, UNSUBSCRIBE};
use super::events::{InteractionEvent, OutboundEvent, StateEvent, SystemEvent, event_pair_schema};
use super::requests::{REQUESTS, request_schema};
use super::types::{
    Agent, CallType, Capability, ConfigSection, DialogOptions, Direction, Interaction,
    InteractionState, JwtToken, Media, MediaState, MenuBarView, OptionSelectors, Party,
    RecordingState, TargetQuery, TargetType, ToastParameters,
};
use crate::schema::{SchemaEntry, entry_for, settings};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A schema document built with one generator, its definitions under `$defs`.
fn document(title: &str, build: impl FnOnce(&mut SchemaGenerator) -> Value) -> Value {
    let mut generator = settings().into_generator();
    let mut root = build(&mut generator);
    let definitions = generator.take_definitions(true);
    if let Value::Object(map) = &mut root {
        map.insert("$schema".into(), Value::String(DRAFT.into()));
        map.insert("title".into(), Value::String(title.into()));
        if !definitions.is_empty() {
            map.insert("$defs".into(), Value::Object(definitions));
        }
    }
    root
}

/// `event` absent, or present with a value JavaScript treats as false.
fn falsy(key: &str) -> Value {
    json!({ "anyOf": [
        { "not": { "required": [key] } },
        { "properties": { key: { "enum": [null, false, 0, ""] } } }
    ] })
}

fn non_empty_string() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

fn client_message(generator: &mut SchemaGenerator) -> Value {
    let rules: Vec<Value> = REQUESTS
        .iter()
        .filter_map(|spec| {
            let (params, _) = request_schema(spec.name, generator)?;
            let mut then = json!({ "properties": { "parameters": params } });
            if spec.required_params() > 0 {
                then["required"] = json!(["parameters"]);
            }
            Some(json!({
                "if": { "properties": { "request": { "const": spec.name } }, "required": ["request"] },
                "then": then
            }))
        })
        .collect();
    let envelope = json!({
        "userAgent": { "type": "string" },
        "protocolVersion": { "type": "integer" },
        "frameId": true
    });
    let mut request_props = envelope.clone();
    request_props["request"] = json!({ "type": "string" });
    request_props["parameters"] = json!({ "type": "array" });
    request_props["referenceId"] = non_empty_string();
    let mut subscribe_props = envelope.clone();
    subscribe_props["event"] = json!({ "const": SUBSCRIBE });
    subscribe_props["data"] = json!({ "anyOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": "string" } }
    ] });
    subscribe_props["referenceId"] = non_empty_string();
    let mut unsubscribe_props = envelope;
    unsubscribe_props["event"] = json!({ "const": UNSUBSCRIBE });
    unsubscribe_props["data"] = json!({ "type": "string" });
    unsubscribe_props["referenceId"] = json!({ "type": "string" });
    json!({
        "description": "A message from a client page to the Workspace service.",
        "oneOf": [
            {
                "title": "Request",
                "type": "object",
                "properties": request_props,
                "required": ["request", "referenceId"],
                "not": { "required": ["event"] },
                "allOf": rules
            },
            {
                "title": "Subscribe",
                "type": "object",
                "properties": subscribe_props,
                "required": ["event", "data", "referenceId"]
            },
            {
                "title": "Unsubscribe",
                "type": "object",
                "properties": unsubscribe_props,
                "required": ["event", "data"]
            }
        ]
    })
}

fn service_message(generator: &mut SchemaGenerator) -> Value {
    let events = event_pair_schema(generator);
    json!({
        "description": "A message from the Workspace service to a client page.",
        "type": "object",
        "properties": {
            "userAgent": { "type": "string", "pattern": "WWE" },
            "protocolVersion": { "type": "integer" }
        },
        "oneOf": [
            {
                "title": "Event",
                "properties": { "event": { "type": "string", "minLength": 1 } },
                "required": ["event"],
                "oneOf": events
            },
            {
                "title": "Failure",
                "allOf": [falsy("event")],
                "properties": {
                    "referenceId": non_empty_string(),
                    "errorMessage": { "type": "string" },
                    "request": { "type": "string" }
                },
                "required": ["referenceId", "errorMessage"]
            },
            {
                "title": "Success",
                "allOf": [falsy("event"), { "not": { "required": ["errorMessage"] } }],
                "properties": {
                    "referenceId": non_empty_string(),
                    "subscriptionId": { "type": "string" }
                },
                "required": ["referenceId"]
            },
            {
                "title": "FrameId",
                "allOf": [falsy("event"), falsy("referenceId")],
                "required": ["frameId"]
            }
        ]
    })
}

fn type_entry<T: JsonSchema>(name: &str, title: &str) -> SchemaEntry {
    entry_for::<T>(format!("scapi/types/{name}.json"), title)
}

pub(crate) fn schemas(out: &mut Vec<SchemaEntry>) {
    out.push(SchemaEntry {
        path: "scapi/client-message.json".into(),
        title: "Service Client API: any message a client sends (request, subscribe, unsubscribe)"
            .into(),
        schema: document("ClientMessage", client_message),
    });
    out.push(SchemaEntry {
        path: "scapi/service-message.json".into(),
        title:
            "Service Client API: any message the service sends (success, failure, event, frameId)"
                .into(),
        schema: document("ServiceMessage", service_message),
    });
    for spec in REQUESTS {
        let params = document(&format!("{} parameters", spec.name), |g| {
            request_schema(spec.name, g)
                .map(|(p, _)| p)
                .unwrap_or(Value::Bool(true))
        });
        let result = document(&format!("{} result", spec.name), |g| {
            request_schema(spec.name, g)
                .map(|(_, r)| r.to_value())
                .unwrap_or(Value::Bool(true))
        });
        out.push(SchemaEntry {
            path: format!("scapi/requests/{}.params.json", spec.name),
            title: format!("{}: the `parameters` array", spec.signature()),
            schema: params,
        });
        out.push(SchemaEntry {
            path: format!("scapi/requests/{}.result.json", spec.name),
            title: format!(
                "{}: the success `data` ({})",
                spec.name,
                result_in_words(spec.result)
            ),
            schema: result,
        });
    }
    out.push(entry_for::<StateEvent>(
        "scapi/events/agent.json",
        "`data` of `agent` and `media` events",
    ));
    out.push(entry_for::<InteractionEvent>(
        "scapi/events/interaction.json",
        "`data` of `interaction` events",
    ));
    out.push(entry_for::<SystemEvent>(
        "scapi/events/system.json",
        "`data` of `system` events",
    ));
    out.push(entry_for::<OutboundEvent>(
        "scapi/events/outbound.json",
        "`data` of `outbound` events",
    ));
    out.extend([
        type_entry::<Agent>("Agent", "agent.Agent"),
        type_entry::<MediaState>("MediaState", "media.State"),
        type_entry::<Media>("Media", "media.Media"),
        type_entry::<Interaction>("Interaction", "interaction.Interaction"),
        type_entry::<Party>("Party", "interaction.Party (open map)"),
        type_entry::<TargetQuery>("TargetQuery", "interaction.TargetQuery"),
        type_entry::<TargetType>("TargetType", "TargetQuery kind"),
        type_entry::<InteractionState>("InteractionState", "Interaction state (open enum)"),
        type_entry::<CallType>("CallType", "Interaction call type (open enum)"),
        type_entry::<Direction>("Direction", "Voice direction (open enum)"),
        type_entry::<RecordingState>("RecordingState", "Call recording state (open enum)"),
        type_entry::<Capability>("Capability", "Interaction capability (open enum)"),
        type_entry::<ToastParameters>("ToastParameters", "system.popupToast parameters"),
        type_entry::<DialogOptions>("DialogOptions", "system.openDialog options"),
        type_entry::<MenuBarView>("MenuBarView", "system.updateViewInApplicationMenuBar view"),
        type_entry::<JwtToken>("JwtToken", "auth.getJwtToken result"),
        type_entry::<ConfigSection>("ConfigSection", "configuration.Section (open map)"),
        type_entry::<OptionSelectors>("OptionSelectors", "configuration.getOption selectors"),
    ]);
}

impl super::RequestSpec {
    /// The result type as a schema reader names it: "list of Media", "Interaction or null",
    /// "any JSON value"; named types keep their schema names.
    pub fn result_in_words(&self) -> String {
        result_in_words(self.result)
    }
}

/// A request's result type as a schema reader names it: `Vec<Media>` is a "list of Media",
/// `Option<Interaction>` is "Interaction or null"; named types keep their schema names.
fn result_in_words(rust: &str) -> String {
    if let Some(item) = rust.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
        return format!("list of {}", result_in_words(item));
    }
    if let Some(inner) = rust
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
    {
        return format!("{} or null", result_in_words(inner));
    }
    match rust {
        "Value" => "any JSON value".into(),
        "String" => "string".into(),
        "bool" => "boolean".into(),
        named => named.into(),
    }
}
