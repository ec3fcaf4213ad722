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
import { tightestSpan, watchGrants } from "../../../test-support/redis-grants.js";

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
  it("shares one sliding window between processes: never more than perSecond grants in any window", async () => {
    const connection = connectionFromUrl(redis.url);
    const q1 = new Queue("limiter-a", { connection });
    const q2 = new Queue("limiter-b", { connection });
    const key = `test:ratelimit:${Date.now()}`;
    const watch = await watchGrants(redis.url, key);
    try {
      // 3 grants per 400 ms: the check below is on the times Redis gave the grants, so a short window proves as much as a second.
      const a = new RedisRateLimiter({ redis: q1.client, key, perSecond: 3, windowMs: 400 });
      const b = new RedisRateLimiter({ redis: q2.client, key, perSecond: 3, windowMs: 400 });
      await Promise.all([a, b].flatMap((l) => Array.from({ length: 6 }, () => l.acquire())));
      const grants = await watch.grants();
      expect(grants).toHaveLength(12);
      // Both limiters took grants from the one window: any 4 consecutive grants (either limiter's) span at least 400 ms.
      expect(new Set(grants.map((g) => g.limiter)).size).toBe(2);
      expect(tightestSpan(grants, 3)).toBeGreaterThanOrEqual(400);
      const times = grants.map((g) => g.at);
      expect((times[11] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(3 * 400);
    } finally {
      await watch.stop();
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
    const files = writeWavs(join(dir, "media"), 3);
    const rows: Record<string, unknown>[] = Array.from({ length: 12 }, (_, i) => ({ ...callRequest(i, "q"), ...(i < 3 && { mediaFile: `media/rec-${i}.wav` }) }));
    const manifest = join(dir, "queue.jsonl");
    writeJsonl(manifest, rows);
    const connection = connectionFromUrl(redis.url);
    const queueName = `import-${Date.now()}`;
    const rateKey = `test:gong:${queueName}`;
    const watch = await watchGrants(redis.url, rateKey);
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
                // 3 per 1.3 s: a request may reach the sandbox up to 0.3 s late (a loaded machine) and still find its 3/s free.
                rateLimit: new RedisRateLimiter({ redis: worker.client, key: rateKey, perSecond: 3, windowMs: 1300 }),
              }),
            ),
        }),
      );
    }
    try {
      const result = await runQueuedImport({ manifest, connection, queueName, pollMs: 200, report: join(dir, "queue-report.jsonl") });
      expect(result.summary).toMatchObject({ total: 12, done: 12, failed: 0, created: 12, mediaUploaded: 3, pending: 0, interrupted: false });
      const calls = (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("q-"));
      expect(calls).toHaveLength(12);
      expect(new Set(calls.map((c) => c.clientUniqueId)).size).toBe(12);
      for (let i = 0; i < 3; i++) {
        expect(calls.find((c) => c.clientUniqueId === `q-0000${i}`)?.media.sha256).toBe(sha256File(files[i] ?? ""));
      }
      // The shared limiter's own record (the times Redis gave its grants, not when requests arrived, which a slow
      // machine shifts): every request Gong saw (15: 12 calls, 3 media; a retry after a 429 too) took a grant from the
      // one window, both workers took some, and no 4 grants fell within 1.3 s. Two workers pacing themselves apart
      // (3 per window each) would put 4 grants within a window, or take theirs elsewhere and leave requests without one.
      const log = (await requestLog(sb)).requests.filter((r) => typeof r.path === "string" && r.path.startsWith("/v2"));
      expect(log.length).toBeGreaterThanOrEqual(15);
      const grants = await watch.grants();
      expect(grants).toHaveLength(log.length);
      expect(new Set(grants.map((g) => g.limiter)).size).toBe(2);
      expect(tightestSpan(grants, 3)).toBeGreaterThanOrEqual(1300);

      // Enqueueing again is harmless: done rows are skipped, nothing is created twice. A row Gong refuses (4xx: the
      // primary user is not enabled for call import) fails its job at once (UnrecoverableError, one attempt).
      rows.push({ ...callRequest(12, "q"), primaryUser: SEED_USERS.recordingDisabled, parties: [{ userId: SEED_USERS.recordingDisabled }] });
      writeJsonl(manifest, rows);
      const again = await runQueuedImport({ manifest, connection, queueName, pollMs: 200, signal: AbortSignal.timeout(30_000) });
      expect(again.summary).toMatchObject({ total: 13, skipped: 12, done: 0, failed: 1, interrupted: false });
      expect(again.failures).toEqual([expect.objectContaining({ line: 13, clientUniqueId: "q-00012", stage: "create", status: 409 })]);
      const queue = new Queue<ImportJobData, ImportJobResult>(queueName, { connection });
      expect((await queue.getJob("q-00012"))?.attemptsMade).toBe(1);
      await queue.close();
      expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("q-"))).toHaveLength(12);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await watch.stop();
    }
  }, 120_000);
});
