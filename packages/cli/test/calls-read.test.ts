/**
 * `calls` and `call`: what went into Gong, read back through GET /v2/calls and GET /v2/calls/{id}, run in-process
 * (`run(argv)` of the CLI's sources) against a sandbox over real HTTP: every page, --jsonl, --workspace, the default
 * range, an empty range, look-ups by clientUniqueId. e2e/cli/calls.test.ts runs a listing, a call by id and a 404
 * through the built CLI; the refusals of both commands are in usage.test.ts.
 */
import { describe, expect, it } from "vitest";
import { addCallThroughApi, type ListedCall } from "../../../test-support/cli-fixtures.js";
import { withSandbox } from "../../../test-support/sandbox.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const sandbox = withSandbox();

/** Adds a call through the sandbox's API; returns its callId and clientUniqueId. */
const addCall = (overrides: Record<string, unknown> = {}) => addCallThroughApi(sandbox(), overrides);


describe("calls", () => {
  it("follows every page (250 calls: three pages) and keeps 19-digit ids exact", async () => {
    const sb = sandbox();
    const ids = new Set<string>();
    for (let i = 0; i < 250; i++) {
      const seconds = String(i % 60).padStart(2, "0");
      const minutes = String(Math.floor(i / 60)).padStart(2, "0");
      ids.add((await addCall({ actualStart: `2025-03-04T08:${minutes}:${seconds}Z` })).callId);
    }
    const r = await runInProcess(["calls", "--from", "2025-03-04T08:00:00Z", "--to", "2025-03-04T09:00:00Z"], { env: sb.env });
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
    const all = await runInProcess(["calls", "--from", "2025-04-05T12:00:00Z", "--to", "2025-04-05T13:00:00Z", "--jsonl", "--pretty"], { env: sb.env });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as ListedCall);
    expect(lines.map((c) => c.id).sort()).toEqual([a.callId, b.callId].sort());
    const one = await runInProcess(["calls", "--from", "2025-04-05T12:00:00Z", "--to", "2025-04-05T13:00:00Z", "--workspace", other], { env: sb.env });
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as ListedCall[]).map((c) => c.id)).toEqual([b.callId]);
  });

  it("lists the last 7 days by default", async () => {
    const now = new Date();
    now.setUTCMilliseconds(0);
    const recent = await addCall({ actualStart: new Date(now.getTime() - 3_600_000).toISOString() });
    const old = await addCall({ actualStart: new Date(now.getTime() - 8 * 86_400_000).toISOString() });
    const r = await runInProcess(["calls"], { env: sandbox().env });
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as ListedCall[]).map((c) => c.id);
    expect(ids).toContain(recent.callId);
    expect(ids).not.toContain(old.callId);
  });

  it("an empty range is [] and exit 0, with a note on stderr", async () => {
    const r = await runInProcess(["calls", "--from", "2001-01-01T00:00:00Z", "--to", "2001-01-02T00:00:00Z"], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain("no call started in [2001-01-01T00:00:00Z, 2001-01-02T00:00:00Z)");
  });

});

describe("call", () => {
  it("finds a call by clientUniqueId around its actualStart", async () => {
    const added = await addCall({ actualStart: "2025-05-07T10:20:30Z" });
    await addCall({ actualStart: "2025-05-07T10:20:30Z" });
    const r = await runInProcess(["call", "--client-unique-id", added.clientUniqueId, "--around", "2025-05-07T10:50:00Z"], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: added.callId, clientUniqueId: added.clientUniqueId });
  });

  it("finds a recent call by clientUniqueId without --around (the last 7 days)", async () => {
    const added = await addCall({ actualStart: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z") });
    const r = await runInProcess(["call", "-u", added.clientUniqueId], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ListedCall).id).toBe(added.callId);
  });

  it("a clientUniqueId not found in the range: exit 3, saying where it looked", async () => {
    const added = await addCall({ actualStart: "2025-05-08T10:00:00Z" });
    const r = await runInProcess(["call", "-u", added.clientUniqueId, "--around", "2025-05-09T10:00:00Z"], { env: sandbox().env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no call with clientUniqueId "${added.clientUniqueId}" started in [2025-05-09T09:00:00Z, 2025-05-09T11:00:00Z)`);
  });

});
