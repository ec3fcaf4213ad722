import { afterEach, describe, expect, it, vi } from "vitest";
import { GongApiError, GongUnreachableError } from "@gong-connector/client";
import { reportError, shellQuote } from "../src/errors.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

/** reportError's stderr and exit code. */
function report(error: unknown): { code: number; stderr: string } {
  let stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = reportError(error);
  return { code, stderr };
}

describe("GONG_BASE_URL left unset with the sandbox's credentials", () => {
  it("says GONG_BASE_URL is probably missing when Gong's default host cannot be reached", () => {
    process.env = { PATH: saved.PATH, GONG_ACCESS_KEY: "sbx_abc123", GONG_ACCESS_KEY_SECRET: "s3cret-value" };
    const { code, stderr } = report(new GongUnreachableError("https://api.gong.io", "ENOTFOUND", "getaddrinfo ENOTFOUND api.gong.io"));
    expect(code).toBe(4);
    expect(stderr).toContain("GONG_BASE_URL is not set, so the default https://api.gong.io was used.");
    expect(stderr).toContain("The credentials look like the sandbox's (sbx_…): GONG_BASE_URL is probably missing");
  });

  it("and when Gong refuses them (401)", () => {
    process.env = { PATH: saved.PATH, GONG_BEARER_TOKEN: "sbx_at_token-value" };
    const error = GongApiError.from(401, { requestId: "r", errors: ["unauthorized"] });
    error.endpoint = "POST /v2/calls";
    const { code, stderr } = report(error);
    expect(code).toBe(3);
    expect(stderr).toContain("GONG_BASE_URL is probably missing");
  });

  it("says nothing of the sandbox for other credentials or when GONG_BASE_URL is set", () => {
    process.env = { PATH: saved.PATH, GONG_ACCESS_KEY: "AKIA-real", GONG_ACCESS_KEY_SECRET: "s3cret-value" };
    expect(report(new GongUnreachableError("https://api.gong.io", "ENOTFOUND", "x")).stderr).not.toContain("sandbox");
    vi.restoreAllMocks();
    process.env = { PATH: saved.PATH, GONG_BASE_URL: "https://us-1.api.gong.io", GONG_ACCESS_KEY: "sbx_abc", GONG_ACCESS_KEY_SECRET: "s3cret-value" };
    const { stderr } = report(new GongUnreachableError("https://us-1.api.gong.io", "ENOTFOUND", "x"));
    expect(stderr).toContain('GONG_BASE_URL is "https://us-1.api.gong.io"');
    expect(stderr).not.toContain("probably missing");
  });
});

describe("shellQuote", () => {
  it.each([
    ["/tmp/call.wav", "/tmp/call.wav"],
    ["my call.wav", "'my call.wav'"],
    ["it's.wav", "'it'\\''s.wav'"],
    ["$(rm -rf ~).wav", "'$(rm -rf ~).wav'"],
  ])("%s", (input, quoted) => {
    expect(shellQuote(input)).toBe(quoted);
  });
});
