import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { checkSecret, readSecret } from "../src/auth-secret.js";
import { parseScopes } from "../src/commands/auth.js";
import { ConfigurationError } from "../src/setup-error.js";

describe("parseScopes (--scopes)", () => {
  it("splits on spaces (and commas), drops repeats, keeps the order", () => {
    expect(parseScopes("  api:calls:create api:users:read,api:calls:create\tapi:workspaces:read ")).toEqual(["api:calls:create", "api:users:read", "api:workspaces:read"]);
  });
  it.each([
    ["", /at least one scope/],
    ["api:calls:create api/users", /"api\/users" is not a scope name/],
    ["api:x\u001b[2J", /is not a scope name/],
    [Array.from({ length: 51 }, (_, i) => `s${String(i)}`).join(" "), /at most 50/],
    [`api:${"x".repeat(200)}`, /is not a scope name/],
  ])("refuses %j", (value, message) => {
    expect(() => parseScopes(value)).toThrow(ConfigurationError);
    expect(() => parseScopes(value)).toThrow(message);
  });
  it("never echoes a long value whole", () => {
    const value = `bad/${"y".repeat(5000)}`;
    try {
      parseScopes(value);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200);
    }
  });
});

describe("secrets", () => {
  it("checkSecret trims and refuses empty, control characters and overlong values, never quoting the value", () => {
    expect(checkSecret("  s3cret \n", "the secret", "stdin")).toBe("s3cret");
    for (const bad of ["", "   ", "a\u0000b", "a\u001bb", "x".repeat(4097)]) {
      expect(() => checkSecret(bad, "the secret", "stdin")).toThrow(ConfigurationError);
    }
    try {
      checkSecret("abc\u0007def", "the secret", "stdin");
    } catch (error) {
      expect((error as Error).message).not.toContain("abc");
    }
  });

  const piped = (text: string | undefined): NodeJS.ReadStream => {
    const stream = new PassThrough();
    if (text !== undefined) stream.end(text);
    return stream as unknown as NodeJS.ReadStream;
  };

  it("reads only the first line of a pipe", async () => {
    const signal = new AbortController().signal;
    expect(await readSecret({ what: "the secret", prompt: "", signal, stdin: piped("first-line\r\nsecond-line\n") })).toBe("first-line");
    expect(await readSecret({ what: "the secret", prompt: "", signal, stdin: piped("no-newline") })).toBe("no-newline");
  });

  it("an empty pipe or an overlong first line is refused", async () => {
    const signal = new AbortController().signal;
    await expect(readSecret({ what: "the secret", prompt: "", signal, stdin: piped("") })).rejects.toThrow(/the secret: stdin gave an empty value/);
    await expect(readSecret({ what: "the secret", prompt: "", signal, stdin: piped(`${"z".repeat(10_000)}\n`) })).rejects.toThrow(/longer than 4096/);
  });

  it("an interrupt while waiting on the pipe ends the read", async () => {
    const controller = new AbortController();
    const reading = readSecret({ what: "the secret", prompt: "", signal: controller.signal, stdin: piped(undefined) });
    controller.abort();
    await expect(reading).rejects.toThrow(/interrupted/);
  });
});
