import { randomBytes } from "node:crypto";
import { chmod, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { makeDirectories } from "@gong-connector/schema";
import { ValidationError } from "./errors.js";
import { withFileLock } from "./internal/file-lock.js";
import { sleep } from "./internal/sleep.js";
import type { OAuthTokens, StoreCallOptions, TokenStore } from "./oauth-types.js";
import { LockTimeoutError } from "./internal/file-lock.js";

/** The stored form of a pair: dates as ISO strings, so a person can read when it expires. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  obtainedAt: string;
  scopes: string[];
  apiBaseUrl: string;
}

/** A pair in the form the stores keep it (FileTokenStore's file, RedisTokenStore's value). */
export function storedTokens(tokens: OAuthTokens): StoredTokens {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: new Date(tokens.expiresAt).toISOString(),
    obtainedAt: new Date(tokens.obtainedAt).toISOString(),
    scopes: [...tokens.scopes],
    apiBaseUrl: tokens.apiBaseUrl,
  };
}

/** Reads a stored pair; a ValidationError naming `where` and the field when it is not one. */
export function tokensFromStored(value: unknown, where: string): OAuthTokens {
  const bad = (field: string, rule: string): ValidationError => ValidationError.of(`${where}.${field}`, rule);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw ValidationError.of(where, "must be an object holding an OAuth token pair");
  const v = value as Record<string, unknown>;
  const text = (field: string): string => {
    const x = v[field];
    if (typeof x !== "string" || x === "") throw bad(field, "must be a non-empty string");
    return x;
  };
  const instant = (field: string): number => {
    const x = text(field);
    const ms = Date.parse(x);
    if (!Number.isFinite(ms)) throw bad(field, "must be an ISO-8601 date-time");
    return ms;
  };
  const scopes = v.scopes;
  if (!Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === "string")) throw bad("scopes", "must be an array of strings");
  return {
    accessToken: text("accessToken"),
    refreshToken: text("refreshToken"),
    expiresAt: instant("expiresAt"),
    obtainedAt: instant("obtainedAt"),
    scopes,
    apiBaseUrl: text("apiBaseUrl"),
  };
}

export interface FileTokenStoreOptions {
  /** The key of the JSON document the pair is kept under (default "tokens"); other keys are kept as they are. */
  field?: string | undefined;
  /** A lock whose holder stopped renewing it for this long is taken over (default 20,000 ms). */
  lockStaleMs?: number | undefined;
  /** How long to wait for the lock before failing (default 60,000 ms). */
  lockTimeoutMs?: number | undefined;
}

/**
 * A pair kept in a JSON file (mode 0600, its directory created 0700), written atomically (a temporary file renamed
 * over it). The lock is a directory beside the file (`<file>.lock`), so every process on the machine that uses the
 * file refreshes in turn. Other keys of the JSON document (e.g. a profile's settings) are preserved.
 */
export class FileTokenStore implements TokenStore {
  readonly path: string;
  readonly #field: string;
  readonly #options: FileTokenStoreOptions;

  constructor(path: string, options: FileTokenStoreOptions = {}) {
    if (typeof path !== "string" || path === "") throw ValidationError.of("path", "must be a non-empty file path");
    this.path = path;
    this.#field = options.field ?? "tokens";
    this.#options = options;
  }

