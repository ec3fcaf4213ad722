/**
 * The facts of Gong's OpenAPI description that our schema is tested against — Add call's and Add call media's
 * request and response fields, required lists, types, enums, limits, the language codes — kept small in
 * packages/schema/openapi-facts.json, so that the tests run in a clone without ../shared.
 *
 *   npm run openapi-facts            regenerate the facts from ../shared/gong/gong-openapi.json
 *   npm run openapi-facts -- --check exit 1 when the committed facts differ from what the OpenAPI file says
 *   npm run openapi-facts -- --spec FILE   read another copy of the OpenAPI file
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Gong's published OpenAPI description, beside the repository (never copied into it). */
export const OPENAPI_PATH = join(ROOT, "../shared/gong/gong-openapi.json");
export const FACTS_PATH = join(ROOT, "packages/schema/openapi-facts.json");

/** Gong writes "no limit" as the largest 32-bit integer. */
const NO_LIMIT = 2147483647;

export interface ValueFacts {
  type?: string;
  format?: string;
  /** The component this value is (an object described elsewhere). */
  ref?: string;
  items?: ValueFacts;
  enum?: string[];
  /** Values the description narrows the enum to ("Currently only Salesforce and Generic are supported"). */
  supported?: string[];
  maxLength?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
}

export interface SchemaFacts {
  required: string[];
  fields: Record<string, ValueFacts>;
}

export interface OperationFacts {
  method: string;
  path: string;
  operationId: string;
  contentType: string;
  /** The request body: a component's name, or the body's own fields (a multipart form). */
  request: string | SchemaFacts;
  /** Status → the component its JSON body is (null when it has none). */
  responses: Record<string, string | null>;
}

export interface OpenApiFacts {
  source: { file: string; sha256: string; openapi: string; version: string };
  addCall: OperationFacts;
  addCallMedia: OperationFacts & { maxFileSizeGB: number };
  /** Every component the two operations use, directly or nested. */
  schemas: Record<string, SchemaFacts>;
  /** The Add call request's languageCode: the codes its description lists. */
  languageCodes: string[];
}

interface SpecValue {
  $ref?: string;
  types?: string[];
  type?: string | string[];
  format?: string;
  items?: SpecValue;
  enum?: unknown[];
  description?: string;
  maxLength?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, SpecValue>;
  required?: string[];
}
interface SpecOperation {
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: SpecValue }> };
  responses?: Record<string, { content?: Record<string, { schema?: SpecValue }> }>;
}
interface Spec {
  openapi?: string;
  info?: { version?: string };
  paths?: Record<string, Record<string, SpecOperation>>;
  components?: { schemas?: Record<string, SpecValue> };
}

const refName = (ref: string): string => {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!m?.[1]) throw new Error(`unsupported $ref ${ref}`);
  return m[1];
};

function typeOf(v: SpecValue): string | undefined {
  const t = v.types?.[0] ?? (Array.isArray(v.type) ? v.type[0] : v.type);
  return t;
}

/** "Currently only Salesforce and Generic are supported." → ["Salesforce", "Generic"] */
function supportedIn(description: string | undefined): string[] | undefined {
  const m = /only ((?:[A-Za-z]+, )*[A-Za-z]+) and ([A-Za-z]+) (?:are|is) supported/.exec(description ?? "");
  if (!m?.[1] || !m[2]) return undefined;
  return [...m[1].split(", "), m[2]];
}

function valueFacts(v: SpecValue, refs: Set<string>): ValueFacts {
  const out: ValueFacts = {};
  if (v.$ref !== undefined) {
    out.ref = refName(v.$ref);
    refs.add(out.ref);
  }
  const type = typeOf(v);
  if (type !== undefined) out.type = type;
  if (v.format !== undefined) out.format = v.format;
  if (v.items !== undefined) out.items = valueFacts(v.items, refs);
  if (v.enum !== undefined) {
    out.enum = v.enum.map(String);
    const supported = supportedIn(v.description);
    if (supported !== undefined) out.supported = supported;
  }
  if (v.maxLength !== undefined && v.maxLength < NO_LIMIT) out.maxLength = v.maxLength;
  if (v.minLength !== undefined && v.minLength > 0) out.minLength = v.minLength;
  if (v.minItems !== undefined && v.minItems > 0) out.minItems = v.minItems;
  if (v.maxItems !== undefined && v.maxItems < NO_LIMIT) out.maxItems = v.maxItems;
  if (v.minimum !== undefined) out.minimum = v.minimum;
  if (v.maximum !== undefined) out.maximum = v.maximum;
  return out;
}

