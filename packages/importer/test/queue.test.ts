import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, type Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { senderFromClient } from "../src/index.js";
import { connectionFromUrl, RedisRateLimiter, runQueuedImport, startImportWorker, type ImportJobData, type ImportJobResult } from "../src/queue/index.js";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, callRequest, requestLog, sha256File, startRedis, startTestSandbox, writeJsonl, writeWavs, type RedisServer } from "../../../test-support/importer.js";

let redis: RedisServer;
const dir = mkdtempSync(join(tmpdir(), "gc-queue-"));

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("RedisRateLimiter", () => {
  it("shares one sliding window between processes: never more than perSecond grants in any second", async () => {
    const connection = connectionFromUrl(redis.url);
    const q1 = new Queue("limiter-a", { connection });
    const q2 = new Queue("limiter-b", { connection });
    try {
      const key = `test:ratelimit:${Date.now()}`;
      const a = new RedisRateLimiter({ redis: q1.client, key, perSecond: 3, windowMs: 1000 });
      const b = new RedisRateLimiter({ redis: q2.client, key, perSecond: 3, windowMs: 1000 });
      const grants: number[] = [];
      const t0 = Date.now();
      await Promise.all(
        [a, b].flatMap((l) =>
          Array.from({ length: 6 }, async () => {
            await l.acquire();
            grants.push(Date.now() - t0);
          }),
        ),
      );
      grants.sort((x, y) => x - y);
      expect(grants).toHaveLength(12);
      // 12 grants at 3 per second: the last one no earlier than ~3 s after the first.
      expect((grants[11] ?? 0) - (grants[0] ?? 0)).toBeGreaterThanOrEqual(2900);
      for (let i = 3; i < grants.length; i++) expect((grants[i] ?? 0) - (grants[i - 3] ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      await q1.close();
      await q2.close();
    }
  });

  it("rejects a wait when aborted", async () => {
    const q = new Queue("limiter-c", { connection: connectionFromUrl(redis.url) });
    try {
      const l = new RedisRateLimiter({ redis: q.client, key: `test:abort:${Date.now()}`, perSecond: 1 });
      await l.acquire();
      const c = new AbortController();
      setTimeout(() => {
        c.abort();
      }, 50);
      await expect(l.acquire(c.signal)).rejects.toThrow(/aborted/);
    } finally {
      await q.close();
    }
  });
});

describe("queue mode", () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ ratePerSecond: 3 });
  });
  afterAll(async () => {
    await sb.close();
  });

  it("two workers share Gong's 3/s limit and import everything with zero failures, exactly once", async () => {
    const files = writeWavs(join(dir, "media"), 4);
    const rows: Record<string, unknown>[] = Array.from({ length: 20 }, (_, i) => ({ ...callRequest(i, "q"), ...(i < 4 && { mediaFile: `media/rec-${i}.wav` }) }));
    const manifest = join(dir, "queue.jsonl");
    writeJsonl(manifest, rows);
    const connection = connectionFromUrl(redis.url);
    const queueName = `import-${Date.now()}`;
    const rateKey = `test:gong:${queueName}`;
    const workers: Worker<ImportJobData, ImportJobResult>[] = [];
    for (let w = 0; w < 2; w++) {
      workers.push(
        await startImportWorker({
          connection,
          queueName,
          concurrency: 4,
          jobsPerSecond: 3,
          sender: (worker) =>
            senderFromClient(
              new GongClient({
                baseURL: sb.baseUrl,
                auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret },
                // A 1.3 s window (3 per 1.3 s): unshared, two workers would send up to 4.6/s and meet many 429s; shared,
                // a request may reach the sandbox up to 0.3 s late (a loaded machine) without a 429.
                rateLimit: new RedisRateLimiter({ redis: worker.client, key: rateKey, perSecond: 3, windowMs: 1300 }),
              }),
            ),
        }),
      );
    }
    const started = Date.now();
    try {
      const result = await runQueuedImport({ manifest, connection, queueName, pollMs: 200, report: join(dir, "queue-report.jsonl") });
      const elapsed = Date.now() - started;
      expect(result.summary).toMatchObject({ total: 20, done: 20, failed: 0, created: 20, mediaUploaded: 4, pending: 0, interrupted: false });
      const calls = (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("q-"));
      expect(calls).toHaveLength(20);
      expect(new Set(calls.map((c) => c.clientUniqueId)).size).toBe(20);
      for (let i = 0; i < 4; i++) {
        expect(calls.find((c) => c.clientUniqueId === `q-0000${i}`)?.media.sha256).toBe(sha256File(files[i] ?? ""));
      }
      const log = (await requestLog(sb)).requests.filter((r) => typeof r.path === "string" && r.path.startsWith("/v2"));
      const tooMany = log.filter((r) => r.status === 429).length;
      // 24 requests (20 calls, 4 media) at 3/s: the shared limiter paces both workers (no more than a stray 429, which the client absorbs).
      expect(log.length).toBeGreaterThanOrEqual(24);
      expect(elapsed).toBeGreaterThan(((log.length - 3) / 3) * 1000);
      expect(tooMany).toBeLessThanOrEqual(1);

      // Enqueueing again is harmless: done rows are skipped, nothing is created twice. A row Gong refuses (4xx: the
      // primary user is not enabled for call import) fails its job at once (UnrecoverableError, one attempt).
      rows.push({ ...callRequest(20, "q"), primaryUser: SEED_USERS.recordingDisabled, parties: [{ userId: SEED_USERS.recordingDisabled }] });
      writeJsonl(manifest, rows);
      const again = await runQueuedImport({ manifest, connection, queueName, pollMs: 200, signal: AbortSignal.timeout(30_000) });
      expect(again.summary).toMatchObject({ total: 21, skipped: 20, done: 0, failed: 1, interrupted: false });
      expect(again.failures).toEqual([expect.objectContaining({ line: 21, clientUniqueId: "q-00020", stage: "create", status: 409 })]);
      const queue = new Queue<ImportJobData, ImportJobResult>(queueName, { connection });
      expect((await queue.getJob("q-00020"))?.attemptsMade).toBe(1);
      await queue.close();
      expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("q-"))).toHaveLength(20);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 120_000);
});
