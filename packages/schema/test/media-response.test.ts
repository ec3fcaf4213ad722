/**
 * The zod-free check of the Add call media response must give the same verdicts as the zod schema it stands in for
 * (the schema is the one checked against Gong's OpenAPI file).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addCallMediaResponseCheck } from "../src/media-response.js";
import { addCallMediaResponseSchema } from "../src/responses.js";

const fieldValue = fc.oneof(
  fc.stringMatching(/^[0-9]{1,20}$/),
  fc.stringMatching(/^[0-9]{21,24}$/),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

const response = fc.record(
  { requestId: fieldValue, callId: fieldValue, url: fieldValue, extra: fieldValue },
  { requiredKeys: [] },
);

const anything = fc.oneof(response, fc.anything());

function verdict(result: { success: boolean; error?: { issues: readonly { path: readonly PropertyKey[] }[] } }): string[] {
  if (result.success) return [];
  return (result.error?.issues ?? []).map((i) => i.path.join(".")).sort();
}

describe("addCallMediaResponseCheck", () => {
  it("accepts a well-formed response and keeps unknown fields", () => {
    const value = { requestId: "r-1", callId: "7782342274025937895", url: "https://app.gong.io/call?id=7782342274025937895", note: 1 };
    expect(addCallMediaResponseCheck.safeParse(value)).toEqual({ success: true, data: value });
  });

  it("names each bad field", () => {
    expect(verdict(addCallMediaResponseCheck.safeParse({ requestId: 1, callId: 778234227402, url: "u" }))).toEqual(["callId", "requestId"]);
    expect(verdict(addCallMediaResponseCheck.safeParse({ requestId: "r", callId: "12a", url: "u" }))).toEqual(["callId"]);
    expect(verdict(addCallMediaResponseCheck.safeParse([]))).toEqual([""]);
  });

  it("agrees with addCallMediaResponseSchema on what passes, which fields fail, and what comes out", () => {
    fc.assert(
      fc.property(anything, (value) => {
        const ours = addCallMediaResponseCheck.safeParse(value);
        const zods = addCallMediaResponseSchema.safeParse(value);
        expect(ours.success).toBe(zods.success);
        expect(verdict(ours)).toEqual(verdict(zods));
        if (ours.success && zods.success) expect(ours.data).toEqual(zods.data);
      }),
      { numRuns: 2000 },
    );
  });
});
