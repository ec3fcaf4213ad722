import { describe, expect, it } from "vitest";
import { REDACTED, redactHeaders, redactText } from "../../src/client/index.js";
import { redactValue } from "../../src/client/redact.js";

describe("redaction", () => {
  it("redacts credential headers whatever their case", () => {
    expect(redactHeaders({ Authorization: "Basic abc", "content-type": "x", Cookie: "c" })).toEqual({
      Authorization: REDACTED,
      "content-type": "x",
      Cookie: REDACTED,
    });
  });

  it("replaces every occurrence of each secret", () => {
    expect(redactText("token s3cr3t-XYZ and again s3cr3t-XYZ", ["s3cr3t-XYZ"])).toBe(`token ${REDACTED} and again ${REDACTED}`);
  });

  it("ignores very short secrets (they would wreck the text)", () => {
    expect(redactText("abc", ["a"])).toBe("abc");
  });

  it("walks nested values", () => {
    expect(redactValue({ a: ["x-SECRET-x"], authorization: "Bearer q", n: 1 }, ["SECRET"])).toEqual({
      a: [`x-${REDACTED}-x`],
      authorization: REDACTED,
      n: 1,
    });
  });
});
