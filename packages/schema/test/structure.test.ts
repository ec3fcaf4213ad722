import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, jsonDeeperThan } from "../../sandbox/src/internal/app.js";
import { validateAddCallRequest } from "../src/index.js";
import { MAX_REQUEST_DEPTH, structureIssues, unpairedSurrogateIndex } from "../src/structure.js";

const base = () => ({
  clientUniqueId: "pbx-2024-0001",
  actualStart: "2024-05-01T10:00:00Z",
  primaryUser: "7782342274025937895",
  direction: "Outbound",
  parties: [{ userId: "7782342274025937895", name: "Rep", partyId: "1" }],
});

const issuesOf = (input: unknown) => {
  const result = validateAddCallRequest(input);
  return result.ok ? [] : result.issues.map((i) => i.message);
};

/** `{"value": {"value": … {"value": 1}}}` nested `levels` objects deep. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { value };
  return value;
}

/** A request whose first context field's value nests so that the whole request is `total` levels deep. */
function requestOfDepth(total: number) {
  // request(1) > context[](2) > {system}(3) > objects[](4) > {objectType}(5) > fields[](6) > {name,value}(7) > value…
  return { ...base(), context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "o-1", fields: [{ name: "Deep", value: nested(total - 7) }] }] }] };
}

describe("unpaired UTF-16 surrogates", () => {
  it("finds a lone high, a lone low and a reversed pair; a proper pair is fine", () => {
    expect(unpairedSurrogateIndex("x-\ud800")).toBe(2);
    expect(unpairedSurrogateIndex("ab\udc00c")).toBe(2);
    expect(unpairedSurrogateIndex("\udc00\ud800")).toBe(0);
    expect(unpairedSurrogateIndex("😀x😀")).toBe(-1);
    expect(unpairedSurrogateIndex("😀\ud83d")).toBe(2);
  });

  it("refuses a clientUniqueId with a lone surrogate (Gong would store U+FFFD and the look-up could not match)", () => {
    expect(issuesOf({ ...base(), clientUniqueId: "x-\ud800" })).toEqual([
      "clientUniqueId: contains an unpaired UTF-16 surrogate (\\ud800 at index 2)",
    ]);
  });

  it("refuses one in every string of the request, fields' values and keys included, each at its path", () => {
    const r = {
      ...base(),
      title: "t\udfff",
      parties: [{ userId: "7782342274025937895", name: "R\ud83d", partyId: "1" }],
      context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "o-1", fields: [{ name: "Deep", value: { ["k\ud800"]: ["ok", "v\udc01"] } }] }] }],
    };
    expect(issuesOf(r)).toEqual([
      "parties[0].name: contains an unpaired UTF-16 surrogate (\\ud83d at index 1)",
      "title: contains an unpaired UTF-16 surrogate (\\udfff at index 1)",
      "context[0].objects[0].fields[0].value.k\ud800: its name contains an unpaired UTF-16 surrogate (\\ud800 at index 1)",
      "context[0].objects[0].fields[0].value.k\ud800[1]: contains an unpaired UTF-16 surrogate (\\udc01 at index 1)",
    ]);
  });

  it("is named together with the other issues of the request", () => {
    const messages = issuesOf({ ...base(), clientUniqueId: "\ud800", direction: "Sideways" });
    expect(messages[0]).toBe("clientUniqueId: contains an unpaired UTF-16 surrogate (\\ud800 at index 0)");
    expect(messages.some((m) => m.startsWith("direction:"))).toBe(true);
  });

  it("costs one pass: a 2,000,000-character value with the lone surrogate at its end", () => {
    const long = "😀".repeat(1_000_000) + "\ud800";
    expect(structureIssues({ customData: long })).toEqual([
      { path: "customData", rule: "contains an unpaired UTF-16 surrogate (\\ud800 at index 2000000)", message: "customData: contains an unpaired UTF-16 surrogate (\\ud800 at index 2000000)" },
    ]);
  });
});

describe("nesting depth", () => {
  it("is the sandbox's JSON limit", () => {
    expect(MAX_REQUEST_DEPTH).toBe(MAX_JSON_DEPTH);
  });

  it("accepts a request nested exactly 64 levels, which the sandbox accepts too", () => {
    const r = requestOfDepth(64);
    expect(jsonDeeperThan(JSON.stringify(r), MAX_JSON_DEPTH)).toBe(false);
    expect(issuesOf(r)).toEqual([]);
  });

  it("refuses 65 levels (the sandbox refuses that body), naming the path where it goes too deep", () => {
    const r = requestOfDepth(65);
    expect(jsonDeeperThan(JSON.stringify(r), MAX_JSON_DEPTH)).toBe(true);
    const path = "context[0].objects[0].fields[0].value" + ".value".repeat(57);
    expect(issuesOf(r)).toEqual([
      `${path}: is nested deeper than 64 levels (a request may nest objects and arrays at most 64 levels)`,
    ]);
  });

  it("refuses fields nested 80 levels", () => {
    const messages = issuesOf(requestOfDepth(80));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^context\[0\]\.objects\[0\]\.fields\[0\]\.value(\.value){57}: is nested deeper than 64 levels/);
  });

  it("refuses arrays nested 1,000,000 levels without a stack overflow, naming the path once", () => {
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const issues = structureIssues({ ...base(), customData: deep });
    expect(issues.map((i) => i.path)).toEqual([`customData${"[0]".repeat(63)}`]);
    expect(issuesOf({ ...base(), customData: deep })[0]).toBe(`customData${"[0]".repeat(63)}: is nested deeper than 64 levels (a request may nest objects and arrays at most 64 levels)`);
  });
});