  async #readDocument(): Promise<Record<string, unknown> | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw ValidationError.of(this.path, "is not valid JSON");
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw ValidationError.of(this.path, "must hold a JSON object");
    return doc as Record<string, unknown>;
  }

  async load(): Promise<OAuthTokens | undefined> {
    const doc = await this.#readDocument();
    const stored = doc?.[this.#field];
    if (stored === undefined || stored === null) return undefined;
    return tokensFromStored(stored, `${this.path}: ${this.#field}`);
  }

  async save(tokens: OAuthTokens): Promise<void> {
    const doc = (await this.#readDocument()) ?? {};
    await writeFileAtomic(this.path, `${JSON.stringify({ ...doc, [this.#field]: storedTokens(tokens) }, null, 2)}\n`);
  }

  async withLock<T>(fn: () => Promise<T>, options: StoreCallOptions = {}): Promise<T> {
    await makeDirectories(dirname(this.path), 0o700);
    return withFileLock(`${this.path}.lock`, fn, {
      staleMs: this.#options.lockStaleMs,
      timeoutMs: this.#options.lockTimeoutMs,
      signal: options.signal,
    });
  }
}

/**
 * Writes `text` to `path` atomically with `mode` (default 0600): a temporary file in the same directory (created 0700
 * when missing), flushed to disk, then renamed over `path`. A reader sees the old file or the whole new one.
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  await makeDirectories(dirname(path), 0o700);
  const temp = `${path}.${String(process.pid)}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The part of a Redis connection the Redis store uses. An ioredis client (what BullMQ uses) fits as it is; with
 * another library, pass an object with these three methods.
 */
export interface RedisTokenConnection {
  get(key: string): Promise<string | null>;
  /** SET key value. */
  set(key: string, value: string): Promise<unknown>;
  /** SET key value PX ms NX: resolves "OK" when set, null when the key was there. */
  set(key: string, value: string, px: "PX", milliseconds: number, nx: "NX"): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisTokenStoreOptions {
  /** The Redis key of the pair (default "gong-connector:oauth:default"); the lock is `<key>:lock`. */
  key?: string | undefined;
  /** The lock expires after this long if its holder dies (default 30,000 ms). */
  lockTtlMs?: number | undefined;
  /** How long to wait for the lock before failing (default 60,000 ms). */
  lockTimeoutMs?: number | undefined;
}

const RELEASE_SCRIPT = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';
const RENEW_SCRIPT = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end';

/**
 * A pair kept in Redis under one key, shared by every process and machine that uses that Redis: queue workers on
 * several machines refresh one at a time (a Redis lock, SET NX PX) and all use the current pair.
 */
export class RedisTokenStore implements TokenStore {
  readonly key: string;
  readonly #redis: RedisTokenConnection;
  readonly #lockTtlMs: number;
  readonly #lockTimeoutMs: number;

  constructor(redis: RedisTokenConnection, options: RedisTokenStoreOptions = {}) {
    this.#redis = redis;
    this.key = options.key ?? "gong-connector:oauth:default";
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  }

  async load(): Promise<OAuthTokens | undefined> {
    const text = await this.#redis.get(this.key);
    if (text === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw ValidationError.of(`redis ${this.key}`, "is not valid JSON");
    }
    return tokensFromStored(value, `redis ${this.key}`);
  }

  async save(tokens: OAuthTokens): Promise<void> {
    await this.#redis.set(this.key, JSON.stringify(storedTokens(tokens)));
  }

  async withLock<T>(fn: () => Promise<T>, options: StoreCallOptions = {}): Promise<T> {
    const lockKey = `${this.key}:lock`;
    const owner = randomBytes(16).toString("hex");
    const deadline = Date.now() + this.#lockTimeoutMs;
    let wait = 10;
    while ((await this.#redis.set(lockKey, owner, "PX", this.#lockTtlMs, "NX")) !== "OK") {
      if (Date.now() >= deadline) throw new LockTimeoutError(`could not take the Redis lock ${lockKey} within ${String(this.#lockTimeoutMs)} ms`);
      await sleep(wait + Math.random() * wait, { signal: options.signal });
      wait = Math.min(wait * 2, 200);
    }
    // Renewed while held, so a refresh slower than the lock's lifetime is not overtaken by another worker's.
    const renew = setInterval(() => {
      this.#redis.eval(RENEW_SCRIPT, 1, lockKey, owner, this.#lockTtlMs).catch(() => undefined);
    }, Math.max(100, Math.floor(this.#lockTtlMs / 3)));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.#redis.eval(RELEASE_SCRIPT, 1, lockKey, owner);
    }
  }
}
