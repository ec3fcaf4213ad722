import { createHash } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import {
  RedisTokenStore,
  type GongClientOptions,
  type OAuthTokens,
  type RedisTokenConnection,
  type StoreCallOptions,
  type TokenStore,
} from "@gong-connector/client";

/**
 * One OAuth connection kept in two places: Redis, which every queue worker on every machine reads, and the profile
 * file on this machine, which the CLI's other commands read.
 * - load: the newer of the two pairs (by `obtainedAt`): a worker elsewhere may have refreshed (Redis is newer), or a
 *   command on this machine that does not use Redis may have (the file is newer).
 * - save: to both, so a worker on another machine uses the current pair and a command here still finds a live
 *   refresh token after the workers refreshed.
 * - lock: the Redis lock (every worker, every machine), then the file lock (every process on this machine); holding
 *   both, a newer pair from Redis is copied to the file.
 */
export class SharedTokenStore implements TokenStore {
  readonly shared: TokenStore;
  readonly local: TokenStore;

  constructor(shared: TokenStore, local: TokenStore) {
    this.shared = shared;
    this.local = local;
  }

  async load(options: StoreCallOptions = {}): Promise<OAuthTokens | undefined> {
    const [shared, local] = await Promise.all([this.shared.load(options), this.local.load(options)]);
    if (shared === undefined) return local;
    if (local === undefined) return shared;
    return local.obtainedAt > shared.obtainedAt ? local : shared;
  }

  async save(tokens: OAuthTokens, options: StoreCallOptions = {}): Promise<void> {
    // Redis first: the workers elsewhere can only find the new pair there.
    await this.shared.save(tokens, options);
    await this.local.save(tokens, options);
  }

  withLock<T>(fn: () => Promise<T>, options: StoreCallOptions = {}): Promise<T> {
    // Always in this order, so no two processes wait for each other (the CLI's other commands take the file lock only).
    return this.shared.withLock(
      () =>
        this.local.withLock(async () => {
          // Holding both locks: a newer pair in Redis (a worker elsewhere refreshed) is copied to the file, so the
          // commands on this machine that do not use Redis find a live refresh token.
          const [shared, local] = await Promise.all([this.shared.load(options), this.local.load(options)]);
          if (shared !== undefined && (local === undefined || shared.obtainedAt > local.obtainedAt)) await this.local.save(shared, options);
          return fn();
        }, options),
      options,
    );
  }
}

/**
 * The Redis key of a profile's pair: one per profile name and OAuth app (the client id is hashed: nothing about the
 * app is readable in Redis but the pair itself). Workers on other machines use the same profile name.
 */
export function sharedTokenKey(profile: string, clientId: string): string {
  const app = createHash("sha256").update(clientId, "utf8").digest("hex").slice(0, 16);
  return `gong-connector:oauth:${profile}:${app}`;
}

/** `options` with an OAuth connection's pair shared through `redis` (see SharedTokenStore); other auth as it is. */
export function withSharedTokens(options: GongClientOptions, redis: RedisTokenConnection, profile: string): GongClientOptions {
  const { auth } = options;
  if (!("oauth" in auth)) return options;
  const shared = new RedisTokenStore(redis, { key: sharedTokenKey(profile, auth.oauth.clientId) });
  return { ...options, auth: { oauth: { ...auth.oauth, store: new SharedTokenStore(shared, auth.oauth.store) } } };
}

/** Shares an OAuth profile's pair through the queue's Redis (queue mode: `import --queue`, `worker`). */
export interface TokenSharing {
  /** `options` with the pair shared through Redis when they are an OAuth profile's; connects to Redis only then. */
  share(options: GongClientOptions): GongClientOptions;
  /**
   * Copies a newer pair from Redis into the profile file (a worker elsewhere may have refreshed while this process
   * never needed to), then ends the Redis connection, if one was made.
   */
  close(): Promise<void>;
}

/** Token sharing on the Redis at `queueUrl` for the profile `profile`. */
export async function tokenSharing(queueUrl: string, profile: string): Promise<TokenSharing> {
  // Loaded only in queue mode, like BullMQ (which brings ioredis).
  const [ioredis, { connectionFromUrl }] = await Promise.all([import("ioredis"), import("@gong-connector/importer/queue")]);
  // The same Redis as the queue (connectionFromUrl reads a redis:// URL into ioredis options).
  const connection = connectionFromUrl(queueUrl) as RedisOptions;
  let redis: Redis | undefined;
  const stores: SharedTokenStore[] = [];
  return {
    share(options) {
      if (!("oauth" in options.auth)) return options;
      if (redis === undefined) {
        redis = new ioredis.Redis(connection);
        // A refused or lost connection fails the command that used it; ioredis reports it here too.
        redis.on("error", () => undefined);
      }
      const shared = withSharedTokens(options, redis, profile);
      if ("oauth" in shared.auth && shared.auth.oauth.store instanceof SharedTokenStore) stores.push(shared.auth.oauth.store);
      return shared;
    },
    async close() {
      if (redis === undefined) return;
      // The lock's holder copies a newer pair from Redis to the file; one store is enough (they share the file).
      const store = stores[0];
      if (store !== undefined) {
        await store.withLock(() => Promise.resolve(), { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      }
      await redis.quit().catch(() => {
        redis?.disconnect();
      });
    },
  };
}
