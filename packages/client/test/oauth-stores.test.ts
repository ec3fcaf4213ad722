/**
 * The token stores: FileTokenStore (modes, atomic writes, its lock directory: waited for while its holder lives,
 * taken over when it is stale) and RedisTokenStore on a real redis-server (two stores on one key refresh once).
 */
import { mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileTokenStore, RedisTokenStore, type OAuthTokens } from "../src/index.js";
import { LockTimeoutError } from "../src/internal/file-lock.js";
import { withSandbox } from "../../../test-support/sandbox.js";
import { startRedis, type RedisServer } from "../../../test-support/importer.js";
import { duePair, oauthClient, pairOf, refreshCount, tempDir } from "./helpers/oauth.js";

const sandbox = withSandbox();

let dir = "";
let cleanup: () => Promise<void> = () => Promise.resolve();
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("gong-stores-"));
  await sandbox().clearTokenRequests();
});
afterEach(async () => {
  await cleanup();
});

function samplePair(n: number): OAuthTokens {
  return {
    accessToken: `access-${String(n)}-${"a".repeat(200)}`,
    refreshToken: `refresh-${String(n)}`,
    expiresAt: Date.UTC(2030, 0, 1) + n,
    obtainedAt: Date.UTC(2029, 11, 31) + n,
    scopes: ["api:calls:create", "api:users:read"],
    apiBaseUrl: "https://us-49467.api.gong.io",
  };
}

/** Runs `count` holders of `lock` at once, each holding it `holdMs`; the most that ever held it together. */
async function maxConcurrentHolders(stores: FileTokenStore[], holdMs: number): Promise<{ most: number; ran: number }> {
  let holding = 0;
  let most = 0;
  let ran = 0;
  await Promise.all(
    stores.map((store) =>
      store.withLock(async () => {
        holding++;
        most = Math.max(most, holding);
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        holding--;
        ran++;
      }),
    ),
  );
  return { most, ran };
}

