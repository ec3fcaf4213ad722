/**
 * `calls` and `call`: what went into Gong, read back through GET /v2/calls and GET /v2/calls/{id}, by the built CLI
 * (a subprocess) against a sandbox over real HTTP.
 */
import { describe, expect, it } from "vitest";
import { withSandbox } from "../../test-support/sandbox.js";
import { runCli } from "../../test-support/run-cli.js";

const sandbox = withSandbox();

interface ListedCall {
  id: string;
  clientUniqueId?: string;
  started?: string;
  workspaceId?: string;
  primaryUserId?: string;
  title?: string;
}

let counter = 0;
/** Adds a call through the sandbox's API; returns its callId and clientUniqueId. */
async function addCall(overrides: Record<string, unknown> = {}): Promise<{ callId: string; clientUniqueId: string }> {
  const sb = sandbox();
  const clientUniqueId = `calls-test-${process.pid}-${++counter}`;
  const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall({ clientUniqueId, ...overrides }) });
  expect(res.status).toBe(200);
  return { callId: res.body.callId, clientUniqueId };
}

const apiRequests = async (): Promise<number> => (await sandbox().admin.requests(1000)).filter((r) => r.path.startsWith("/v2/")).length;

describe("calls", () => {
  it("lists every call that started in [--from, --to) as a JSON array of Gong's records", async () => {
    const inside = await addCall({ actualStart: "2025-02-03T10:00:00Z", title: "Inside" });
    const atEnd = await addCall({ actualStart: "2025-02-03T11:00:00Z" });
    const before = await addCall({ actualStart: "2025-02-03T09:59:59Z" });
    const r = await runCli(["calls", "--from", "2025-02-03T10:00:00Z", "--to", "2025-02-03T11:00:00Z"], { env: sandbox().env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const calls = JSON.parse(r.stdout) as ListedCall[];
    expect(calls.map((c) => c.id)).toEqual([inside.callId]);
    expect(calls[0]).toMatchObject({
      id: inside.callId,
      clientUniqueId: inside.clientUniqueId,
      started: "2025-02-03T10:00:00Z",
      title: "Inside",
      primaryUserId: sandbox().users.host,
      workspaceId: sandbox().defaultWorkspaceId,
    });
    expect(calls.map((c) => c.id)).not.toContain(atEnd.callId);
    expect(calls.map((c) => c.id)).not.toContain(before.callId);
  });

  it("follows every page (250 calls: three pages) and keeps 19-digit ids exact", async () => {
    const sb = sandbox();
    const ids = new Set<string>();
    for (let i = 0; i < 250; i++) {
      const seconds = String(i % 60).padStart(2, "0");
      const minutes = String(Math.floor(i / 60)).padStart(2, "0");
      ids.add((await addCall({ actualStart: `2025-03-04T08:${minutes}:${seconds}Z` })).callId);
    }
    const r = await runCli(["calls", "--from", "2025-03-04T08:00:00Z", "--to", "2025-03-04T09:00:00Z"], { env: sb.env });
    expect(r.code).toBe(0);
    const calls = JSON.parse(r.stdout) as ListedCall[];
    expect(calls).toHaveLength(250);
    expect(new Set(calls.map((c) => c.id))).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9]{19}$/);
  });

  it("--jsonl prints one call per line (--pretty or not); --workspace keeps only that workspace's calls", async () => {
    const sb = sandbox();
    const other = sb.workspaces[2]?.id ?? "";
    const a = await addCall({ actualStart: "2025-04-05T12:00:00Z" });
    const b = await addCall({ actualStart: "2025-04-05T12:30:00Z", workspaceId: other });
    const all = await runCli(["calls", "--from", "2025-04-05T12:00:00Z", "--to", "2025-04-05T13:00:00Z", "--jsonl", "--pretty"], { env: sb.env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as ListedCall);
    expect(lines.map((c) => c.id).sort()).toEqual([a.callId, b.callId].sort());
    const one = await runCli(["calls", "--from", "2025-04-05T12:00:00Z", "--to", "2025-04-05T13:00:00Z", "--workspace", other], { env: sb.env });
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as ListedCall[]).map((c) => c.id)).toEqual([b.callId]);
  });

  it("lists the last 7 days by default", async () => {
    const now = new Date();
    now.setUTCMilliseconds(0);
    const recent = await addCall({ actualStart: new Date(now.getTime() - 3_600_000).toISOString() });
    const old = await addCall({ actualStart: new Date(now.getTime() - 8 * 86_400_000).toISOString() });
    const r = await runCli(["calls"], { env: sandbox().env });
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as ListedCall[]).map((c) => c.id);
    expect(ids).toContain(recent.callId);
    expect(ids).not.toContain(old.callId);
  });

  it("an empty range is [] and exit 0, with a note on stderr", async () => {
    const r = await runCli(["calls", "--from", "2001-01-01T00:00:00Z", "--to", "2001-01-02T00:00:00Z"], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain("no call started in [2001-01-01T00:00:00Z, 2001-01-02T00:00:00Z)");
  });

  // One refusal through the built CLI; the others in-process (packages/cli/test/usage.test.ts).
  const invalid: [string, string[], string][] = [
    ["a date without a zone", ["--from", "2025-01-01T00:00:00"], "--from: must be an ISO-8601 date-time with a zone"],
  ];
  for (const [name, args, message] of invalid) {
    it(`refuses ${name} with exit 2, sending nothing`, async () => {
      const before = await apiRequests();
      const r = await runCli(["calls", ...args], { env: sandbox().env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
      expect(await apiRequests()).toBe(before);
    });
  }
});

describe("call", () => {
  it("shows one call by its callId", async () => {
    const added = await addCall({ actualStart: "2025-05-06T07:08:09Z", title: "By id" });
    const r = await runCli(["call", added.callId], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: added.callId, clientUniqueId: added.clientUniqueId, title: "By id", started: "2025-05-06T07:08:09Z" });
  });

  it("finds a call by clientUniqueId around its actualStart", async () => {
    const added = await addCall({ actualStart: "2025-05-07T10:20:30Z" });
    await addCall({ actualStart: "2025-05-07T10:20:30Z" });
    const r = await runCli(["call", "--client-unique-id", added.clientUniqueId, "--around", "2025-05-07T10:50:00Z"], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: added.callId, clientUniqueId: added.clientUniqueId });
  });

  it("finds a recent call by clientUniqueId without --around (the last 7 days)", async () => {
    const added = await addCall({ actualStart: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z") });
    const r = await runCli(["call", "-u", added.clientUniqueId], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ListedCall).id).toBe(added.callId);
  });

  it("an unknown callId is Gong's 404: exit 3 with its requestId", async () => {
    const r = await runCli(["call", "1234567890123456789"], { env: sandbox().env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("404");
    expect(r.stderr).toMatch(/requestId: \S+/);
  });

  it("a clientUniqueId not found in the range: exit 3, saying where it looked", async () => {
    const added = await addCall({ actualStart: "2025-05-08T10:00:00Z" });
    const r = await runCli(["call", "-u", added.clientUniqueId, "--around", "2025-05-09T10:00:00Z"], { env: sandbox().env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no call with clientUniqueId "${added.clientUniqueId}" started in [2025-05-09T09:00:00Z, 2025-05-09T11:00:00Z)`);
  });

  // One refusal through the built CLI; the others in-process (packages/cli/test/usage.test.ts).
  const usage: [string, string[], string][] = [
    ["neither a callId nor --client-unique-id", [], "give either a callId or --client-unique-id"],
  ];
  for (const [name, args, message] of usage) {
    it(`refuses ${name} with exit 2, sending nothing`, async () => {
      const before = await apiRequests();
      const r = await runCli(["call", ...args], { env: sandbox().env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(await apiRequests()).toBe(before);
    });
  }
});
