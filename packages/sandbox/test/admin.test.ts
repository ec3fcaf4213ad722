import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startSandbox } from "../src/internal/server.js";
import { generateConversationWav } from "../src/internal/wav.js";
import { rawRequest } from "../../../test-support/raw-http.js";
import { startTestSandbox } from "../../../test-support/sandbox.js";

describe("admin API", () => {
  it("is off unless asked for", async () => {
    const sb = await startSandbox({ ratePerSecond: 0 });
    try {
      expect(sb.adminToken).toBeUndefined();
      const res = await fetch(`${sb.baseUrl}/__sandbox/calls`);
      expect(res.status).toBe(404);
      for (const target of ["/__sandbo%78/calls", "/%5F%5Fsandbox/info", "/__sandbox/../__sandbox/calls"]) {
        const raw = await rawRequest(sb.baseUrl, { target });
        expect(raw.status, target).toBe(404);
        expect(raw.body).not.toContain(sb.accessKey);
      }
    } finally {
      await sb.close();
    }
  });

  it("needs the admin token", async () => {
    const sb = await startTestSandbox();
    try {
      expect((await fetch(`${sb.baseUrl}/__sandbox/calls`)).status).toBe(401);
      expect((await fetch(`${sb.baseUrl}/__sandbox/calls`, { headers: { authorization: sb.basicAuth } })).status).toBe(401);
      expect((await fetch(`${sb.baseUrl}/__sandbox/calls`, { headers: { authorization: `Bearer ${sb.adminToken}` } })).status).toBe(200);
      expect((await fetch(`${sb.baseUrl}/__sandbox/calls`, { headers: { authorization: `bearer ${sb.adminToken}` } })).status).toBe(200);
      for (const wrong of [`Bearer ${sb.adminToken}x`, `Bearer ${sb.adminToken.slice(1)}`, `Basic ${sb.adminToken}`, sb.adminToken, `Bearer ${sb.adminToken} x`]) {
        expect((await fetch(`${sb.baseUrl}/__sandbox/calls`, { headers: { authorization: wrong } })).status, wrong).toBe(401);
      }
    } finally {
      await sb.close();
    }
  });

  it("lists calls with media sha256, shows one call with its request, and names the seeded users", async () => {
    const sb = await startTestSandbox();
    try {
      const body = sb.validCall();
      const { body: created } = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
      await sb.uploadMedia(created.callId, generateConversationWav({ turns: 1 }).wav, "x.wav");
      const calls = await sb.admin.calls();
      expect(calls).toHaveLength(1);
      expect(calls[0]?.media.sha256).toMatch(/^[0-9a-f]{64}$/);
      const one = await sb.admin.call(created.callId);
      expect(one.request.clientUniqueId).toBe(body.clientUniqueId);
      const info = await sb.api<{ users: Record<string, string> }>("GET", "/__sandbox/info", { auth: { header: `Bearer ${sb.adminToken}` } });
      expect(info.body.users.recordingDisabled).toBe(sb.users.recordingDisabled);
    } finally {
      await sb.close();
    }
  });

  it("changes rate limits at run time", async () => {
    const sb = await startTestSandbox();
    try {
      await sb.admin.setSettings({ ratePerSecond: 1, resetRateLimits: true });
      expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
      expect((await sb.api("GET", "/v2/workspaces")).status).toBe(429);
    } finally {
      await sb.close();
    }
  });
});

describe("persistence", () => {
  it("calls, media, users' settings and keys survive a restart with the same data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sandbox-persist-"));
    try {
      const a = await startTestSandbox({ dataDir });
      const body = a.validCall();
      const { body: created } = await a.api<{ callId: string }>("POST", "/v2/calls", { body });
      const wav = generateConversationWav({ turns: 1 }).wav;
      await a.uploadMedia(created.callId, wav, "keep.wav");
      await a.admin.setUser(a.users.rep, { telephonyCallsImported: false });
      const sha = (await a.admin.call(created.callId)).media.sha256;
      await a.close();

      const b = await startTestSandbox({ dataDir });
      try {
        expect(b.accessKey).toBe(a.accessKey);
        expect(b.accessKeySecret).toBe(a.accessKeySecret);
        const got = await b.api<{ call: { clientUniqueId: string } }>("GET", `/v2/calls/${created.callId}`);
        expect(got.status).toBe(200);
        expect(got.body.call.clientUniqueId).toBe(body.clientUniqueId);
        expect((await b.admin.call(created.callId)).media.sha256).toBe(sha);
        const media = Buffer.from(await (await fetch(`${b.baseUrl}/media/${created.callId}`)).arrayBuffer());
        expect(media.equals(wav)).toBe(true);
        expect((await b.api("POST", "/v2/calls", { body })).status).toBe(409);
        const rep = b.users.rep;
        expect((await b.api("POST", "/v2/calls", { body: b.validCall({ primaryUser: rep, parties: [{ userId: rep }] }) })).status).toBe(409);
      } finally {
        await b.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
