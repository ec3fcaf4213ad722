import { describe, expect, it } from "vitest";
import { redactValue, REDACTED, basicAuthSecrets, redactHeaders, redactSecrets, redactText } from "../src/internal/redact.js";

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

describe("redactSecrets: every form a server may echo", () => {
  const secret = "s3/cr+t=Ünï \"q\"";
  const forms: [string, string][] = [
    ["raw", secret],
    ["JSON-escaped", JSON.stringify(secret).slice(1, -1)],
    ["JSON with \\/", JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/")],
    ["JSON \\u for every character", Array.from(secret, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")],
    ["JSON \\u upper-case hex", "s3\\u002Fcr\\u002Bt=\\u00DCn\\u00EF \\\"q\\\""],
    ["URL-encoded", encodeURIComponent(secret)],
    ["URL-encoded lower-case, + for space", encodeURIComponent(secret).toLowerCase().replace(/%20/g, "+").replace(/s3/, "s3")],
    ["form-encoded", new URLSearchParams({ a: secret }).toString().slice(2)],
    ["HTML references", "s3&#47;cr&#x2b;t=&#220;n&#xEF; &quot;q&quot;"],
  ];
  it.each(forms)("%s", (_name, form) => {
    const out = redactSecrets(`before ${form} after`, [secret]);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it("base64 of key:secret in every variant basicAuthSecrets lists", () => {
    const secrets = basicAuthSecrets("key", "a?>b?>c~~");
    const b64 = Buffer.from("key:a?>b?>c~~").toString("base64");
    expect(b64).toMatch(/[+/=]/);
    for (const form of [b64, b64.replace(/=+$/, ""), b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), JSON.stringify(b64).slice(1, -1).replace(/\//g, "\\/"), encodeURIComponent(b64)]) {
      expect(redactSecrets(`Basic ${form}!`, secrets)).toBe(`Basic ${REDACTED}!`);
    }
  });

  it("leaves text without the secret untouched, including near misses", () => {
    const text = "s3/cr+t=Ünï \"q and %2 and \\u00 and &#; s3";
    expect(redactSecrets(text, [secret])).toBe(text);
  });

  it("replaces a secret that contains another whole", () => {
    expect(redactSecrets("abcdefgh", ["cdef", "abcdefgh"])).toBe(REDACTED);
  });

  it("handles astral characters, escaped as surrogate pairs or UTF-8 percent bytes", () => {
    const s = "tok😀en";
    expect(redactSecrets(`x${JSON.stringify(s).slice(1, -1)}x`, [s])).toBe(`x${REDACTED}x`);
    expect(redactSecrets("x tok\\ud83d\\ude00en x", [s])).toBe(`x ${REDACTED} x`);
    expect(redactSecrets(`x${encodeURIComponent(s)}x`, [s])).toBe(`x${REDACTED}x`);
  });

  it("leaves a megabyte of near misses untouched", () => {
    const text = "%5".repeat(300_000) + "\\u00".repeat(100_000) + "s3/cr+".repeat(50_000);
    const out = redactSecrets(text, [secret, "another-secret-value"]);
    expect(out).toBe(text);
  });
});
