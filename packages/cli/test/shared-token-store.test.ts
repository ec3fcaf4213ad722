/** SharedTokenStore on a real redis-server and real files: the newer pair wins, saves go to both, one lock for all. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileTokenStore, GongClient, RedisTokenStore, type OAuthTokens } from "@gong-connector/client";
import { startRedis, type RedisServer } from "../../../test-support/importer.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";
import { SharedTokenStore, sharedTokenKey, tokenSharing, withSharedTokens } from "../src/shared-token-store.js";

let redis: RedisServer;
let sb: TestSandbox;
let dir = "";
let n = 0;
const connections: Redis[] = [];
const connect = (): Redis => {
  const c = new Redis(redis.url);
  connections.push(c);
  return c;
};

beforeAll(async () => {
  [redis, sb] = await Promise.all([startRedis(), startTestSandbox()]);
  dir = await mkdtemp(join(tmpdir(), "gc-shared-"));
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await Promise.all([redis.stop(), sb.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  n++;
  await sb.clearTokenRequests();
});

function pair(name: string, obtainedAt: number): OAuthTokens {
  return { accessToken: `a-${name}`, refreshToken: `r-${name}`, obtainedAt, expiresAt: obtainedAt + 3600_000, scopes: ["api:users:read"], apiBaseUrl: "https://us-1.api.gong.io" };
}

/** A shared store of this test: Redis key and profile file of its own. */
function stores(file = join(dir, `p-${String(n)}.json`)): { redisStore: RedisTokenStore; fileStore: FileTokenStore; shared: SharedTokenStore } {
  const redisStore = new RedisTokenStore(connect(), { key: `test:${String(n)}` });
  const fileStore = new FileTokenStore(file);
  return { redisStore, fileStore, shared: new SharedTokenStore(redisStore, fileStore) };
}

describe("SharedTokenStore", () => {
  it("loads the newer of the Redis and the file pair, by obtainedAt", async () => {
    const { redisStore, fileStore, shared } = stores();
    expect(await shared.load()).toBeUndefined();
    await fileStore.save(pair("file", 1000));
    expect(await shared.load()).toEqual(pair("file", 1000));
    await redisStore.save(pair("redis", 2000));
    expect(await shared.load()).toEqual(pair("redis", 2000));
    await fileStore.save(pair("file2", 3000));
    expect(await shared.load()).toEqual(pair("file2", 3000));
  });

  it("saves to both", async () => {
    const { redisStore, fileStore, shared } = stores();
    await shared.save(pair("x", 5000));
    expect(await redisStore.load()).toEqual(pair("x", 5000));
    expect(await fileStore.load()).toEqual(pair("x", 5000));
  });

  it("under its lock, copies a newer Redis pair to the file (and never an older one)", async () => {
    const { redisStore, fileStore, shared } = stores();
    await fileStore.save(pair("old", 1000));
    await redisStore.save(pair("new", 2000));
    await shared.withLock(() => Promise.resolve());
    expect(await fileStore.load()).toEqual(pair("new", 2000));
    await fileStore.save(pair("newest", 3000));
    await shared.withLock(() => Promise.resolve());
    expect(await fileStore.load()).toEqual(pair("newest", 3000));
    expect(await redisStore.load()).toEqual(pair("new", 2000));
  });

  it("holds the Redis lock and the file lock together: one holder at a time across both kinds of process", async () => {
    const file = join(dir, `p-${String(n)}.json`);
    const sharedStores = Array.from({ length: 4 }, () => stores(file).shared);
    const fileOnly = Array.from({ length: 4 }, () => new FileTokenStore(file));
    let holding = 0;
    let most = 0;
    await Promise.all(
      [...sharedStores, ...fileOnly].map((s) =>
        s.withLock(async () => {
          holding++;
          most = Math.max(most, holding);
          await new Promise((resolve) => setTimeout(resolve, 10));
          holding--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it("withSharedTokens: two clients, one on each machine's profile file, refresh a due pair once through Redis", async () => {
    const issued = await sb.issueTokens();
    const now = Date.now();
    const due: OAuthTokens = {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      obtainedAt: now - 3_540_000,
      expiresAt: now + 60_000,
      scopes: issued.scope.split(" "),
      apiBaseUrl: issued.apiBaseUrl,
    };
    const files = [join(dir, `a-${String(n)}.json`), join(dir, `b-${String(n)}.json`)];
    for (const f of files) await new FileTokenStore(f).save(due);
    const clients = files.map(
      (f) =>
        new GongClient(
          withSharedTokens(
            { auth: { oauth: { clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, oauthURL: sb.oauthUrl, store: new FileTokenStore(f) } }, rateLimit: false },
            connect(),
            `p${String(n)}`,
          ),
        ),
    );
    await Promise.all(clients.flatMap((c) => [c.request({ method: "GET", path: "/v2/users" }), c.request({ method: "GET", path: "/v2/workspaces" })]));
    expect((await sb.tokenRequests()).filter((r) => r.grantType === "refresh_token")).toHaveLength(1);
    const inRedis = await new RedisTokenStore(connect(), { key: sharedTokenKey(`p${String(n)}`, sb.oauthClientId) }).load();
    expect(inRedis?.refreshToken).not.toBe(issued.refreshToken);
    // The client that refreshed saved to its file; the other copied the pair to its file under the lock.
    for (const f of files) expect((await new FileTokenStore(f).load())?.refreshToken).toBe(inRedis?.refreshToken);
  });

  it("tokenSharing's close copies the pair another machine refreshed into this machine's file, even when this process sent nothing", async () => {
    const file = join(dir, `idle-${String(n)}.json`);
    const profile = `idle${String(n)}`;
    await new FileTokenStore(file).save(pair("old", 1000));
    const sharing = await tokenSharing(redis.url, profile);
    sharing.share({ auth: { oauth: { clientId: sb.oauthClientId, clientSecret: sb.oauthClientSecret, oauthURL: sb.oauthUrl, store: new FileTokenStore(file) } } });
    // A worker elsewhere refreshes meanwhile: the new pair is in Redis only.
    await new RedisTokenStore(connect(), { key: sharedTokenKey(profile, sb.oauthClientId) }).save(pair("new", 2000));
    expect((await new FileTokenStore(file).load())?.refreshToken).toBe("r-old");
    await sharing.close();
    expect(await new FileTokenStore(file).load()).toEqual(pair("new", 2000));
    expect((await sb.tokenRequests()).length).toBe(0);
  });

  it("withSharedTokens leaves access-key and bearer auth as they are", () => {
    const keyOptions = { auth: { accessKey: "k", accessKeySecret: "s" } };
    expect(withSharedTokens(keyOptions, connect(), "p")).toBe(keyOptions);
    const bearer = { auth: { bearerToken: "t" } };
    expect(withSharedTokens(bearer, connect(), "p")).toBe(bearer);
  });

  it("the Redis key names the profile and a hash of the app's client id, not the id itself", () => {
    const key = sharedTokenKey("default", "my-client-id");
    expect(key).toMatch(/^gong-connector:oauth:default:[0-9a-f]{16}$/);
    expect(key).not.toContain("my-client-id");
    expect(sharedTokenKey("default", "other")).not.toBe(key);
  });
});
