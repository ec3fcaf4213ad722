/**
 * The CLI refuses before sending (a lone surrogate, a key twice, fields nested too deep, a body over 10 MiB, a
 * symlinked .wav with --allow-any-format), run in-process (`run(argv)` of the CLI's sources) against the sandbox over
 * real HTTP. e2e/hostile/client-fixes-cli.test.ts runs a long 429 wait through the built CLI.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";
import { withSandbox } from "../../../test-support/sandbox.js";

const sandbox = withSandbox();
const dir = mkdtempSync(join(tmpdir(), "gc-client-fixes-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function inputFile(text: string): string {
  const path = join(dir, `call-${String(++n)}.json`);
  writeFileSync(path, text);
  return path;
}

async function callCount(): Promise<number> {
  return (await sandbox().admin.calls()).length;
}

describe("the CLI refuses before sending", () => {
  it("a clientUniqueId with a lone surrogate (\\ud800 in the JSON): exit 2, nothing sent", async () => {
    const before = await callCount();
    const call = JSON.stringify(sandbox().validCall()).replace(/"clientUniqueId":"[^"]*"/, '"clientUniqueId":"x-\\ud800"');
    expect(call).toContain('"x-\\ud800"');
    const r = await runInProcess(["add-call", "--input", inputFile(call)], { env: sandbox().env });
    expect(r.stderr).toContain("clientUniqueId: contains an unpaired UTF-16 surrogate (\\ud800 at index 2)");
    expect(r.code).toBe(2);
    expect(await callCount()).toBe(before);
  });

  it("an --input with a key twice (JSON would keep the last): exit 2 naming the key and its line, nothing sent", async () => {
    const before = await callCount();
    const call = sandbox().validCall();
    const text = JSON.stringify(call, null, 2).replace(/\n}$/, ',\n  "clientUniqueId": "b"\n}');
    const line = text.split("\n").findIndex((l) => l.includes('"clientUniqueId": "b"')) + 1;
    const r = await runInProcess(["add-call", "--input", inputFile(text)], { env: sandbox().env });
    expect(r.stderr).toContain(`--input: has the key "clientUniqueId" twice in one object (line ${String(line)})`);
    expect(r.code).toBe(2);
    expect(await callCount()).toBe(before);
  });

  it("--dry-run refuses fields nested 80 levels, which the sandbox would refuse, naming the path", async () => {
    let value: unknown = 1;
    for (let i = 0; i < 73; i++) value = { v: value };
    const call = sandbox().validCall({ context: [{ system: "Salesforce", objects: [{ objectType: "Opportunity", objectId: "o-1", fields: [{ name: "Deep", value }] }] }] });
    const text = JSON.stringify(call);
    const dry = await runInProcess(["add-call", "--input", inputFile(text), "--dry-run"], { env: sandbox().env });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(`context[0].objects[0].fields[0].value${".v".repeat(57)}: is nested deeper than 64 levels`);
    const sent = await sandbox().api("POST", "/v2/calls", { body: call });
    expect(sent.status).toBe(400);
  });

  it("an Add call body over 10 MiB: exit 2 naming its size and the limit, nothing sent", async () => {
    const before = await callCount();
    const call = sandbox().validCall({
      speakersTimeline: { speechSegments: Array.from({ length: 250_000 }, (_, i) => ({ fromTime: i, toTime: i + 1, partyIds: ["rep"] })) },
    });
    const r = await runInProcess(["add-call", "--input", inputFile(JSON.stringify(call))], { env: sandbox().env });
    expect(r.stderr).toMatch(/\(root\): the request is [\d,]+ bytes as JSON; at most 10,485,760 bytes \(10 MiB\) may be sent in one request/);
    expect(r.code).toBe(2);
    expect(await callCount()).toBe(before);
  });

  it("add-media --allow-any-format with passwd.wav leading to /etc/passwd: exit 2, nothing uploaded", async () => {
    const added = await sandbox().api<{ callId: string }>("POST", "/v2/calls", { body: sandbox().validCall() });
    expect(added.status).toBe(200);
    const link = join(dir, "passwd.wav");
    symlinkSync("/etc/passwd", link);
    const r = await runInProcess(["add-media", "--call-id", added.body.callId, "--file", link, "--allow-any-format"], { env: sandbox().env });
    expect(r.stderr).toContain("found text, not audio or video");
    expect(r.code).toBe(2);
    const requests = await sandbox().admin.requests(20);
    expect(requests.filter((q) => q.method === "PUT")).toEqual([]);
  });
});

