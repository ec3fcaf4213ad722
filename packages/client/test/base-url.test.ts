import { describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import { buildURL, normalizeBaseURL } from "../src/internal/base-url.js";

describe("normalizeBaseURL", () => {
  it("defaults to https://api.gong.io", () => {
    expect(normalizeBaseURL().href).toBe("https://api.gong.io/");
  });

  it("accepts https anywhere and http on loopback", () => {
    expect(normalizeBaseURL("https://us-12345.api.gong.io").host).toBe("us-12345.api.gong.io");
    expect(normalizeBaseURL("http://127.0.0.1:8080").port).toBe("8080");
    expect(normalizeBaseURL("http://localhost:3000").hostname).toBe("localhost");
    expect(normalizeBaseURL("http://[::1]:3000").hostname).toBe("[::1]");
  });

  it("refuses http to a non-loopback host", () => {
    expect(() => normalizeBaseURL("http://api.gong.io")).toThrow(ValidationError);
    expect(() => normalizeBaseURL("http://10.1.2.3")).toThrow(/https/);
  });

  it("refuses other schemes, garbage, credentials and queries", () => {
    expect(() => normalizeBaseURL("ftp://api.gong.io")).toThrow(ValidationError);
    expect(() => normalizeBaseURL("not a url")).toThrow(ValidationError);
    expect(() => normalizeBaseURL("https://user:pw@api.gong.io")).toThrow(ValidationError);
    expect(() => normalizeBaseURL("https://api.gong.io/?x=1")).toThrow(ValidationError);
  });

  it("tolerates a trailing slash and keeps a path prefix", () => {
    const plain = normalizeBaseURL("https://api.gong.io/");
    expect(buildURL(plain, "/v2/calls").href).toBe("https://api.gong.io/v2/calls");
    const prefixed = normalizeBaseURL("https://proxy.example.com/gong/");
    expect(buildURL(prefixed, "/v2/calls", { cursor: "a b", skip: undefined }).href).toBe(
      "https://proxy.example.com/gong/v2/calls?cursor=a+b",
    );
  });
});
