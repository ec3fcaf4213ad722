import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConversationWav, SEED_USERS, startSandbox, type RunningSandbox } from "../src/index.js";

let sb: RunningSandbox;
let seq = 0;

function basic(s: RunningSandbox): string {
  return `Basic ${Buffer.from(`${s.accessKey}:${s.accessKeySecret}`).toString("base64")}`;
}

function callBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientUniqueId: `handle-${process.pid}-${++seq}`,
    actualStart: "2026-03-02T15:00:00.250Z",
    primaryUser: SEED_USERS.host,
    direction: "Outbound",
    title: "Handle test",
    parties: [{ userId: SEED_USERS.host, name: "Ada" }, { name: "Grace", emailAddress: "grace@customer.example.org" }],
    ...overrides,
  };
}

async function addCall(s: RunningSandbox, body: Record<string, unknown>): Promise<{ status: number; json: { callId?: string; errors?: string[] } }> {
  const res = await fetch(`${s.baseUrl}/v2/calls`, {
    method: "POST",
    headers: { authorization: basic(s), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { callId?: string; errors?: string[] } };
}

async function upload(s: RunningSandbox, callId: string, wav: Buffer): Promise<number> {
  const form = new FormData();
  form.append("mediaFile", new Blob([wav]), "call.wav");
  const res = await fetch(`${s.baseUrl}/v2/calls/${callId}/media`, { method: "PUT", headers: { authorization: basic(s) }, body: form });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  sb = await startSandbox({ ratePerSecond: 0, ratePerDay: 0 });
});
afterAll(async () => {
  await sb.close();
});

describe("RunningSandbox", () => {
  it("lists what Add call stored, with the request as sent and the media's sha256 and size", async () => {
    const body = callBody();
    const added = await addCall(sb, body);
    expect(added.status).toBe(200);
    const callId = added.json.callId ?? "";
    const { wav } = generateConversationWav({ speakers: 2, turns: 2, turnMs: 300 });
    expect(await upload(sb, callId, wav)).toBe(201);

    const call = await sb.call(callId);
    expect(call).toMatchObject({
      id: callId,
      clientUniqueId: body.clientUniqueId,
      primaryUserId: SEED_USERS.host,
      started: "2026-03-02T15:00:00Z",
      title: "Handle test",
      url: `${sb.baseUrl}/call?id=${callId}`,
      downloadMediaUrl: null,
      media: { state: "ready", source: "upload", format: "wav", size: wav.length, sha256: createHash("sha256").update(wav).digest("hex") },
    });
    expect(call?.request).toEqual(body);
    expect((await sb.calls()).map((c) => c.id)).toContain(callId);
    expect(await sb.call("1234567890123456789")).toBeUndefined();
  });

  it("clearCalls removes every call and its media file; the same clientUniqueId is then new again", async () => {
    const body = callBody();
    const first = await addCall(sb, body);
    expect(await upload(sb, first.json.callId ?? "", generateConversationWav({ turns: 1 }).wav)).toBe(201);
    expect((await readdir(join(sb.dataDir, "media"))).length).toBeGreaterThan(0);

    await sb.clearCalls();
    expect(await sb.calls()).toEqual([]);
    expect(await readdir(join(sb.dataDir, "media"))).toEqual([]);
    const again = await addCall(sb, body);
    expect(again.status).toBe(200);
    expect(again.json.callId).not.toBe(first.json.callId);
  });

  it("clearCalls stops a downloadMediaUrl fetch under way and leaves no file", async () => {
    let answered = false;
    const stalled: Server = createServer((_req, res) => {
      answered = true;
      res.writeHead(200, { "content-type": "audio/wav" });
      res.write(generateConversationWav({ turns: 1 }).wav.subarray(0, 1000)); // then never ends
    });
    await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
    try {
      const port = (stalled.address() as AddressInfo).port;
      const added = await addCall(sb, callBody({ downloadMediaUrl: `http://127.0.0.1:${port}/call.wav` }));
      expect(added.status).toBe(200);
      await expect.poll(() => answered).toBe(true);
      expect((await sb.call(added.json.callId ?? ""))?.media.state).toBe("pending");

      await sb.clearCalls();
      await sb.waitForDownloads();
      expect(await sb.calls()).toEqual([]);
      expect(await readdir(join(sb.dataDir, "media"))).toEqual([]);
    } finally {
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });

  it("keeps a request log, newest first, that clearRequests empties", async () => {
    await sb.clearRequests();
    expect(await sb.requests()).toEqual([]);
    await addCall(sb, callBody());
    await addCall(sb, callBody({ direction: "Sideways" }));
    const log = await sb.requests(10);
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v2/calls", 400],
      ["POST", "/v2/calls", 200],
    ]);
    expect(log[1]?.principal).toBe(`key:${sb.accessKey}`);
    expect(await sb.requests(1)).toHaveLength(1);
    await expect(sb.requests(0)).rejects.toThrow(new TypeError("requests: limit: must be a whole number from 1 to 10000"));
  });

  it("scripted faults answer the requests they match, in order, and are counted", async () => {
    await sb.setFaults({ script: [{ fault: "503", method: "POST", path: "/v2/calls", count: 2 }] });
    expect((await addCall(sb, callBody())).status).toBe(503);
    expect((await addCall(sb, callBody())).status).toBe(503);
    expect((await addCall(sb, callBody())).status).toBe(200);
    expect((await sb.faults()).stats.injected["503"]).toBe(2);

    await sb.setFaults({ script: [{ fault: "500-after-commit" }] });
    const body = callBody();
    expect((await addCall(sb, body)).status).toBe(500);
    expect((await sb.calls()).some((c) => c.clientUniqueId === body.clientUniqueId)).toBe(true);

    await sb.setFaults({ error500: 1 });
    expect((await addCall(sb, callBody())).status).toBe(500);
    await sb.clearFaults();
    expect(await sb.faults()).toMatchObject({ config: { error500: 0 }, script: [], stats: { injected: {} } });
    expect((await addCall(sb, callBody())).status).toBe(200);
  });

  it("setUser turns a user's call import off (409) and on again; setSettings changes how duplicates are answered", async () => {
    await sb.setUser(SEED_USERS.rep, { telephonyCallsImported: false });
    expect((await addCall(sb, callBody({ primaryUser: SEED_USERS.rep, parties: [{ userId: SEED_USERS.rep }] }))).status).toBe(409);
    await sb.setUser(SEED_USERS.rep, { telephonyCallsImported: true });
    expect((await addCall(sb, callBody({ primaryUser: SEED_USERS.rep, parties: [{ userId: SEED_USERS.rep }] }))).status).toBe(200);

    const body = callBody();
    const first = await addCall(sb, body);
    expect((await addCall(sb, body)).status).toBe(409);
    expect(await sb.setSettings({ duplicates: "return-existing" })).toMatchObject({ duplicates: "return-existing", ratePerSecond: 0 });
    expect(await addCall(sb, body)).toEqual({ status: 200, json: expect.objectContaining({ callId: first.json.callId }) as unknown });
    await sb.setSettings({ duplicates: "conflict" });
  });

  it("refuses a bad change naming the method, the field and the rule, and changes nothing", async () => {
    await expect(sb.setFaults({ error500: 2 })).rejects.toThrow(/^setFaults: error500: .*1/);
    await expect(sb.setFaults({ script: [{ fault: "418" as never }] })).rejects.toThrow(/^setFaults: script\.0\.fault: /);
    await expect(sb.setFaults({ errorr500: 1 } as never)).rejects.toThrow(/^setFaults: .*errorr500/);
    await expect(sb.setSettings({ daySeconds: 0 })).rejects.toThrow(/^setSettings: daySeconds: /);
    await expect(sb.setUser(SEED_USERS.host, { active: "no" as never })).rejects.toThrow(/^setUser: active: /);
    await expect(sb.setUser("42", { active: false })).rejects.toThrow(new RangeError("setUser: userId: no user 42 in the sandbox (see SEED_USERS)"));
    expect((await sb.faults()).config.error500).toBe(0);
  });

  it("after close every method rejects, close is idempotent, and a temp data dir is removed", async () => {
    const other = await startSandbox();
    expect(other.port).toBeGreaterThan(0);
    expect(other.baseUrl).toBe(`http://127.0.0.1:${other.port}`);
    expect(other.adminToken).toBeUndefined();
    expect(existsSync(other.dataDir)).toBe(true);
    await Promise.all([other.close(), other.close()]);
    expect(existsSync(other.dataDir)).toBe(false);
    await expect(other.calls()).rejects.toThrow("calls: the sandbox is closed");
    await expect(other.setFaults({ error500: 1 })).rejects.toThrow("setFaults: the sandbox is closed");
  });
});

