import { afterEach, describe, expect, it } from "vitest";
import { Faults, seededRandom } from "../src/internal/faults.js";
import { startTestSandbox, withSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

const sandbox = withSandbox();

describe("fault injection (admin API)", () => {
  afterEach(async () => {
    await sandbox().admin.clearFaults();
  });

  it("scripted 500, 503 and 429 answers come in Gong's error shape, before any work", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ script: [{ fault: "500" }, { fault: "503" }, { fault: "429", method: "GET", path: "/v2/users" }] });
    const before = (await sb.admin.calls()).length;
    const a = await sb.api<{ requestId: string; errors: string[] }>("POST", "/v2/calls", { body: sb.validCall() });
    const b = await sb.api("POST", "/v2/calls", { body: sb.validCall() });
    expect([a.status, b.status]).toEqual([500, 503]);
    expect(a.body.errors).toHaveLength(1);
    expect((await sb.admin.calls()).length).toBe(before);
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200); // 429 only matches /v2/users
    const c = await sb.api("GET", "/v2/users");
    expect(c.status).toBe(429);
    expect(c.headers.get("retry-after")).toBe("1");
    expect((await sb.api("GET", "/v2/users")).status).toBe(200);
  });

  it("drop-after-commit: the socket is destroyed after the call was stored", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ script: [{ fault: "drop-after-commit" }] });
    const body = sb.validCall();
    await expect(sb.api("POST", "/v2/calls", { body })).rejects.toThrow();
    const stored = (await sb.admin.calls()).filter((c) => c.clientUniqueId === body.clientUniqueId);
    expect(stored).toHaveLength(1);
    const again = await sb.api<{ errors: string[] }>("POST", "/v2/calls", { body });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toContain(stored[0]?.id);
  });

  it("listDelayMs: GET /v2/calls leaves out calls added less than that long ago; GET /v2/calls/{id} still finds them", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ listDelayMs: 3_600_000 });
    const body = sb.validCall();
    const added = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
    expect(added.status).toBe(200);
    const start = Date.parse(String(body.actualStart));
    const query = { fromDateTime: new Date(start - 1000).toISOString(), toDateTime: new Date(start + 1000).toISOString() };
    const listed = async () => {
      const res = await sb.api<{ calls?: { id: string }[] }>("GET", "/v2/calls", { query });
      return res.status === 404 ? [] : (res.body.calls ?? []).map((c) => c.id);
    };
    expect(await listed()).not.toContain(added.body.callId);
    expect((await sb.api("GET", `/v2/calls/${added.body.callId}`)).status).toBe(200);
    await sb.admin.setFaults({ listDelayMs: 0 });
    expect(await listed()).toContain(added.body.callId);
  });

  it("500-after-commit: answers 500 yet the call exists", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ errorAfterCommit: 1 });
    const body = sb.validCall({ actualStart: "2022-02-02T02:02:02Z" });
    expect((await sb.api("POST", "/v2/calls", { body })).status).toBe(500);
    await sb.admin.clearFaults();
    const list = await sb.api<{ calls: { clientUniqueId: string }[] }>("GET", "/v2/calls", {
      query: { fromDateTime: "2022-02-02T01:00:00Z", toDateTime: "2022-02-02T03:00:00Z" },
    });
    expect(list.body.calls.map((c) => c.clientUniqueId)).toContain(body.clientUniqueId);
  });

  it("drop before any work (scripted)", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ script: [{ fault: "drop", path: "/v2/workspaces" }] });
    await expect(sb.api("GET", "/v2/workspaces")).rejects.toThrow();
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
  });

  it("added latency", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ latencyMs: 150 });
    const t0 = performance.now();
    await sb.api("GET", "/v2/workspaces");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("random shares: every answer is 500 at share 1; the admin API reports counts", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ error500: 1 });
    for (let i = 0; i < 3; i++) expect((await sb.api("GET", "/v2/workspaces")).status).toBe(500);
    const state = (await sb.admin.faults()) as { config: { error500: number }; stats: { injected: Record<string, number> } };
    expect(state.config.error500).toBe(1);
    expect(state.stats.injected["500"]).toBe(3);
  });

  it("faults never touch the admin API or the call page", async () => {
    const sb = sandbox();
    await sb.admin.setFaults({ error503: 1 });
    expect((await fetch(`${sb.baseUrl}/`)).status).toBe(200);
    expect((await sb.admin.calls()).length).toBeGreaterThanOrEqual(0);
  });

  it("400 for a bad fault body", async () => {
    const sb = sandbox();
    const res = await sb.api("PUT", "/__sandbox/faults", { body: { error500: 2 }, auth: { header: `Bearer ${sb.adminToken}` } });
    expect(res.status).toBe(400);
  });
});

describe("fault flags at start", () => {
  let sb: TestSandbox | undefined;
  afterEach(async () => {
    await sb?.close();
  });

  it("shares are close to what was asked (seeded)", async () => {
    sb = await startTestSandbox({ faults: { error500: 0.2, error503: 0.1, error429: 0.1 }, faultSeed: 42 });
    const counts: Record<number, number> = {};
    for (let i = 0; i < 300; i++) {
      const s = (await sb.api("GET", "/v2/workspaces")).status;
      counts[s] = (counts[s] ?? 0) + 1;
    }
    expect((counts[500] ?? 0) / 300).toBeGreaterThan(0.12);
    expect((counts[500] ?? 0) / 300).toBeLessThan(0.28);
    expect((counts[503] ?? 0) / 300).toBeGreaterThan(0.04);
    expect((counts[429] ?? 0) / 300).toBeGreaterThan(0.04);
    expect((counts[200] ?? 0) / 300).toBeGreaterThan(0.45);
  });
});

describe("Faults", () => {
  it("scripted entries are consumed in order and only by matching requests", () => {
    const f = new Faults({}, seededRandom(1));
    f.push([{ fault: "503", method: "PUT", count: 2 }, { fault: "500-after-commit" }]);
    expect(f.before("GET", "/v2/calls")).toBeUndefined();
    expect(f.before("PUT", "/v2/calls/1/media")).toEqual({ kind: "status", status: 503 });
    expect(f.before("PUT", "/v2/calls/1/media")).toEqual({ kind: "status", status: 503 });
    expect(f.before("PUT", "/v2/calls/1/media")).toBeUndefined();
    expect(f.afterCommit("POST", "/v2/calls")).toBe("500");
    expect(f.afterCommit("POST", "/v2/calls")).toBeUndefined();
  });
});