function schemaFacts(v: SpecValue, refs: Set<string>): SchemaFacts {
  const fields: Record<string, ValueFacts> = {};
  for (const [name, field] of Object.entries(v.properties ?? {})) fields[name] = valueFacts(field, refs);
  return { required: [...(v.required ?? [])].sort(), fields };
}

function operation(spec: Spec, method: string, path: string, refs: Set<string>): OperationFacts {
  const op = spec.paths?.[path]?.[method];
  if (op === undefined) throw new Error(`Gong's OpenAPI has no ${method.toUpperCase()} ${path}`);
  const [contentType, body] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
  if (contentType === undefined || body?.schema === undefined) throw new Error(`${method.toUpperCase()} ${path} has no request body`);
  const schema = body.schema;
  let request: string | SchemaFacts;
  if (schema.$ref !== undefined) {
    request = refName(schema.$ref);
    refs.add(request);
  } else {
    request = schemaFacts(schema, refs);
  }
  const responses: Record<string, string | null> = {};
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    const ref = response.content?.["application/json"]?.schema?.$ref;
    responses[status] = ref === undefined ? null : refName(ref);
    if (ref !== undefined) refs.add(refName(ref));
  }
  return { method: method.toUpperCase(), path, operationId: op.operationId ?? "", contentType, request, responses };
}

/** The facts of an OpenAPI file's text (its bytes are hashed as they are). */
export function openApiFacts(text: string, file = "gong-openapi.json"): OpenApiFacts {
  const spec = JSON.parse(text) as Spec;
  const components = spec.components?.schemas ?? {};
  const refs = new Set<string>();
  const addCall = operation(spec, "post", "/v2/calls", refs);
  const media = operation(spec, "put", "/v2/calls/{id}/media", refs);
  const mediaFields = typeof media.request === "string" ? {} : media.request.fields;
  const mediaDescription = Object.values(spec.paths?.["/v2/calls/{id}/media"]?.put?.requestBody?.content ?? {})[0]?.schema?.properties;
  const sizeText = Object.values(mediaDescription ?? {}).map((p) => p.description ?? "").join(" ");
  const size = /up to ([0-9.]+) ?GB/i.exec(sizeText)?.[1];
  if (size === undefined || Object.keys(mediaFields).length === 0) throw new Error("Add call media: no file field with a size limit found");

  const schemas: Record<string, SchemaFacts> = {};
  const queue = [...refs];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (name in schemas) continue;
    const component = components[name];
    if (component === undefined) throw new Error(`Gong's OpenAPI has no schema ${name}`);
    const nested = new Set<string>();
    schemas[name] = schemaFacts(component, nested);
    queue.push(...nested);
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : 1)));

  const requestName = typeof addCall.request === "string" ? addCall.request : "";
  const languageDescription = components[requestName]?.properties?.languageCode?.description ?? "";
  const listed = /Valid values are: (.*)$/s.exec(languageDescription)?.[1];
  if (listed === undefined) throw new Error(`${requestName}.languageCode: no list of valid values in its description`);
  const languageCodes = listed.split(",").map((s) => s.trim().replace(/\.$/, "")).filter((s) => s !== "");

  return {
    source: { file, sha256: createHash("sha256").update(text).digest("hex"), openapi: spec.openapi ?? "", version: spec.info?.version ?? "" },
    addCall,
    addCallMedia: { ...media, maxFileSizeGB: Number(size) },
    schemas: sorted,
    languageCodes,
  };
}

/** The facts as the committed file holds them. */
export function formatFacts(facts: OpenApiFacts): string {
  return `${JSON.stringify(facts, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const specAt = argv.indexOf("--spec");
  const specPath = specAt >= 0 ? argv[specAt + 1] : OPENAPI_PATH;
  if (specPath === undefined) {
    process.stderr.write("openapi-facts: --spec needs a file\n");
    return 2;
  }
  const text = readFileSync(specPath, "utf8");
  const facts = formatFacts(openApiFacts(text));
  if (argv.includes("--check")) {
    const committed = readFileSync(FACTS_PATH, "utf8");
    if (committed === facts) {
      process.stdout.write(`openapi-facts: ${FACTS_PATH} matches ${specPath}\n`);
      return 0;
    }
    process.stderr.write(`openapi-facts: ${FACTS_PATH} differs from ${specPath}; run npm run openapi-facts and review the diff\n`);
    return 1;
  }
  writeFileSync(FACTS_PATH, facts);
  process.stdout.write(`openapi-facts: wrote ${FACTS_PATH} from ${specPath}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
