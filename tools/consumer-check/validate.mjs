// CI check of schema/ from a JavaScript consumer's side:
// 1. schema/asyncapi.json must parse with the AsyncAPI parser without error diagnostics;
// 2. the JSON Schemas must compile with a draft 2020-12 validator (ajv) and accept the
//    Service Client API's documented example messages, as README.md shows;
// 3. every message the conformance corpus expects the service to post must validate against
//    service-message.json, and every `send` that the service answers with a success must
//    validate against client-message.json, except in lenient.jsonl, whose sends are outside
//    the documented types on purpose (parameters the service converts, docs/decisions.md).
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Parser, fromFile } from "@asyncapi/parser";
import Ajv2020 from "ajv/dist/2020.js";

const schemaDir = fileURLToPath(new URL("../../schema/", import.meta.url));
let failed = false;

// --- AsyncAPI ---------------------------------------------------------------------------
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, `${schemaDir}asyncapi.json`).parse();
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  const level = ["error", "warning", "info", "hint"][d.severity] ?? d.severity;
  console.log(`asyncapi.json: ${level}: ${d.code}: ${d.message} at /${d.path.join("/")}`);
}
if (errors.length > 0 || document === undefined) {
  failed = true;
} else {
  console.log(
    `asyncapi.json: valid AsyncAPI ${document.version()}: ${document.channels().length} channels, ` +
      `${document.operations().length} operations, ${document.messages().length} messages`,
  );
}

// --- JSON Schemas -----------------------------------------------------------------------
const load = async (path) => JSON.parse(await readFile(`${schemaDir}${path}`, "utf8"));
const ajv = new Ajv2020({ allErrors: true, validateFormats: false, strictTuples: false, strictTypes: false });
const validateClient = ajv.compile(await load("scapi/client-message.json"));
const validateService = ajv.compile(await load("scapi/service-message.json"));

const cases = [
  [validateClient, true, { request: "interaction.setUserData", parameters: ["0a1b2c", { Segment: "Gold" }], referenceId: "7", userAgent: "WWE Client", protocolVersion: 2 }],
  [validateClient, true, { event: "subscribe", data: ["agent", "interaction", "messenger:crm-sync"], referenceId: "3", userAgent: "WWE Client", protocolVersion: 2 }],
  [validateClient, false, { request: "agent.setState", referenceId: "1", userAgent: "WWE Client", protocolVersion: 2 }],
  [validateService, true, { referenceId: "8", errorMessage: "denied", userAgent: "WWE Server", protocolVersion: 2 }],
  [validateService, true, { event: "outbound", data: { eventType: "CampaignStarted", campaign: "Spring Offer", mode: "Preview" }, userAgent: "WWE Server", protocolVersion: 2 }],
  [validateService, false, { referenceId: "", data: {}, userAgent: "WWE Server", protocolVersion: 2 }],
];
for (const [validate, expected, message] of cases) {
  if (validate(message) !== expected) {
    failed = true;
    console.log(`json schema: expected ${expected ? "valid" : "invalid"}: ${JSON.stringify(message)}`);
    console.log(ajv.errorsText(validate.errors));
  }
}
console.log(`json schema: ${cases.length} example messages checked with ajv (draft 2020-12)`);

// --- Conformance corpus -----------------------------------------------------------------
let corpusCases = 0;
let corpusMessages = 0;
const corpusFiles = (await readdir(`${schemaDir}conformance`)).filter((f) => f.endsWith(".jsonl")).sort();
for (const file of corpusFiles) {
  const text = await readFile(`${schemaDir}conformance/${file}`, "utf8");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const record = JSON.parse(line);
    if (record.name === undefined) continue;
    corpusCases += 1;
    for (const [index, step] of record.steps.entries()) {
      const answered = step.expect.some(
        (e) => e.frame === step.frame && e.message.referenceId !== undefined && e.message.errorMessage === undefined,
      );
      const checks = step.expect.map((e) => [validateService, e.message]);
      if (step.send !== undefined && answered && file !== "lenient.jsonl") checks.push([validateClient, step.send]);
      for (const [validate, message] of checks) {
        corpusMessages += 1;
        if (!validate(message)) {
          failed = true;
          console.log(`conformance/${file}: ${record.name} step ${index}: invalid ${JSON.stringify(message)}`);
          console.log(ajv.errorsText(validate.errors));
        }
      }
    }
  }
}
console.log(`conformance: ${corpusMessages} messages of ${corpusCases} cases checked with ajv`);

process.exit(failed ? 1 : 0);
