import { describe, expect, it } from "vitest";
import { firstDuplicateKey } from "../src/duplicate-keys.js";

describe("firstDuplicateKey", () => {
  it("finds a key repeated in the top object, with its line", () => {
    expect(firstDuplicateKey('{\n  "clientUniqueId": "a",\n  "title": "t",\n  "clientUniqueId": "b"\n}')).toEqual({ key: "clientUniqueId", line: 4 });
  });

  it("finds one repeated in a nested object, even with the same value, and keys spelt with escapes", () => {
    expect(firstDuplicateKey('{"parties":[{"name":"a","partyId":"1"},{"name":"b","name":"b"}]}')).toEqual({ key: "name", line: 1 });
    expect(firstDuplicateKey('{"title":"x","\\u0074itle":"y"}')).toEqual({ key: "title", line: 1 });
  });

  it("does not mistake values, array items, strings with quotes or commas, or keys of sibling objects for repeats", () => {
    expect(firstDuplicateKey('{"a":"a","b":["a","a"],"c":{"a":1},"d":{"a":2},"e":"x\\",\\"a\\":","f":[{"a":1},{"a":1}]}')).toBeUndefined();
  });

  it("is one pass without recursion: 200,000 levels deep", () => {
    const deep = `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`;
    expect(firstDuplicateKey(deep)).toBeUndefined();
    expect(firstDuplicateKey(`${'{"a":'.repeat(200_000)}{"k":1,"k":2}${"}".repeat(200_000)}`)).toEqual({ key: "k", line: 1 });
  });
});
