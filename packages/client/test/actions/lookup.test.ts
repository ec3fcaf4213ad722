import { describe, expect, it } from "vitest";
import { findCallByClientUniqueId } from "../../src/actions/index.js";
import { GongClient } from "../../src/index.js";
import { withSandbox, type TestSandbox } from "../../../../test-support/sandbox.js";

const sandbox = withSandbox();

function client(sb: TestSandbox): GongClient {
  return new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: false });
}

async function addCalls(sb: TestSandbox, prefix: string, starts: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, actualStart] of starts.entries()) {
    const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall({ clientUniqueId: `${prefix}-${i}`, actualStart }) });
    expect(res.status).toBe(200);
    ids.push(res.body.callId);
  }
  return ids;
}

/** The GET /v2/calls requests `fn` made, counted in the sandbox's request log. */
async function listRequests<T>(sb: TestSandbox, fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const before = new Set((await sb.admin.requests(10_000)).map((r) => r.requestId));
  const result = await fn();
  const after = await sb.admin.requests(10_000);
  const requests = after.filter((r) => !before.has(r.requestId) && r.method === "GET" && r.path.startsWith("/v2/calls")).length;
  return { result, requests };
}

describe("findCallByClientUniqueId costs about one request", () => {
  it("one GET /v2/calls among 300 calls within the hour around it", async () => {
    const sb = sandbox();
    const base = Date.parse("2025-06-01T12:00:00Z");
    const around = Array.from({ length: 300 }, (_, i) => new Date(base + (i - 150) * 12_000 + 1000).toISOString());
    await addCalls(sb, "hour", around);
    const [targetId] = await addCalls(sb, "hour-target", ["2025-06-01T12:00:00Z"]);
    const found = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "hour-target-0", actualStart: "2025-06-01T14:00:00.600+02:00" }));
    expect(found.result?.id).toBe(targetId);
    expect(found.requests).toBe(1);
    const byDate = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "hour-target-0", actualStart: new Date("2025-06-01T12:00:00.600Z") }));
    expect(byDate.result?.id).toBe(targetId);
    expect(byDate.requests).toBe(1);
    const missing = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "hour-missing", actualStart: "2025-06-01T12:00:00Z" }));
    expect(missing.result).toBeUndefined();
    expect(missing.requests).toBe(1);
  });

  it("pages only through the calls of the same second, and stops at the match", async () => {
    const sb = sandbox();
    const second = "2025-07-01T09:30:15Z";
    const ids = await addCalls(sb, "same", Array.from({ length: 250 }, () => second));
    // The sandbox lists 100 calls a page, in the order they were added.
    const first = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "same-0", actualStart: second }));
    expect(first.result?.id).toBe(ids[0]);
    expect(first.requests).toBe(1);
    const last = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "same-249", actualStart: second }));
    expect(last.result?.id).toBe(ids[249]);
    expect(last.requests).toBe(3);
    const none = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "same-none", actualStart: second }));
    expect(none.result).toBeUndefined();
    expect(none.requests).toBe(3);
  });

  it("filters by workspaceId when given", async () => {
    const sb = sandbox();
    const second = "2025-08-01T10:00:00Z";
    await addCalls(sb, "ws", [second]);
    const other = sb.workspaces.find((w) => w.id !== sb.defaultWorkspaceId);
    expect(other).toBeDefined();
    const inOther = await listRequests(sb, () => findCallByClientUniqueId(client(sb), { clientUniqueId: "ws-0", actualStart: second, workspaceId: other?.id }));
    expect(inOther.result).toBeUndefined();
    expect(inOther.requests).toBe(1);
    const inDefault = await findCallByClientUniqueId(client(sb), { clientUniqueId: "ws-0", actualStart: second, workspaceId: sb.defaultWorkspaceId });
    expect(inDefault?.clientUniqueId).toBe("ws-0");
  });
});