describe("admin API: clearing", () => {
  it("DELETE /__sandbox/calls and /__sandbox/requests clear what the handle clears", async () => {
    const admin = await startSandbox({ admin: true, ratePerSecond: 0 });
    try {
      const auth = { authorization: `Bearer ${admin.adminToken ?? ""}` };
      await addCall(admin, callBody());
      const deleted = await fetch(`${admin.baseUrl}/__sandbox/calls`, { method: "DELETE", headers: auth });
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toMatchObject({ deleted: 1 });
      expect(await admin.calls()).toEqual([]);
      const cleared = await fetch(`${admin.baseUrl}/__sandbox/requests`, { method: "DELETE", headers: auth });
      expect(cleared.status).toBe(200);
      // only the DELETE itself, logged once answered
      expect((await admin.requests()).map((r) => [r.method, r.path, r.principal])).toEqual([["DELETE", "/__sandbox/requests", "admin"]]);
      const bad = await fetch(`${admin.baseUrl}/__sandbox/requests?limit=abc`, { headers: auth });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ errors: ["limit: must be a whole number from 1 to 10000"] });
      expect((await fetch(`${admin.baseUrl}/__sandbox/calls`, { method: "DELETE" })).status).toBe(401);
    } finally {
      await admin.close();
    }
  });
});
