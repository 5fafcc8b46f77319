// Compiled by CI (`tsc --noEmit`): what a TypeScript consumer of schema/typescript/ writes.
// Lines marked `@ts-expect-error` must fail to compile, proving the types reject them.

import type { scapi, srs } from "../../schema/typescript/index.js";

// A typed request: `parameters` is checked against the request's signature.
const setState: scapi.ScapiRequestMessage<"agent.setState"> = {
  request: "agent.setState",
  parameters: ["Ready"],
  referenceId: "7",
  userAgent: "WWE Client",
  protocolVersion: 2,
};

const dial: scapi.ScapiRequestMessage<"voice.dial"> = {
  request: "voice.dial",
  parameters: ["5551234", null],
  referenceId: "8",
  userAgent: "WWE Client",
  protocolVersion: 2,
};

// Requests without required parameters may omit `parameters`.
const getAgent: scapi.ScapiRequestMessage<"agent.get"> = {
  request: "agent.get",
  referenceId: "9",
};

// @ts-expect-error a required parameter is missing
const missing: scapi.ScapiRequestMessage<"agent.setState"> = { request: "agent.setState", referenceId: "1" };

// @ts-expect-error a parameter has the wrong type
const wrong: scapi.ScapiRequestMessage<"agent.setState"> = { request: "agent.setState", parameters: [42], referenceId: "1" };

// @ts-expect-error not a request name
const unknownName: scapi.ScapiRequestMessage<"agent.fly"> = { request: "agent.fly", referenceId: "1" };

// Any request message is also a ClientMessage.
const outgoing: scapi.ClientMessage[] = [setState, dial, getAgent];

const subscribe: scapi.ClientMessageSubscribe = {
  event: "subscribe",
  data: ["agent", "interaction", "messenger:crm-sync"],
  referenceId: "3",
  userAgent: "WWE Client",
  protocolVersion: 2,
};
outgoing.push(subscribe);

// Narrowing an incoming message: failure first, then success, then events.
function isFailure(message: scapi.ServiceMessage): message is scapi.ServiceMessage & scapi.ScapiFailure {
  return typeof message.errorMessage === "string";
}

function isEventOf<E extends scapi.ScapiEventName>(
  message: scapi.ServiceMessage,
  family: E,
): message is scapi.ServiceMessage & scapi.ScapiEventMessage<E> {
  return message.event === family;
}

function handle(message: scapi.ServiceMessage, pending: Map<string, scapi.ScapiRequestName>): string {
  if (isFailure(message)) {
    const error: string = message.errorMessage;
    return `request ${message.referenceId} failed: ${error}`;
  }
  if (typeof message.referenceId === "string" && pending.get(message.referenceId) === "agent.get") {
    const success = message as scapi.ScapiSuccess<"agent.get">;
    const agent: scapi.Agent = success.data;
    return `agent ${agent.username ?? "?"}`;
  }
  if (isEventOf(message, "agent")) {
    const data: scapi.StateEvent = message.data;
    if (data.eventType === "STATE_CHANGED" && "mediaState" in data) {
      return `agent state ${String(data.mediaState)}`;
    }
    return "other agent event";
  }
  if (isEventOf(message, "outbound")) {
    const data: scapi.OutboundEvent = message.data;
    return `outbound ${String(data.eventType)}`;
  }
  if (isEventOf(message, "messenger:crm-sync")) {
    const payload: unknown = message.data;
    return `broadcast ${JSON.stringify(payload)}`;
  }
  return "ignored";
}

// Open enumerations accept their known values and any other string.
const known: scapi.CallType = "INBOUND";
const newer: scapi.CallType = "SOME_FUTURE_VALUE";

// The Screen Recording Service types live in their own namespace.
const status: srs.StatusResponse = { statusCode: 0 };

export const used = [missing, wrong, unknownName, handle, known, newer, status];
