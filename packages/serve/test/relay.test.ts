/**
 * The relay's intake API and delivery against a real sandbox over HTTP: commit before 202, one call per
 * clientUniqueId, every issue named and nothing stored for bad input, Gong's refusals and passing faults, the quota,
 * restarts on the same data directory.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay } from "../src/index.js";
import { OutboxBindingError, OutboxBusyError } from "../src/index.js";
import { startTestRelay, type TestRelay } from "../../../test-support/relay.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

const WAV = readFileSync(new URL("../../../examples/media/demo-call.wav", import.meta.url));
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

let sb: TestSandbox;
let relay: TestRelay;

beforeAll(async () => {
  sb = await startTestSandbox();
  relay = await startTestRelay(sb);
});
afterAll(async () => {
  await relay.close();
  await sb.close();
});

function form(request: unknown, media?: { bytes: Uint8Array; name: string }): FormData {
  const f = new FormData();
  f.append("request", typeof request === "string" ? request : JSON.stringify(request));
  if (media !== undefined) f.append("mediaFile", new Blob([media.bytes]), media.name);
  return f;
}

async function sandboxCalls(id: string): Promise<Awaited<ReturnType<TestSandbox["admin"]["calls"]>>> {
  return (await sb.admin.calls()).filter((c) => c.clientUniqueId === id);
}

describe("intake", () => {
  it("a JSON call: 202 queued with its status URL, then delivered once; the same call again is 200 with its status", async () => {
    const call = sb.validCall();
    const id = String(call.clientUniqueId);
    const res = await relay.post(call);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ clientUniqueId: id, status: "queued", statusUrl: `${relay.url}/v1/calls/${encodeURIComponent(id)}` });
    const done = await relay.waitFor(id, "done");
    expect(done).toMatchObject({ clientUniqueId: id, errors: [], attempts: 1 });
    const inGong = await sandboxCalls(id);
    expect(inGong).toHaveLength(1);
    expect(done.callId).toBe(inGong[0]?.id);
    const again = await relay.post(call);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ clientUniqueId: id, status: "done", callId: inGong[0]?.id });
    expect(await sandboxCalls(id)).toHaveLength(1);
  });

  it("a multipart call with its recording: streamed to disk, delivered with the same bytes, the file removed afterwards", async () => {
    const call = sb.validCall();
    const id = String(call.clientUniqueId);
    const res = await relay.post(form(call, { bytes: WAV, name: "rec.wav" }));
    expect(res.status).toBe(202);
    const done = await relay.waitFor(id, "done");
    expect(done.hasMedia).toBe(true);
    const [inGong] = await sandboxCalls(id);
    expect(inGong?.media.sha256).toBe(sha256(WAV));
    // The recording is removed right after the call is marked done.
    const deadline = Date.now() + 5000;
    while (readdirSync(join(relay.dataDir, "media")).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(join(relay.dataDir, "media"))).toEqual([]);
    expect(readdirSync(join(relay.dataDir, "incoming"))).toEqual([]);
    // What the relay keeps is its own: the outbox (and its WAL) and the token are 0600 in a 0700 directory.
    for (const name of ["outbox.db", "outbox.db-wal", "serve-token"]) expect(statSync(join(relay.dataDir, name)).mode & 0o777, name).toBe(0o600);
    expect(statSync(relay.dataDir).mode & 0o777).toBe(0o700);
  });

  it("a recording's file name is only a hint: none, or a hostile one, is recognised by its first bytes and stored in the data directory", async () => {
    for (const name of ["blob", "../../../../tmp/evil", "x".repeat(5000)]) {
      const call = sb.validCall();
      const res = await relay.post(form(call, { bytes: WAV, name }));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await relay.waitFor(String(call.clientUniqueId), "done");
      expect((await sandboxCalls(String(call.clientUniqueId)))[0]?.media.sha256).toBe(sha256(WAV));
    }
    expect(existsSync("/tmp/evil")).toBe(false);
  });

  it("the same clientUniqueId sent many times at once is one call", async () => {
    const call = sb.validCall();
    const id = String(call.clientUniqueId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => relay.post(call)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    await relay.waitFor(id, "done");
    expect(await sandboxCalls(id)).toHaveLength(1);
  });

  it("an invalid call: 400 naming every field and rule; nothing stored", async () => {
    const before = relay.counts();
    const res = await relay.post({ clientUniqueId: "bad-1", actualStart: "yesterday", direction: "Sideways", parties: "x" });
    expect(res.status).toBe(400);
    const issues = res.body.issues as { path: string; rule: string }[];
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["actualStart", "direction", "parties", "primaryUser"]));
    for (const i of issues) expect(i.rule.length).toBeGreaterThan(0);
    expect((await relay.status("bad-1")).status).toBe(404);
    expect(relay.counts()).toEqual(before);
  });

  it("multipart refusals: no request part, bad JSON, an unknown part, a file that is not audio, media plus downloadMediaUrl", async () => {
    const before = relay.counts();
    const call = sb.validCall();
    const cases: [FormData, string, string][] = [
      [(() => { const f = new FormData(); f.append("mediaFile", new Blob([WAV]), "a.wav"); return f; })(), "request", "required"],
      [form("{not json", { bytes: WAV, name: "a.wav" }), "request", "not valid JSON"],
      [(() => { const f = form(call); f.append("other", "x"); return f; })(), "other", "unknown part"],
      [form(call, { bytes: new TextEncoder().encode("hello, not a recording"), name: "a.wav" }), "mediaFile", ""],
      [form({ ...call, downloadMediaUrl: "https://example.com/a.wav" }, { bytes: WAV, name: "a.wav" }), "mediaFile", "not both"],
    ];
    for (const [body, path, rule] of cases) {
      const res = await relay.post(body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      const issues = res.body.issues as { path: string; rule: string }[];
      expect(issues.some((i) => i.path === path && i.rule.includes(rule)), JSON.stringify(issues)).toBe(true);
      // Our own temp paths never leak into an answer.
      expect(JSON.stringify(res.body)).not.toContain(relay.dataDir);
    }
    expect(relay.counts()).toEqual(before);
    expect((await relay.status(String(call.clientUniqueId))).status).toBe(404);
    expect(readdirSync(join(relay.dataDir, "incoming"))).toEqual([]);
  });

  it("other bodies: 415 for text, 400 for broken JSON, 401 without or with a wrong token, health needs none", async () => {
    expect((await relay.request("POST", "/v1/calls", { body: "hello", headers: { "content-type": "text/plain" } })).status).toBe(415);
    const broken = await relay.request("POST", "/v1/calls", { body: "{", headers: { "content-type": "application/json" } });
    expect(broken.status).toBe(400);
    expect(typeof broken.body.error).toBe("string");
    expect((await relay.post(sb.validCall(), { token: null })).status).toBe(401);
    const wrong = await relay.post(sb.validCall(), { token: "x".repeat(43) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
    expect((await relay.request("GET", "/v1/calls", { token: null })).status).toBe(401);
    expect((await relay.request("GET", "/healthz", { token: null })).body).toEqual({ status: "ok" });
    expect((await relay.request("GET", "/readyz", { token: null })).status).toBe(200);
    expect((await relay.request("GET", "/nope")).status).toBe(404);
  });

  it("hostile bodies never get a 5xx, and only valid calls are stored", async () => {
    const before = relay.counts();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ ...sb.validCall(), parties: v }))), async (text) => {
        const res = await relay.request("POST", "/v1/calls", { body: text, headers: { "content-type": "application/json" } });
        expect(res.status).toBeLessThan(500);
        expect([400, 202]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
    const after = relay.counts();
    const added = Object.values(after).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0);
    expect(added).toBe(0);
  });
});

describe("status and lists", () => {
  it("any clientUniqueId works in the status and retry URLs (slashes, spaces, query characters, unicode)", async () => {
    for (const id of ["a/b/../c", "with space?x=1#frag", "ünïcødé-☎", "%2F%zz", "retry"]) {
      const res = await relay.post(sb.validCall({ clientUniqueId: id }));
      expect(res.status, id).toBe(202);
      expect(res.body.statusUrl).toBe(`${relay.url}/v1/calls/${encodeURIComponent(id)}`);
      const done = await relay.waitFor(id, "done");
      expect(done.clientUniqueId).toBe(id);
      expect((await relay.request("POST", `/v1/calls/${encodeURIComponent(id)}/retry`)).status).toBe(409);
    }
  });

  it("lists by status, paged with a cursor; a bad query names the parameter", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const call = sb.validCall();
      ids.push(String(call.clientUniqueId));
      expect((await relay.post(call)).status).toBe(202);
    }
    for (const id of ids) await relay.waitFor(id, "done");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { calls: { clientUniqueId: string; status: string }[]; nextCursor: string | null } = (await relay.request("GET", `/v1/calls?status=done&limit=2${cursor === null ? "" : `&cursor=${cursor}`}`)).body as never;
      expect(page.calls.length).toBeLessThanOrEqual(2);
      for (const c of page.calls) {
        expect(c.status).toBe("done");
        seen.push(c.clientUniqueId);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
    for (const [q, name] of [["status=lost", "status"], ["limit=0", "limit"], ["limit=abc", "limit"], ["cursor=-1", "cursor"]] as const) {
      const res = await relay.request("GET", `/v1/calls?${q}`);
      expect(res.status).toBe(400);
      expect((res.body.issues as { path: string }[])[0]?.path).toBe(name);
    }
    expect((await relay.status("never-sent")).status).toBe(404);
  });
});

describe("delivery", () => {
  it("Gong refuses the call: failed with Gong's errors; the retry queues it again and it goes in once the cause is fixed", async () => {
    const user = sb.users.rep;
    await sb.admin.setUser(user, { active: false });
    const call = sb.validCall({ primaryUser: user, parties: [{ userId: user }] });
    const id = String(call.clientUniqueId);
    try {
      expect((await relay.post(call)).status).toBe(202);
      const failed = await relay.waitFor(id, "failed");
      expect((failed.errors as string[]).length).toBeGreaterThan(0);
      expect(failed.lastError).toMatchObject({ stage: "create" });
      const status = (failed.lastError as { status: number }).status;
      expect(status >= 400 && status < 500 && status !== 429).toBe(true);
      const notFailed = await relay.request("POST", `/v1/calls/${encodeURIComponent(id)}/retry`);
      expect(notFailed.status).toBe(202);
    } finally {
      await sb.admin.setUser(user, { active: true });
    }
    await relay.waitFor(id, "done");
    expect(await sandboxCalls(id)).toHaveLength(1);
    // A call that did not fail cannot be retried.
    expect((await relay.request("POST", `/v1/calls/${encodeURIComponent(id)}/retry`)).status).toBe(409);
    expect((await relay.request("POST", "/v1/calls/nobody/retry")).status).toBe(404);
  });

  it("passing faults (503s, a dropped answer after the commit) end in exactly one call", async () => {
    await sb.admin.setFaults({
      script: [
        { fault: "503", method: "POST", path: "/v2/calls", count: 6 },
        { fault: "drop-after-commit", method: "POST", path: "/v2/calls", count: 1 },
      ],
    });
    try {
      const call = sb.validCall();
      const id = String(call.clientUniqueId);
      expect((await relay.post(call)).status).toBe(202);
      const done = await relay.waitFor(id, "done");
      expect(done.attempts as number).toBeGreaterThanOrEqual(2);
      expect(await sandboxCalls(id)).toHaveLength(1);
    } finally {
      await sb.admin.clearFaults();
    }
  });
});

describe("the data directory", () => {
  it("one relay per data directory; a directory with undelivered calls for another Gong is refused", async () => {
    await expect(startRelay({ client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } }, dataDir: relay.dataDir, logger: false })).rejects.toBeInstanceOf(OutboxBusyError);

    const dir = mkdtempSync(join(tmpdir(), "gong-relay-bind-"));
    try {
      // Gong is unreachable (a closed port): the call stays queued on disk.
      const closed = await startTestRelay(sb, { dataDir: dir, client: { baseURL: "http://127.0.0.1:9", auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, maxRetries: 0 } });
      expect((await closed.post(sb.validCall())).status).toBe(202);
      await closed.close();
      await expect(startRelay({ client: { baseURL: sb.baseUrl, auth: { accessKey: "other-key", accessKeySecret: "other-secret" } }, dataDir: dir, logger: false })).rejects.toBeInstanceOf(OutboxBindingError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("calls left queued by a stop are delivered after a restart on the same data directory, once each", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gong-relay-restart-"));
    try {
      // A relay with a quota of 1 request per (long) day: the first call goes in, the others wait on disk.
      const first = await startTestRelay(sb, { dataDir: dir, rateLimit: { perSecond: 100, perDay: 1, dayMs: 3_600_000 } });
      const calls = Array.from({ length: 4 }, () => sb.validCall());
      for (const c of calls) expect((await first.post(c)).status).toBe(202);
      await first.waitFor(String(calls[0]?.clientUniqueId), "done");
      await new Promise((r) => setTimeout(r, 200));
      const waiting = first.counts();
      expect(waiting.queued).toBe(3);
      expect(waiting.failed).toBe(0);
      const queued = (await first.status(String(calls[1]?.clientUniqueId))).body;
      expect(queued).toMatchObject({ status: "queued", attempts: 0, errors: [] });
      await first.close({ keepData: true });
      expect(existsSync(join(dir, "outbox.db"))).toBe(true);

      const second = await startTestRelay(sb, { dataDir: dir });
      expect(second.token).toBe(first.token);
      for (const c of calls) await second.waitFor(String(c.clientUniqueId), "done");
      for (const c of calls) expect(await sandboxCalls(String(c.clientUniqueId))).toHaveLength(1);
      await second.close({ keepData: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the daily quota is never a failure: delivery waits for the reset and goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gong-relay-quota-"));
    try {
      const r = await startTestRelay(sb, { dataDir: dir, rateLimit: { perSecond: 100, perDay: 2, dayMs: 1500 } });
      const calls = Array.from({ length: 5 }, () => sb.validCall());
      for (const c of calls) expect((await r.post(c)).status).toBe(202);
      for (const c of calls) await r.waitFor(String(c.clientUniqueId), "done", 30_000);
      expect(r.counts().failed).toBe(0);
      await r.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
