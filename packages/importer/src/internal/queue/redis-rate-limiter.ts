/**
 * A RateLimiter (src/client interface) shared by every process through Redis: a sliding window of
 * `perSecond` grants per `windowMs` kept in a sorted set, plus an optional daily cap, both decided
 * atomically by one Lua script using Redis's own clock. Every HTTP attempt of every worker, retries
 * and lookups included, takes a grant.
 */
import { randomUUID } from "node:crypto";
import type { RedisClient } from "bullmq";
import { GongAbortError, RateLimitError } from "@gong-connector/client";
import { sleep, type DailyQuota, type RateLimiter } from "@gong-connector/client/advanced";

const SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local perDay = tonumber(ARGV[3])
local member = ARGV[4]
local dayMs = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + windowMs - now
  if wait < 1 then wait = 1 end
  return wait
end
if perDay > 0 then
  local day = math.floor(now / dayMs)
  local dayKey = key .. ':day:' .. dayMs .. ':' .. day
  local used = tonumber(redis.call('GET', dayKey) or '0')
  if used >= perDay then
    return -((day + 1) * dayMs - now)
  end
  redis.call('INCR', dayKey)
  redis.call('PEXPIRE', dayKey, dayMs * 2)
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, windowMs * 2)
return 0
`;

const COMMAND = "gongConnectorRateLimit";
/** Clients the script is registered on. */
const defined = new WeakSet<RedisClient>();

export interface RedisRateLimiterOptions {
  /** Redis connection (shared, e.g. a BullMQ queue's or worker's `client`). */
  redis: RedisClient | Promise<RedisClient>;
  /** Key of the sorted set; every process using the same key shares the limit. */
  key?: string;
  /** Grants per window, in total across processes (default 3). */
  perSecond?: number;
  /**
   * Window length in ms (default 1,100: one second plus a margin so that requests granted exactly one
   * second apart cannot arrive at Gong inside the same second through network jitter).
   */
  windowMs?: number;
  /** Daily cap (UTC day) across processes, counted in Redis (every worker, every restart); 0 = none (default 10,000). */
  perDay?: number;
  /** Length of the quota day (default 86,400,000 ms: UTC days); shorter days are for tests. */
  dayMs?: number;
  /** A wait longer than this rejects with RateLimitError (default 600,000 ms). */
  maxWaitMs?: number;
}

function abortError(): GongAbortError {
  return new GongAbortError("aborted while waiting for the rate limiter");
}

export class RedisRateLimiter implements RateLimiter {
  readonly key: string;
  private readonly redis: Promise<RedisClient>;
  private readonly perSecond: number;
  private readonly windowMs: number;
  private readonly perDay: number;
  private readonly maxWaitMs: number;
  private readonly dayMs: number;
  private readonly prefix = randomUUID();
  private seq = 0;

  constructor(opts: RedisRateLimiterOptions) {
    this.redis = Promise.resolve(opts.redis);
    this.key = opts.key ?? "gong-connector:ratelimit";
    this.perSecond = opts.perSecond ?? 3;
    this.windowMs = opts.windowMs ?? 1100;
    this.perDay = opts.perDay ?? 10_000;
    this.maxWaitMs = opts.maxWaitMs ?? 600_000;
    this.dayMs = opts.dayMs ?? 86_400_000;
    if (!Number.isInteger(this.dayMs) || this.dayMs < 1) throw new RangeError(`dayMs must be a positive integer, got ${this.dayMs}`);
    if (!Number.isInteger(this.perSecond) || this.perSecond < 1) throw new RangeError(`perSecond must be a positive integer, got ${this.perSecond}`);
  }

  /** Tries once: 0 when granted, >0 ms to wait for the window, <0 when the daily cap is spent (-ms to midnight UTC). */
  async tryAcquire(): Promise<number> {
    const redis = await this.redis;
    if (!defined.has(redis)) {
      redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: SCRIPT });
      defined.add(redis);
    }
    const member = `${this.prefix}:${++this.seq}`;
    const result: unknown = await redis.runCommand(COMMAND, [this.key, this.perSecond, this.windowMs, this.perDay, member, this.dayMs]);
    return Number(result);
  }

  /** Where the shared daily budget stands (undefined without one): one read of its Redis counter. */
  async quota(): Promise<DailyQuota | undefined> {
    if (this.perDay <= 0) return undefined;
    const redis = await this.redis;
    const now = Date.now();
    const day = Math.floor(now / this.dayMs);
    const used = Number((await redis.get(`${this.key}:day:${this.dayMs}:${day}`)) ?? "0");
    return { day: String(day), perDay: this.perDay, spent: Number.isFinite(used) ? used : 0, resetsAt: (day + 1) * this.dayMs };
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (signal?.aborted === true) throw abortError();
      const wait = await this.tryAcquire();
      if (wait === 0) return;
      if (wait < 0) {
        throw new RateLimitError({
          status: 429,
          errors: [`daily budget of ${this.perDay} requests spent (shared Redis limiter)`],
          retryAfterSeconds: Math.max(1, Math.ceil(-wait / 1000)),
        });
      }
      if (Date.now() - started + wait > this.maxWaitMs) {
        throw new RateLimitError({ status: 429, errors: ["rate limiter wait too long"], retryAfterSeconds: Math.ceil(wait / 1000) });
      }
      // A little jitter so that waiting processes do not all wake at the same millisecond.
      await sleep(wait + Math.floor(Math.random() * 15), { signal });
    }
  }
}
