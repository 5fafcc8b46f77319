//! The typed Service Client API surface on top of the generated wire types: a request map
//! (name → parameters and result), an event map (family → `data`) and envelopes typed by them.

use std::fmt::Write as _;

use agentdesk_protocol::scapi::{EventName, REQUESTS};
use serde_json::Value;

use super::ast::{doc_comment, property_key};
use super::convert::type_of;
use crate::codegen::model::{TypeGroup, titled_branch};

/// Catalogue file whose `Event` branch pairs each family with its `data` schema.
const SERVICE_MESSAGE: &str = "scapi/service-message.json";

/// Envelope types written by hand: they only combine generated names with the two maps.
const ENVELOPES: &str = r#"/** Name of any Service Client API request. */
export type ScapiRequestName = keyof ScapiRequests;

/**
 * A request message whose `parameters` are typed by its `request` name. `parameters` may be
 * omitted when every parameter is optional.
 */
export type ScapiRequestMessage<K extends ScapiRequestName = ScapiRequestName> =
  K extends ScapiRequestName
    ? ClientMessageRequest & { request: K } & ([] extends ScapiRequests[K]["params"]
        ? { parameters?: ScapiRequests[K]["params"] }
        : { parameters: ScapiRequests[K]["params"] })
    : never;

/** The success response to request `K`, its `data` typed by the request's result. */
export type ScapiSuccess<K extends ScapiRequestName> = ServiceMessageSuccess &
  (unknown extends ScapiRequests[K]["result"]
    ? { data?: unknown }
    : { data: ScapiRequests[K]["result"] });

/** The failure response to any request (`errorMessage` present). */
export type ScapiFailure = ServiceMessageFailure;

/** Either response to request `K`, correlated with it by `referenceId`. */
export type ScapiResponse<K extends ScapiRequestName> = ScapiSuccess<K> | ScapiFailure;

/** An event name a client can subscribe to. */
export type ScapiEventName = keyof ScapiEvents;

/** An event message of family `E`, its `data` typed by the family. */
export type ScapiEventMessage<E extends ScapiEventName = ScapiEventName> = E extends ScapiEventName
  ? {
      event: E;
      data: ScapiEvents[E];
      userAgent?: string;
      protocolVersion?: number;
      [key: string]: unknown;
    }
  : never;
"#;

/// The request map, the event map and the envelopes.
pub(super) fn api(group: &TypeGroup) -> Result<String, String> {
    let mut out = request_map(group);
    out.push('\n');
    out.push_str(&event_map(group)?);
    out.push('\n');
    out.push_str(ENVELOPES);
    Ok(out)
}

fn request_map(group: &TypeGroup) -> String {
    let mut out = doc_comment(
        "Every Service Client API request by name: its positional `parameters` and its success `data`.",
        0,
    );
    out.push_str("export interface ScapiRequests {\n");
    for spec in REQUESTS {
        let root = |part: &str| {
            let path = format!("scapi/requests/{}.{part}.json", spec.name);
            group.roots.get(&path).cloned()
        };
        let params = root("params").unwrap_or_else(|| "unknown[]".into());
        let result = root("result").unwrap_or_else(|| "unknown".into());
        let doc = format!(
            "`{}`: {} (since {})",
            spec.signature(),
            spec.summary.trim_end_matches('.'),
            spec.since
        );
        out.push_str(&doc_comment(&doc, 1));
        let _ = writeln!(
            out,
            "  {}: {{ params: {params}; result: {result} }};",
            property_key(spec.name)
        );
    }
    out.push_str("}\n");
    out
}

fn event_map(group: &TypeGroup) -> Result<String, String> {
    let (_, service_message) = group
        .root(SERVICE_MESSAGE)
        .ok_or_else(|| format!("{SERVICE_MESSAGE} is missing from the catalogue"))?;
    let event = titled_branch(&service_message.schema, "Event")
        .map_err(|err| format!("{SERVICE_MESSAGE}: {err}"))?;
    let families = event
        .get("oneOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = doc_comment(
        "The `data` of each event family. A `messenger:<channel>` event carries the broadcast payload verbatim.",
        0,
    );
    out.push_str("export interface ScapiEvents {\n");
    for family in EventName::FAMILIES {
        let data = families
            .iter()
            .find(|branch| branch.pointer("/properties/event/const") == Some(&Value::from(family)))
            .and_then(|branch| branch.pointer("/properties/data"))
            .ok_or_else(|| format!("{SERVICE_MESSAGE}: no event branch for family `{family}`"))?;
        let _ = writeln!(
            out,
            "  {}: {};",
            property_key(family),
            type_of(data)?.render(1)
        );
    }
    out.push_str("  [event: `messenger:${string}`]: unknown;\n}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::model::group_catalogue;
    use agentdesk_protocol::schema::catalog;

    fn scapi_api() -> String {
        let groups = group_catalogue(&catalog()).unwrap_or_default();
        let scapi = groups.iter().find(|g| g.name == "scapi");
        scapi
            .map_or_else(|| Err("no scapi group".into()), api)
            .unwrap_or_else(|err| err)
    }

    #[test]
    fn every_request_is_in_the_map_with_its_file_types() {
        let api = scapi_api();
        for spec in REQUESTS {
            assert!(
                api.contains(&format!("  \"{}\": {{ params: ", spec.name)),
                "{} missing",
                spec.name
            );
        }
        assert!(
            api.contains("  \"agent.get\": { params: AgentGetParams; result: AgentGetResult };")
        );
    }

    #[test]
    fn every_family_maps_to_its_data_type() {
        let api = scapi_api();
        for line in [
            "  agent: StateEvent;",
            "  media: StateEvent;",
            "  interaction: InteractionEvent;",
            "  system: SystemEvent;",
            "  markdone: RawEventData;",
            "  outbound: OutboundEvent;",
            "  [event: `messenger:${string}`]: unknown;",
        ] {
            assert!(api.contains(line), "{line} missing from\n{api}");
        }
    }
}
