/**
 * add-call's and add-media's refusals run in-process (`run(argv)` of the CLI's sources): garbage input, a missing
 * file, media checked first, usage and configuration errors (exit 2, nothing sent to a listener that counts
 * connections), every bad field named with its rule, --dry-run's output without credentials, and the JSON Schema.
 * e2e/cli/validation.test.ts runs through the built CLI a request piped on stdin and a reader that goes away (| head).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliEnv, minimalRequest, withConnectionCounter, withTempDir } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

/** A TCP listener that only counts connections: proof that nothing was sent. */
const listener = withConnectionCounter();
const { dir, file } = withTempDir("gc-cli-");
const SECRET = "S3CRET-never-print-me-4f9a";
const env = () => cliEnv(listener.baseUrl(), SECRET);
const valid = minimalRequest("cli-valid-1", "1234567890123456789");

describe("add-call refuses bad input with exit 2, naming every bad field, sending nothing", () => {
  it("lists each bad field with its rule", async () => {
    const input = file("bad.json", JSON.stringify({ ...valid, direction: "in", purpose: "p".repeat(256), primaryUser: 5 }));
    const before = listener.connections();
    const r = await runInProcess(["add-call", "--input", input], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("direction: must be one of: Inbound, Outbound, Conference, Unknown");
    expect(r.stderr).toContain("purpose: must be at most 255 characters");
    expect(r.stderr).toContain("primaryUser: must be a string of 1-20 digits");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(listener.connections()).toBe(before);
  });

  it("--dry-run prints the validated request and sends nothing, without credentials", async () => {
    const r = await runInProcess(["add-call", "--dry-run", "--input", file("dry.json", JSON.stringify(valid))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(valid);
  });

  const garbage: [string, string | Buffer][] = [
    ["invalid JSON", "{ \"clientUniqueId\": "],
    ["random bytes", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ["an empty file", ""],
    ["a JSON array", "[1,2,3]"],
    ["a JSON string", "\"call\""],
    ["deeply nested JSON", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
    ["a huge string field", JSON.stringify({ ...valid, clientUniqueId: "x".repeat(5_000_000) })],
  ];
  for (const [name, content] of garbage) {
    it(`answers ${name} with one paragraph and exit 2`, async () => {
      const before = listener.connections();
      const r = await runInProcess(["add-call", "--input", file(`g-${name.replace(/\W/g, "_")}.json`, content)], { env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^gong-connector: invalid input, nothing was sent:\n {2}- /);
      expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(4);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(listener.connections()).toBe(before);
    });
  }

  it("names a missing input file", async () => {
    const r = await runInProcess(["add-call", "--input", join(dir, "nope.json")], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--input: file not found");
  });

  it("checks the media file before sending the call", async () => {
    const before = listener.connections();
    const input = file("ok.json", JSON.stringify(valid));
    const empty = file("empty.wav", "");
    const r1 = await runInProcess(["add-call", "--input", input, "--media", empty], { env: env() });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain("mediaFile: file is empty");
    const text = file("notes.txt", "hello");
    const r2 = await runInProcess(["add-call", "--input", input, "--media", text], { env: env() });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("mediaFile: unsupported file type");
    expect(listener.connections()).toBe(before);
  });

});

describe("usage and configuration errors exit 2", () => {
  it("a missing required option", async () => {
    const r = await runInProcess(["add-media", "--call-id", "1"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--file");
  });
  it("an unknown command", async () => {
    const r = await runInProcess(["add-calls"]);
    expect(r.code).toBe(2);
  });
  it("no credentials in the environment", async () => {
    const r = await runInProcess(["add-call", "--input", file("ok2.json", JSON.stringify(valid))], { env: { GONG_BASE_URL: listener.baseUrl() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("GONG_ACCESS_KEY");
  });
  it("a plain-http base URL that is not loopback", async () => {
    const r = await runInProcess(["users"], { env: { ...env(), GONG_BASE_URL: "http://api.example.com" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/https/);
    expect(r.stderr).not.toContain(SECRET);
  });
  it("a bad call id for add-media", async () => {
    const before = listener.connections();
    const r = await runInProcess(["add-media", "--call-id", "abc", "--file", file("a.wav", "RIFF....WAVE")], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("callId: must be a string of 1-20 digits");
    expect(listener.connections()).toBe(before);
  });
});

describe("schema", () => {
  it("prints the JSON Schema with the seed's labels", async () => {
    const r = await runInProcess(["schema", "add-call"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, { title?: string; description?: string }>; required: string[] };
    expect(schema.required.sort()).toEqual(["actualStart", "clientUniqueId", "direction", "parties", "primaryUser"]);
    expect(schema.properties.clientUniqueId?.title).toBe("Client unique ID");
    expect(schema.properties.downloadMediaUrl?.title).toBe("Media download URL");
    expect(schema.properties.customData?.description).toContain("troubleshooting");
    expect(Object.keys(schema.properties)).toHaveLength(20);
  });
});
