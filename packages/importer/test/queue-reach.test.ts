/**
 * checkQueueConnection against a real redis-server: BullMQ's own connections retry for ever, so every queue-mode entry
 * (import --queue, worker, serve --queue, runQueuedImport, startImportWorker) looks once first, and an address where
 * nothing answers, or a Redis that refuses the URL's credentials, is a QueueConnectionError that names the address
 * (never the password) instead of a silent hang.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkQueueConnection, connectionFromUrl, startImportWorker } from "../src/queue/index.js";
import { QueueConnectionError } from "../src/errors.js";
import { freePort, startRedis, type RedisServer } from "../../../test-support/importer.js";

let redis: RedisServer;
let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  redis = await startRedis();
  // Accepts TCP connections and never answers a byte: a firewall or a wrong service.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await redis.stop();
});

describe("checkQueueConnection", () => {
  it("resolves when Redis answers", async () => {
    await expect(checkQueueConnection(connectionFromUrl(redis.url))).resolves.toBeUndefined();
  });

  it("a closed port: unreachable, naming the address and ECONNREFUSED", async () => {
    const port = await freePort();
    const err = await checkQueueConnection(connectionFromUrl(`redis://127.0.0.1:${String(port)}/3`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueConnectionError);
    expect(err).toMatchObject({ reason: "unreachable", message: `cannot reach Redis at 127.0.0.1:${String(port)}/3: connection refused (ECONNREFUSED): is redis-server running there?` });
  });

  it("a listener that never answers: unreachable after the timeout", async () => {
    const err = await checkQueueConnection(connectionFromUrl(`redis://127.0.0.1:${String(silentPort)}`), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueConnectionError);
    expect((err as Error).message).toBe(`cannot reach Redis at 127.0.0.1:${String(silentPort)}/0: no answer in 0.3 s (ETIMEDOUT)`);
  });

  it("a host that does not resolve: unreachable, no such host", async () => {
    const err = await checkQueueConnection(connectionFromUrl("redis://no-such-host.invalid:6379"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueConnectionError);
    expect((err as Error).message).toMatch(/^cannot reach Redis at no-such-host\.invalid:6379\/0: /);
  });

  it("Redis that requires a password, given a wrong one or none: refused, and the password is never in the message", async () => {
    const admin = new Redis({ host: "127.0.0.1", port: redis.port });
    await admin.config("SET", "requirepass", "the-right-one");
    admin.disconnect();
    try {
      for (const url of [`redis://:not-the-password-7Qx@127.0.0.1:${String(redis.port)}`, redis.url]) {
        const err = await checkQueueConnection(connectionFromUrl(url)).catch((e: unknown) => e);
        expect(err, url).toBeInstanceOf(QueueConnectionError);
        expect((err as QueueConnectionError).reason).toBe("refused");
        expect((err as Error).message).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${String(redis.port)}/0 refused the credentials of the queue URL \\((WRONGPASS|NOAUTH)\\)`));
        expect((err as Error).message).not.toContain("not-the-password");
      }
      await expect(checkQueueConnection(connectionFromUrl(`redis://:the-right-one@127.0.0.1:${String(redis.port)}`))).resolves.toBeUndefined();
    } finally {
      const back = new Redis({ host: "127.0.0.1", port: redis.port, password: "the-right-one" });
      await back.config("SET", "requirepass", "");
      back.disconnect();
    }
  });

  it("stops waiting when its signal is aborted", async () => {
    const ac = new AbortController();
    const pending = checkQueueConnection(connectionFromUrl(`redis://127.0.0.1:${String(silentPort)}`), { timeoutMs: 60_000, signal: ac.signal }).catch((e: unknown) => e);
    ac.abort(new Error("stopped by the test"));
    expect(await pending).toMatchObject({ message: "stopped by the test" });
  });

  it("startImportWorker refuses an unreachable Redis at once instead of waiting for it", async () => {
    const port = await freePort();
    const sender = { addCall: () => Promise.reject(new Error("never called")) } as unknown as Parameters<typeof startImportWorker>[0]["sender"];
    await expect(startImportWorker({ connection: connectionFromUrl(`redis://127.0.0.1:${String(port)}`), sender, gong: { baseUrl: "http://127.0.0.1:9/", identity: "x", label: "x" } })).rejects.toBeInstanceOf(QueueConnectionError);
  });
});
