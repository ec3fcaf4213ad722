/**
 * packages/schema/openapi-facts.json says what Gong's OpenAPI description says: regenerated from
 * ../shared/gong/gong-openapi.json and compared when that file is here; in a clone without it, the committed facts
 * are checked for their shape and source hash only (and the test says so). The generator is tested on its own too.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FACTS_PATH, formatFacts, OPENAPI_PATH, openApiFacts, type OpenApiFacts } from "../../../scripts/openapi-facts.js";

const committedText = readFileSync(FACTS_PATH, "utf8");
const committed = JSON.parse(committedText) as OpenApiFacts;

describe("the committed OpenAPI facts", () => {
  it("are what npm run openapi-facts makes of Gong's OpenAPI file (when ../shared/gong/gong-openapi.json is here)", () => {
    // Always: the file is well formed and names the OpenAPI file it came from by its hash.
    expect(committed.source).toMatchObject({ file: "gong-openapi.json", openapi: expect.stringMatching(/^3\./) as unknown });
    expect(committed.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(committed.schemas)).toEqual(expect.arrayContaining(["NewCallAddingRequest", "CallParticipant", "SpeechSegment", "ErrorResponse"]));
    expect(committed.languageCodes.length).toBeGreaterThan(100);
    expect(committedText).toBe(formatFacts(committed));
    if (!existsSync(OPENAPI_PATH)) {
      console.log(`openapi-facts: ${OPENAPI_PATH} is absent: compared nothing against it; checked the committed facts' shape and source hash only`);
      return;
    }
    const text = readFileSync(OPENAPI_PATH, "utf8");
    const regenerated = openApiFacts(text);
    expect(regenerated.source.sha256, "the OpenAPI file changed: run npm run openapi-facts and review the diff").toBe(committed.source.sha256);
    expect(formatFacts(regenerated)).toBe(committedText);
  });
});

/** A small OpenAPI description with the two operations, for the generator's own tests. */
function miniSpec(change: (spec: Record<string, unknown>) => void = () => undefined): string {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (name: string) => ({ content: { "application/json": { schema: ref(name) } } });
  const spec: Record<string, unknown> = {
    openapi: "3.1.0",
    info: { version: "V2" },
    paths: {
      "/v2/calls": {
        post: { operationId: "addCall", requestBody: json("Req"), responses: { "200": json("Res"), "400": json("Err"), "204": { description: "none" } } },
      },
      "/v2/calls/{id}/media": {
        put: {
          operationId: "addCallRecording",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: { required: ["mediaFile"], properties: { mediaFile: { types: ["string"], format: "binary", description: "Files up to 2.5GB in size." } } },
              },
            },
          },
          responses: { "201": json("Res") },
        },
      },
    },
    components: {
      schemas: {
        Req: {
          required: ["b", "a"],
          properties: {
            a: { types: ["string"], maxLength: 2147483647, minLength: 0 },
            b: { types: ["string"], maxLength: 255, enum: ["X", "Y,Z"] },
            c: { types: ["array"], items: ref("Part"), minItems: 1 },
            languageCode: { types: ["string"], description: "Valid values are: en-US, fr-FR, de-DE." },
          },
        },
        Part: { properties: { system: { types: ["string"], enum: ["S", "H", "G"], description: "Currently only S and G are supported." }, n: { types: ["integer"], minimum: 0, maximum: 1 } } },
        Res: { properties: { callId: { types: ["string"] } } },
        Err: { properties: { errors: { types: ["array"], items: { types: ["string"] } } } },
        Unused: { properties: { x: { types: ["string"] } } },
      },
    },
  };
  change(spec);
  return JSON.stringify(spec);
}

describe("openApiFacts()", () => {
  it("keeps the fields, sorted required lists, real limits, enums and what a description narrows them to, of every component used", () => {
    const facts = openApiFacts(miniSpec());
    expect(Object.keys(facts.schemas)).toEqual(["Err", "Part", "Req", "Res"]);
    expect(facts.schemas.Req).toEqual({
      required: ["a", "b"],
      fields: {
        a: { type: "string" },
        b: { type: "string", enum: ["X", "Y,Z"], maxLength: 255 },
        c: { type: "array", items: { ref: "Part" }, minItems: 1 },
        languageCode: { type: "string" },
      },
    });
    expect(facts.schemas.Part?.fields).toEqual({ system: { type: "string", enum: ["S", "H", "G"], supported: ["S", "G"] }, n: { type: "integer", minimum: 0, maximum: 1 } });
    expect(facts.addCall).toEqual({
      method: "POST",
      path: "/v2/calls",
      operationId: "addCall",
      contentType: "application/json",
      request: "Req",
      responses: { "200": "Res", "400": "Err", "204": null },
    });
    expect(facts.addCallMedia).toMatchObject({ contentType: "multipart/form-data", maxFileSizeGB: 2.5, request: { required: ["mediaFile"], fields: { mediaFile: { type: "string", format: "binary" } } } });
    expect(facts.languageCodes).toEqual(["en-US", "fr-FR", "de-DE"]);
    expect(facts.source).toMatchObject({ openapi: "3.1.0", version: "V2" });
  });

  it("follows a change of the OpenAPI file: another hash, another limit", () => {
    const before = openApiFacts(miniSpec());
    const after = openApiFacts(
      miniSpec((spec) => {
        const req = (spec.components as { schemas: { Req: { properties: { b: { maxLength: number } } } } }).schemas.Req;
        req.properties.b.maxLength = 128;
      }),
    );
    expect(after.source.sha256).not.toBe(before.source.sha256);
    expect(after.schemas.Req?.fields.b?.maxLength).toBe(128);
  });

  it("refuses an OpenAPI file without the operations, a component it names, or the media size", () => {
    expect(() => openApiFacts(miniSpec((s) => delete (s.paths as Record<string, unknown>)["/v2/calls"]))).toThrow(/no POST \/v2\/calls/);
    expect(() => openApiFacts(miniSpec((s) => delete (s.components as { schemas: Record<string, unknown> }).schemas.Part))).toThrow(/no schema Part/);
    expect(() => openApiFacts(miniSpec((s) => (s.paths = JSON.parse(JSON.stringify(s.paths).replace("up to 2.5GB", "large")) as unknown)))).toThrow(/size limit/);
  });
});
