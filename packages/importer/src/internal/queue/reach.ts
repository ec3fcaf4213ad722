/**
 * One look at the queue's Redis before anything is queued or a worker waits on it: BullMQ's connections retry for
 * ever (as a worker must, once running), so a wrong address would otherwise hang the command in silence.
 */
import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { QueueConnectionError } from "../errors.js";

export interface QueueReachOptions {
  /** How long to wait for Redis to answer (ms; default 10,000). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** host:port/db of a connection, for messages (no user name or password). */
function redisAddress(connection: { host?: string | undefined; port?: number | undefined; db?: number | undefined }): string {
  const host = connection.host ?? "127.0.0.1";
  return `${host.includes(":") ? `[${host}]` : host}:${String(connection.port ?? 6379)}/${String(connection.db ?? 0)}`;
}

function isOptions(connection: ConnectionOptions): connection is RedisOptions {
  return !(connection instanceof Redis) && typeof (connection as { connect?: unknown }).connect !== "function";
}

function codeOf(err: unknown): string {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : "";
}

/**
 * Connects once to `connection` and sends PING. Throws QueueConnectionError: `unreachable` when nothing answers in
 * time (refused, no route, unknown host, timeout, TLS failure), `refused` when Redis refuses the URL's credentials.
 */
export async function checkQueueConnection(connection: ConnectionOptions, opts: QueueReachOptions = {}): Promise<void> {
  // A connection the caller made (an ioredis client or cluster) is the caller's to check.
  if (!isOptions(connection)) return;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const address = redisAddress(connection);
  const client = new Redis({
    ...connection,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  // The reason comes as an "error" event (ECONNREFUSED, WRONGPASS…); connect() itself then says only that the
  // connection closed.
  let reported: unknown;
  client.on("error", (err) => {
    reported ??= err;
  });
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    client.disconnect();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const answered = (async () => {
      await client.connect();
      await client.ping();
    })();
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(Object.assign(new Error(`no answer in ${String(timeoutMs / 1000)} s`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
    });
    await Promise.race([answered, late]);
  } catch (caught) {
    let err = caught;
    if (opts.signal?.aborted === true) throw opts.signal.reason;
    err = reported ?? err;
    const message = err instanceof Error ? err.message : String(err);
    if (/^(NOAUTH|WRONGPASS|ERR AUTH|ERR invalid password|NOPERM)/i.test(message)) {
      throw new QueueConnectionError(`Redis at ${address} refused the credentials of the queue URL (${message.split(/[\s.]/)[0] ?? "refused"}): check the user name and password in it`, "refused", err);
    }
    const code = codeOf(err);
    const why = code === "ECONNREFUSED"
      ? "connection refused (ECONNREFUSED): is redis-server running there?"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? `no such host (${code})`
        : code === "ETIMEDOUT"
          ? `no answer in ${String(timeoutMs / 1000)} s (ETIMEDOUT)`
          : code !== ""
            ? code
            : message;
    throw new QueueConnectionError(`cannot reach Redis at ${address}: ${why}`, "unreachable", err);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    client.disconnect();
  }
}
