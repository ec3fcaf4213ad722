import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  addCallJsonSchema,
  addCallMediaResponseSchema,
  addCallResponseSchema,
  CONTEXT_SYSTEMS,
  CONTEXT_SYSTEMS_ACCEPTED,
  errorBodySchema,
  LANGUAGE_CODES,
} from "../src/index.js";

/** Gong's published OpenAPI description, read from the shared folder beside the repo (never copied into it). */
const specPath = fileURLToPath(new URL("../../../shared/gong/gong-openapi.json", import.meta.url));

interface SpecSchema {
  properties?: Record<string, SpecSchema>;
  required?: string[];
  enum?: string[];
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  types?: string[];
  description?: string;
  items?: SpecSchema;
  $ref?: string;
}
interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: string[];
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  type?: string;
  items?: JsonSchema;
}

const spec = JSON.parse(readFileSync(specPath, "utf8")) as { components: { schemas: Record<string, SpecSchema> } };
const components = spec.components.schemas;
const component = (name: string): SpecSchema => {
  const c = components[name];
  if (!c) throw new Error(`Gong's OpenAPI has no schema ${name}`);
  return c;
};
const ours = addCallJsonSchema() as JsonSchema;

function at(schema: JsonSchema, ...path: string[]): JsonSchema {
  let s: JsonSchema = schema;
  for (const key of path) {
    const next = key === "[]" ? s.items : s.properties?.[key];
    if (!next) throw new Error(`our JSON Schema has nothing at ${path.join(".")}`);
    s = next;
  }
  return s;
}

/** The spec writes each pair of object types as one comma-joined value ("Opportunity,Account"): two values. */
const splitEnum = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(","));

const pairs: [string, JsonSchema][] = [
  ["NewCallAddingRequest", ours],
  ["CallParticipant", at(ours, "parties", "[]")],
  ["CallUploadContext", at(ours, "context", "[]")],
  ["PartyUploadContext", at(ours, "parties", "[]", "context", "[]")],
  ["ExternalCrmCallObject", at(ours, "context", "[]", "objects", "[]")],
  ["ExternalCrmPartyObject", at(ours, "parties", "[]", "context", "[]", "objects", "[]")],
  ["SpeakersTimeline", at(ours, "speakersTimeline")],
  ["SpeechSegment", at(ours, "speakersTimeline", "speechSegments", "[]")],
  ["FlowContext", at(ours, "flowContext")],
];

describe("our Add call model agrees with Gong's OpenAPI description", () => {
  for (const [name, mine] of pairs) {
    describe(name, () => {
      const theirs = component(name);
      it("has the same field names", () => {
        expect(Object.keys(mine.properties ?? {}).sort()).toEqual(Object.keys(theirs.properties ?? {}).sort());
      });
      it("has the same required list", () => {
        expect([...(mine.required ?? [])].sort()).toEqual([...(theirs.required ?? [])].sort());
      });
      it("has the same length limits, bounds and enums", () => {
        for (const [field, t] of Object.entries(theirs.properties ?? {})) {
          const m = mine.properties?.[field];
          expect(m, field).toBeDefined();
          if (!m) continue;
          if (t.maxLength !== undefined && t.maxLength < 2147483647) expect(m.maxLength, `${name}.${field} maxLength`).toBe(t.maxLength);
          if (t.minItems !== undefined && t.minItems > 0) expect(m.minItems, `${name}.${field} minItems`).toBe(t.minItems);
          if (t.minimum !== undefined) expect(m.minimum, `${name}.${field} minimum`).toBe(t.minimum);
          if (t.maximum !== undefined) expect(m.maximum, `${name}.${field} maximum`).toBe(t.maximum);
          if (t.enum === undefined) continue;
          if (field === "system") {
            // Documented narrowing: the spec lists four systems but says only Salesforce and Generic are supported.
            expect(t.enum).toEqual([...CONTEXT_SYSTEMS]);
            expect(t.description).toMatch(/only Salesforce and Generic/);
            expect(m.enum).toEqual([...CONTEXT_SYSTEMS_ACCEPTED]);
          } else {
            expect([...(m.enum ?? [])].sort(), `${name}.${field} enum`).toEqual(splitEnum(t.enum).sort());
          }
        }
      });
      it("has the same types", () => {
        for (const [field, t] of Object.entries(theirs.properties ?? {})) {
          const m = mine.properties?.[field];
          const theirType = t.types?.[0] ?? (t.$ref ? "object" : undefined);
          if (theirType === undefined || !m) continue;
          const myType = m.type ?? (m.enum ? "string" : undefined);
          expect(myType, `${name}.${field} type`).toBe(theirType === "number" ? "number" : theirType);
        }
      });
    });
  }

  it("lists exactly the language codes the spec's languageCode description lists", () => {
    const description = component("NewCallAddingRequest").properties?.languageCode?.description ?? "";
    const listed = /Valid values are: (.*)$/s.exec(description)?.[1]?.split(",").map((s) => s.trim().replace(/\.$/, "")) ?? [];
    expect(listed.length).toBe(133);
    expect([...LANGUAGE_CODES].sort()).toEqual(listed.sort());
    expect(at(ours, "languageCode").enum).toHaveLength(133);
  });

  it("models the responses and the error body with the spec's fields", () => {
    const fields = (s: z.ZodObject) => Object.keys(s.shape).sort();
    expect(fields(addCallResponseSchema)).toEqual(Object.keys(component("NewCallAddingResponse").properties ?? {}).sort());
    expect(fields(addCallMediaResponseSchema)).toEqual(Object.keys(component("NewCallRecordingResponse").properties ?? {}).sort());
    expect(fields(errorBodySchema)).toEqual(Object.keys(component("ErrorResponse").properties ?? {}).sort());
  });
});
