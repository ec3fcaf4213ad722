import { describe, expect, it } from "vitest";
import { parseJson, stringifyJson } from "../src/internal/json.js";

describe("parseJson", () => {
  it("keeps integers beyond Number.MAX_SAFE_INTEGER exact, as strings", () => {
    const value = parseJson('{"calls":[{"duration":7782342274025937895}]}') as { calls: { duration: unknown }[] };
    expect(value.calls[0]?.duration).toBe("7782342274025937895");
  });

  it("turns numeric ids into strings, whatever their size", () => {
    const value = parseJson('{"callId":7782342274025937895,"id":12,"workspaceId":5,"partyIds":[1,2],"requestId":"r"}');
    expect(value).toEqual({ callId: "7782342274025937895", id: "12", workspaceId: "5", partyIds: ["1", "2"], requestId: "r" });
  });

  it("keeps ordinary numbers as numbers (mediaChannelId included)", () => {
    const value = parseJson('{"duration":12.5,"totalRecords":3,"mediaChannelId":1,"neg":-2,"exp":1e3,"ok":true,"n":null}');
    expect(value).toEqual({ duration: 12.5, totalRecords: 3, mediaChannelId: 1, neg: -2, exp: 1000, ok: true, n: null });
  });

  it("keeps string ids untouched", () => {
    expect(parseJson('{"callId":"00123"}')).toEqual({ callId: "00123" });
  });

  it("throws SyntaxError on bad JSON", () => {
    expect(() => parseJson("<html>")).toThrow(SyntaxError);
  });
});

describe("stringifyJson", () => {
  it("writes bigint as strings", () => {
    expect(stringifyJson({ primaryUser: 7782342274025937895n })).toBe('{"primaryUser":"7782342274025937895"}');
  });
});
