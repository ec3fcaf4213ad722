/**
 * Queue mode against a real redis-server and the sandbox: two relays accept, BullMQ workers deliver with one limit;
 * the same call sent to both relays is one call in Gong, and each relay shows the calls it accepted as done.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { gongBinding, senderFromClient } from "@gong-connector/importer";
import { connectionFromUrl, RedisRateLimiter, startImportWorker, type ImportJobData, type ImportJobResult } from "@gong-connector/importer/queue";
import { startRedis, type RedisServer } from "../../../test-support/importer.js";
import { startTestRelay, type TestRelay } from "../../../test-support/relay.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

const WAV = readFileSync(new URL("../../../examples/media/demo-call.wav", import.meta.url));
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

let sb: TestSandbox;
let redis: RedisServer;
let relays: TestRelay[] = [];
let workers: Worker<ImportJobData, ImportJobResult>[] = [];

beforeAll(async () => {
  [sb, redis] = await Promise.all([startTestSandbox(), startRedis()]);
  const queue = { url: redis.url, queueName: "relay-test", backoffMs: 50 };
  relays = [await startTestRelay(sb, { queue }), await startTestRelay(sb, { queue })];
  const auth = { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret };
  const gong = gongBinding(sb.baseUrl, auth);
  workers = await Promise.all(
    [0, 1].map(() =>
      startImportWorker({
        connection: connectionFromUrl(redis.url),
        queueName: "relay-test",
        gong,
        jobsPerSecond: 0,
        sender: (w) =>
          senderFromClient(
            new GongClient({ baseURL: sb.baseUrl, auth, retryBaseDelayMs: 10, retryMaxDelayMs: 50, rateLimit: new RedisRateLimiter({ redis: w.client, key: "relay-test:rate", perSecond: 20 }) }),
            { addCall: { ambiguityDelayMs: 20 } },
          ),
      }),
    ),
  );
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all([sb.close(), redis.stop()]);
});

describe("serve --queue", () => {
  it("two relays, two workers: every call delivered once, with its recording; the same call sent to both relays is one call", async () => {
    const [a, b] = relays;
    if (a === undefined || b === undefined) throw new Error("relays not started");
    const shared = sb.validCall();
    const sharedId = String(shared.clientUniqueId);
    const own = [sb.validCall(), sb.validCall(), sb.validCall(), sb.validCall()];
    expect((await a.post(shared)).status).toBe(202);
    expect((await b.post(shared)).status).toBe(202);
    const withMedia = new FormData();
    withMedia.append("request", JSON.stringify(own[0]));
    withMedia.append("mediaFile", new Blob([WAV]), "a.wav");
    expect((await a.post(withMedia)).status).toBe(202);
    expect((await a.post(own[1])).status).toBe(202);
    expect((await b.post(own[2])).status).toBe(202);
    expect((await b.post(own[3])).status).toBe(202);

    await a.waitFor(sharedId, "done");
    await b.waitFor(sharedId, "done");
    for (const [relay, call] of [[a, own[0]], [a, own[1]], [b, own[2]], [b, own[3]]] as const) await relay.waitFor(String(call?.clientUniqueId), "done");
    const inGong = await sb.admin.calls();
    for (const id of [sharedId, ...own.map((c) => String(c.clientUniqueId))]) expect(inGong.filter((c) => c.clientUniqueId === id), id).toHaveLength(1);
    const media = inGong.find((c) => c.clientUniqueId === own[0]?.clientUniqueId);
    expect(media?.media.sha256).toBe(sha256(WAV));
    // Both relays report the same Gong call for the shared one.
    expect((await a.status(sharedId)).body.callId).toBe((await b.status(sharedId)).body.callId);
  });

  it("a call Gong refuses fails for good (its errors copied back), and a retry through the relay delivers it", async () => {
    const [a] = relays;
    if (a === undefined) throw new Error("relay not started");
    const user = sb.users.rep;
    await sb.admin.setUser(user, { active: false });
    const call = sb.validCall({ primaryUser: user, parties: [{ userId: user }] });
    const id = String(call.clientUniqueId);
    try {
      expect((await a.post(call)).status).toBe(202);
      const failed = await a.waitFor(id, "failed");
      expect((failed.errors as string[]).length).toBeGreaterThan(0);
    } finally {
      await sb.admin.setUser(user, { active: true });
    }
    expect((await a.request("POST", `/v1/calls/${encodeURIComponent(id)}/retry`)).status).toBe(202);
    await a.waitFor(id, "done");
    expect((await sb.admin.calls()).filter((c) => c.clientUniqueId === id)).toHaveLength(1);
  });
});
