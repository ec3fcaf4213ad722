/**
 * `calls` and `call`: what went into Gong, read back through GET /v2/calls and GET /v2/calls/{id}, by the built CLI
 * (a subprocess) against a sandbox over real HTTP. The other cases run in-process: packages/cli/test/calls-read.test.ts,
 * and the refusals in packages/cli/test/usage.test.ts.
 */
import { describe, expect, it } from "vitest";
import { addCallThroughApi, type ListedCall } from "../../test-support/cli-fixtures.js";
import { withSandbox } from "../../test-support/sandbox.js";
import { runCli } from "../../test-support/run-cli.js";

const sandbox = withSandbox();

/** Adds a call through the sandbox's API; returns its callId and clientUniqueId. */
const addCall = (overrides: Record<string, unknown> = {}) => addCallThroughApi(sandbox(), overrides);

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

  // Its refusals (bad dates, --to before --from, a workspace that is no id) run in-process: packages/cli/test/usage.test.ts.
});

describe("call", () => {
  it("shows one call by its callId", async () => {
    const added = await addCall({ actualStart: "2025-05-06T07:08:09Z", title: "By id" });
    const r = await runCli(["call", added.callId], { env: sandbox().env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: added.callId, clientUniqueId: added.clientUniqueId, title: "By id", started: "2025-05-06T07:08:09Z" });
  });

  it("an unknown callId is Gong's 404: exit 3 with its requestId", async () => {
    const r = await runCli(["call", "1234567890123456789"], { env: sandbox().env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("404");
    expect(r.stderr).toMatch(/requestId: \S+/);
  });

  // Its refusals (no callId, both a callId and -u, a callId that is no id, --around misused) run in-process:
  // packages/cli/test/usage.test.ts.
});