describe("FileTokenStore", () => {
  it("creates its directory 0700 and the file 0600, and reads back what it saved (dates as ISO strings in the file)", async () => {
    const path = join(dir, "deep", "er", "conn.json");
    const store = new FileTokenStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save(samplePair(1));
    expect((await stat(join(dir, "deep", "er"))).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await store.load()).toEqual(samplePair(1));
    const doc = JSON.parse(await readFile(path, "utf8")) as { tokens: { expiresAt: string } };
    expect(doc.tokens.expiresAt).toBe("2030-01-01T00:00:00.001Z");
  });

  it("keeps the document's other keys and tightens a file that was wider than 0600", async () => {
    const path = join(dir, "profile.json");
    await writeFile(path, JSON.stringify({ kind: "oauth", clientId: "c", note: "kept" }), { mode: 0o644 });
    const store = new FileTokenStore(path);
    await store.save(samplePair(2));
    const doc = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    expect(doc).toMatchObject({ kind: "oauth", clientId: "c", note: "kept" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("a field of its own: two connections in one file do not overwrite each other", async () => {
    const path = join(dir, "both.json");
    const a = new FileTokenStore(path, { field: "a" });
    const b = new FileTokenStore(path, { field: "b" });
    await a.withLock(() => a.save(samplePair(1)));
    await b.withLock(() => b.save(samplePair(2)));
    expect(await a.load()).toEqual(samplePair(1));
    expect(await b.load()).toEqual(samplePair(2));
  });

  it("writes atomically: a reader never sees a partial file, and no temporary file is left", async () => {
    const path = join(dir, "conn.json");
    const store = new FileTokenStore(path);
    await store.save(samplePair(0));
    const reader = new FileTokenStore(path);
    let reads = 0;
    const state = { writing: true };
    const readLoop = (async () => {
      while (state.writing) {
        const pair = await reader.load();
        expect(pair?.refreshToken).toMatch(/^refresh-[0-9]+$/);
        reads++;
      }
    })();
    for (let i = 1; i <= 100; i++) await store.save(samplePair(i));
    state.writing = false;
    await readLoop;
    expect(reads).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(["conn.json"]);
    expect((await store.load())?.refreshToken).toBe("refresh-100");
  });

  it("names the file and the field when the file holds no pair it can read", async () => {
    const path = join(dir, "bad.json");
    await writeFile(path, JSON.stringify({ tokens: { accessToken: "x", refreshToken: "y", expiresAt: "soon", obtainedAt: "2026-01-01T00:00:00Z", scopes: [], apiBaseUrl: "https://x" } }));
    await expect(new FileTokenStore(path).load()).rejects.toThrow(/bad\.json: tokens\.expiresAt.*ISO-8601/);
    await writeFile(path, "{not json");
    await expect(new FileTokenStore(path).load()).rejects.toThrow(/not valid JSON/);
  });

  it("the lock lets one holder in at a time (8 stores on one file) and is removed after", async () => {
    const path = join(dir, "conn.json");
    const stores = Array.from({ length: 8 }, () => new FileTokenStore(path));
    const { most, ran } = await maxConcurrentHolders(stores, 20);
    expect(ran).toBe(8);
    expect(most).toBe(1);
    expect(await readdir(dir)).not.toContain("conn.json.lock");
  });

  it("releases the lock when the holder's function throws", async () => {
    const store = new FileTokenStore(join(dir, "conn.json"));
    await expect(store.withLock(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await store.withLock(() => Promise.resolve("again"))).toBe("again");
  });

  it("takes over a lock its holder stopped renewing (died), and only one of many waiters takes it", async () => {
    // The waiters all find the lock stale at once; none may remove the lock another has just taken over. 12 rounds, each
    // on a file of its own, run side by side: most of a round is its waiters' back-off sleeps.
    const rounds = await Promise.all(
      Array.from({ length: 12 }, async (_, round) => {
        const path = join(dir, `conn-${String(round)}.json`);
        const lock = `${path}.lock`;
        await mkdir(lock);
        const old = new Date(Date.now() - 60_000);
        await utimes(lock, old, old);
        const stores = Array.from({ length: 16 }, () => new FileTokenStore(path, { lockStaleMs: 5000, lockTimeoutMs: 30_000 }));
        return maxConcurrentHolders(stores, 5);
      }),
    );
    expect(rounds).toEqual(Array.from({ length: 12 }, () => ({ most: 1, ran: 16 })));
    expect((await readdir(dir)).filter((name) => name.includes(".lock"))).toEqual([]);
  });

  it("waits for a lock whose holder is alive and renewing it, even past the stale age", async () => {
    const path = join(dir, "conn.json");
    const holder = new FileTokenStore(path, { lockStaleMs: 1500 });
    const waiter = new FileTokenStore(path, { lockStaleMs: 1500, lockTimeoutMs: 20_000 });
    const order: string[] = [];
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const first = holder.withLock(async () => {
      order.push("holder in");
      entered();
      // Held twice the stale age: renewed meanwhile, so not taken over.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      order.push("holder out");
    });
    await holding;
    const second = waiter.withLock(() => {
      order.push("waiter in");
      return Promise.resolve();
    });
    await Promise.all([first, second]);
    expect(order).toEqual(["holder in", "holder out", "waiter in"]);
  });

  it("gives up with LockTimeoutError (exit 4) when the lock stays held past lockTimeoutMs", async () => {
    const path = join(dir, "conn.json");
    const holder = new FileTokenStore(path);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const held = holder.withLock(async () => {
      entered();
      await released;
    });
    await holding;
    const error = await new FileTokenStore(path, { lockTimeoutMs: 300 }).withLock(() => Promise.resolve()).catch((e: unknown) => e);
    release();
    await held;
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toMatchObject({ exitCode: 4 });
    expect((error as Error).message).toContain("conn.json.lock");
  });

  it("stops waiting for the lock when the signal aborts", async () => {
    const path = join(dir, "conn.json");
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const held = new FileTokenStore(path).withLock(async () => {
      entered();
      await released;
    });
    await holding;
    const controller = new AbortController();
    const waiting = new FileTokenStore(path).withLock(() => Promise.resolve("ran"), { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const error = await waiting;
    release();
    await held;
    expect(error).toMatchObject({ name: "GongAbortError" });
  });
});

describe("RedisTokenStore on a real redis-server", () => {
  let redis: RedisServer;
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connections.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await redis.stop();
  });

  it("saves and loads a pair under its key, and another store on the key sees it", async () => {
    const a = new RedisTokenStore(connect(), { key: "t:save" });
    const b = new RedisTokenStore(connect(), { key: "t:save" });
    expect(await a.load()).toBeUndefined();
    await a.save(samplePair(3));
    expect(await b.load()).toEqual(samplePair(3));
    expect(await new RedisTokenStore(connect(), { key: "t:other" }).load()).toBeUndefined();
  });

  it("its lock lets one holder in at a time across connections, and is gone after", async () => {
    const r = connect();
    const stores = Array.from({ length: 6 }, () => new RedisTokenStore(connect(), { key: "t:lock" }));
    let holding = 0;
    let most = 0;
    await Promise.all(
      stores.map((s) =>
        s.withLock(async () => {
          holding++;
          most = Math.max(most, holding);
          await new Promise((resolve) => setTimeout(resolve, 20));
          holding--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await r.exists("t:lock:lock")).toBe(0);
  });

  it("a lock whose holder died expires after its time to live; a live holder's is renewed", async () => {
    const r = connect();
    // A holder that died: its lock was set with a 500 ms life and never renewed.
    await r.set("t:dead:lock", "someone", "PX", 500);
    const store = new RedisTokenStore(connect(), { key: "t:dead", lockTtlMs: 500, lockTimeoutMs: 20_000 });
    expect(await store.withLock(() => Promise.resolve("taken"))).toBe("taken");
    // A live holder keeps its lock past its time to live.
    const live = new RedisTokenStore(connect(), { key: "t:live", lockTtlMs: 500 });
    const ttls: number[] = [];
    await live.withLock(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      ttls.push(await r.pttl("t:live:lock"));
    });
    expect(ttls[0]).toBeGreaterThan(0);
  });

  it("gives up with LockTimeoutError when the lock stays held", async () => {
    const r = connect();
    await r.set("t:held:lock", "someone", "PX", 60_000);
    const error = await new RedisTokenStore(connect(), { key: "t:held", lockTimeoutMs: 300 }).withLock(() => Promise.resolve()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(await r.get("t:held:lock")).toBe("someone");
  });

  it("two clients on two stores of one key refresh a due pair once and both use the new pair", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    const seed = new RedisTokenStore(connect(), { key: "t:refresh" });
    await seed.save(duePair(issued));
    const a = oauthClient(sb, new RedisTokenStore(connect(), { key: "t:refresh" }));
    const b = oauthClient(sb, new RedisTokenStore(connect(), { key: "t:refresh" }));
    await Promise.all([
      ...Array.from({ length: 5 }, () => a.request({ method: "GET", path: "/v2/users" })),
      ...Array.from({ length: 5 }, () => b.request({ method: "GET", path: "/v2/users" })),
    ]);
    expect(await refreshCount(sb)).toBe(1);
    const saved = await seed.load();
    expect(saved?.accessToken).not.toBe(issued.accessToken);
    expect(saved?.refreshToken).not.toBe(issued.refreshToken);
  });

  it("two clients on one key with an expired token (refused) refresh once", async () => {
    const sb = sandbox();
    const issued = await sb.issueTokens();
    await new RedisTokenStore(connect(), { key: "t:expired" }).save(pairOf(issued));
    const a = oauthClient(sb, new RedisTokenStore(connect(), { key: "t:expired" }));
    const b = oauthClient(sb, new RedisTokenStore(connect(), { key: "t:expired" }));
    await sb.expireAccessTokens();
    await Promise.all([a.request({ method: "POST", path: "/v2/calls", body: sb.validCall() }), b.request({ method: "GET", path: "/v2/workspaces" })]);
    expect(await refreshCount(sb)).toBe(1);
  });
});
