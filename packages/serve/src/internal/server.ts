/**
 * The relay: an HTTP server (intake API, console, health, metrics) and, in local mode, the one paced sender over a
 * durable outbox in the data directory.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { lstatSync, readFileSync } from "node:fs";
import { RelaySetupError, reasonOf } from "../errors.js";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import multipart from "@fastify/multipart";
import { parse as parseCookie } from "cookie";
import pino, { type Logger } from "pino";
import { GongClient, type GongClientOptions } from "@gong-connector/client";
import { createRateLimiter, writeFileAtomic, type DailyRateLimiter } from "@gong-connector/client/advanced";
import { gongBinding, redactorFor, senderFromClient, type GongBinding } from "@gong-connector/importer";
import { makeDirectoriesSync, MEDIA_MAX_BYTES } from "@gong-connector/schema";
import { errorBody, JSON_BODY_LIMIT, registerApi } from "./api.js";
import { RelayAuth, type GongAttempt, type QuotaInfo, type RelayContext, type RelayEvents } from "./context.js";
import { Delivery, type DeliveryEvent } from "./delivery.js";
import { Intake } from "./intake.js";
import { passesCsrfCheck, registerConsole } from "./console/index.js";
import { registerOps } from "./ops.js";
import { startWatch, type WatchOptions, type Watcher } from "./watch.js";
import { Outbox } from "./outbox.js";
import { Forwarder } from "./queue.js";

export interface RelayOptions {
  /** How to reach Gong (credentials, base URL, waits); the relay adds its own rate limiter and logger. */
  client: GongClientOptions;
  /** Where the outbox, received recordings and the generated token live (created 0700). */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 0 (a free port). */
  port?: number | undefined;
  /** The intake token; default GONG_SERVE_TOKEN's value given by the caller, else generated once and kept in `dataDir`. */
  token?: string | undefined;
  /** Calls delivered at once (default 3). */
  concurrency?: number | undefined;
  /** Requests per second and per day to Gong (default 3 and 10,000; dayMs shortens the day for tests). */
  rateLimit?: { perSecond?: number | undefined; perDay?: number | undefined; dayMs?: number | undefined } | undefined;
  /** Waits of the sender after passing failures (tests shorten them). */
  delivery?: { maxAttempts?: number | undefined; retryBaseMs?: number | undefined; retryMaxMs?: number | undefined } | undefined;
  /** false: accept only, send nothing (calls stay queued for the next start; the intake benchmark). Default true. */
  deliver?: boolean | undefined;
  /** Options of addCall (e.g. a shorter ambiguity delay in tests). */
  addCall?: { ambiguityDelayMs?: number } | undefined;
  /**
   * Queue mode: hand accepted calls to BullMQ on this Redis (`gong-connector worker` processes deliver them, with one
   * global limit) instead of delivering from this process. Needs `bullmq` installed.
   */
  queue?: { url: string; queueName?: string | undefined; attempts?: number | undefined; backoffMs?: number | undefined } | undefined;
  /** Also take calls from this folder (see watch.ts). */
  watchDir?: string | undefined;
  /** The watch folder's timing (poll, settle time; tests shorten them). */
  watch?: WatchOptions | undefined;
  /** JSON lines logger (default: pino on stderr at "info"); false for none. */
  logger?: Logger | false | undefined;
}

export interface Relay {
  /** http://host:port */
  readonly url: string;
  /** The intake and console token. */
  readonly token: string;
  /** Where the token came from. */
  readonly tokenSource: "option" | "generated" | "data";
  /** The Gong calls go to. */
  readonly gong: GongBinding;
  /** Calls by status. */
  counts(): Record<"queued" | "sending" | "created" | "done" | "failed", number>;
  /**
   * Stops: new calls get 503, calls in flight get `graceMs` to finish (default 10,000), the rest stay queued on disk
   * for the next start.
   */
  close(opts?: { graceMs?: number | undefined }): Promise<void>;
}

const TOKEN_FILE = "serve-token";
/** The errors of listen() that are the caller's address or port, not a fault of the relay. */
const LISTEN_PROBLEMS = new Set(["EADDRINUSE", "EADDRNOTAVAIL", "EACCES", "ENOTFOUND", "EAI_AGAIN"]);

/** The token: given, else the one kept in the data directory, else a new one written there (0600). */
async function tokenFor(dataDir: string, given: string | undefined): Promise<{ token: string; source: Relay["tokenSource"] }> {
  if (given !== undefined) {
    if (given.trim().length < 16 || /\s/.test(given)) throw new RelaySetupError("the serve token must be at least 16 characters without spaces (GONG_SERVE_TOKEN)");
    return { token: given, source: "option" };
  }
  const path = join(dataDir, TOKEN_FILE);
  try {
    const info = lstatSync(path);
    if (!info.isFile()) throw new RelaySetupError(`${path} is not a plain file (a symbolic link or a directory): move it away`);
    if ((info.mode & 0o077) !== 0) throw new RelaySetupError(`${path} can be read by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
    const token = readFileSync(path, "utf8").trim();
    if (token.length >= 16) return { token, source: "data" };
  } catch (err) {
    if (err instanceof RelaySetupError) throw err;
    if (!(err instanceof Error && "code" in err && err.code === "ENOENT")) throw new RelaySetupError(`the token file ${path} cannot be read: ${reasonOf(err)}`);
  }
  const token = randomBytes(32).toString("base64url");
  try {
    await writeFileAtomic(path, `${token}\n`);
  } catch (err) {
    throw new RelaySetupError(`the token file ${path} cannot be written: ${reasonOf(err)}`);
  }
  return { token, source: "generated" };
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const dataDir = resolve(opts.dataDir);
  if (opts.watchDir !== undefined) {
    const watchDir = resolve(opts.watchDir);
    const rel = relative(dataDir, watchDir);
    // The data directory is the relay's own (0700, its outbox and recordings): a recorder never writes into it.
    if (rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) {
      throw new RelaySetupError(`the watch folder ${watchDir} is ${rel === "" ? "the data directory" : "inside the data directory"} ${dataDir}: give a folder of its own`);
    }
  }
  try {
    makeDirectoriesSync(dataDir, 0o700);
  } catch (err) {
    throw new RelaySetupError(`the data directory ${dataDir} cannot be created: ${reasonOf(err)}`);
  }
  const log = opts.logger === false ? pino({ level: "silent" }) : (opts.logger ?? pino({ base: { name: "gong-connector-serve" } }, pino.destination(2)));
  const { token, source: tokenSource } = await tokenFor(dataDir, opts.token);
  const auth = new RelayAuth(token);
  const events = new EventEmitter<RelayEvents>();
  events.setMaxListeners(0);

  const outbox = new Outbox(join(dataDir, "outbox.db"));
  let app: FastifyInstance | undefined;
  let delivery: Delivery | undefined;
  let forwarder: Forwarder | undefined;
  try {
    const rate = opts.rateLimit ?? {};
    const limiter: DailyRateLimiter = createRateLimiter({
      ...(rate.perSecond !== undefined && { perSecond: rate.perSecond }),
      ...(rate.perDay !== undefined && { perDay: rate.perDay }),
      ...(rate.dayMs !== undefined && { dayMs: rate.dayMs }),
      maxDayWaitMs: 0,
    });
    limiter.useStore(outbox);
    const userLogger = opts.client.logger;
    const client = new GongClient({
      ...opts.client,
      rateLimit: limiter,
      // A long 429 comes back to the sender, which pauses every call at once instead of one request waiting.
      maxRetryAfterSeconds: 1,
      logger: {
        debug(msg, data) {
          userLogger?.debug?.(msg, data);
          const d = (data ?? {}) as { method?: unknown; path?: unknown; status?: unknown; ms?: unknown };
          if (msg === "gong attempt" || msg === "gong attempt failed") {
            const attempt: GongAttempt = {
              method: typeof d.method === "string" ? d.method : "",
              path: typeof d.path === "string" ? d.path : "",
              status: typeof d.status === "number" ? d.status : undefined,
              ms: typeof d.ms === "number" ? d.ms : 0,
            };
            events.emit("gong", attempt);
          }
        },
        warn(msg, data) {
          userLogger?.warn?.(msg, data);
          log.warn(data ?? {}, msg);
        },
      },
    });
    const gong = gongBinding(await client.resolveBaseURL(), opts.client.auth);
    outbox.bind(gong);
    const redact = (text: string): string => client.redact(redactorFor(opts.client.auth)(text));

    const intake = new Intake(outbox, dataDir);
    await intake.prepare();

    const fastify = Fastify({
      logger: false,
      bodyLimit: JSON_BODY_LIMIT,
      routerOptions: { maxParamLength: 4096 },
      forceCloseConnections: true,
      return503OnClosing: true,
    });
    app = fastify;
    // JSON or multipart only: anything else is 415.
    fastify.removeContentTypeParser("text/plain");
    await fastify.register(multipart, {
      limits: { fileSize: MEDIA_MAX_BYTES, files: 1, fields: 4, fieldSize: JSON_BODY_LIMIT, parts: 6, headerPairs: 100 },
    });
    let draining = false;
    let url = "";
    const ctx: RelayContext = {
      app: fastify,
      outbox,
      intake,
      client,
      events,
      log,
      dataDir,
      url: () => url,
      async quota(): Promise<QuotaInfo | undefined> {
        // In queue mode the workers hold the quota (in Redis).
        if (opts.queue !== undefined) return undefined;
        const q = limiter.quota();
        const out: QuotaInfo = { spent: q.spent, perDay: q.perDay, resetsAt: q.resetsAt };
        if (delivery !== undefined && delivery.pausedUntil > Date.now()) out.pausedUntil = delivery.pausedUntil;
        return Promise.resolve(out);
      },
      draining: () => draining,
      auth,
    };

    // Every route but health needs the token (Bearer) or the console's session cookie.
    const open = new Set(["/healthz", "/readyz"]);
    fastify.addHook("onRequest", async (req, reply) => {
      const path = req.url.split("?")[0] ?? "";
      if (open.has(path) || isConsoleOpenPath(path)) return;
      const cookies = typeof req.headers.cookie === "string" ? parseCookie(req.headers.cookie) : {};
      if (!auth.allows(req, cookies[RelayAuth.COOKIE])) {
        if (req.method === "GET" && (path === "/" || path === "/index.html")) return reply.redirect("/login", 303);
        return reply.code(401).header("www-authenticate", 'Bearer realm="gong-connector"').send(errorBody("missing or wrong token: send Authorization: Bearer <token> (the token serve printed first)"));
      }
      // A console session (cookie) changes state only from the relay's own pages.
      if (!passesCsrfCheck(req, url)) return reply.code(403).send(errorBody("cross-site request refused: a console request that changes something must come from the relay's own page (Origin)"));
    });
    fastify.setErrorHandler((err: FastifyError, req, reply) => {
      const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) {
        log.error({ method: req.method, path: req.url.split("?")[0], error: redact(err.message), code: err.code }, "request failed");
        return reply.code(500).send(errorBody("internal error; the call was not accepted (see the relay's log)"));
      }
      const message =
        err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "send application/json (an Add call request) or multipart/form-data (request + mediaFile)"
          : err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
            ? `body over ${String(JSON_BODY_LIMIT)} bytes`
            : err.message.slice(0, 300);
      return reply.code(status).send(errorBody(message));
    });
    fastify.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(`no route ${req.method} ${req.url.split("?")[0]?.slice(0, 200) ?? ""}`)));

    fastify.get("/healthz", () => ({ status: "ok" }));
    registerApi(ctx);
    await registerOps(ctx);
    await registerConsole(ctx);

    const onEvent = (event: DeliveryEvent): void => {
      events.emit("delivery", event);
      logDelivery(log, event);
    };
    if (opts.queue !== undefined) {
      let lastQueueError = { message: "", at: 0 };
      const f = new Forwarder({
        outbox,
        url: opts.queue.url,
        queueName: opts.queue.queueName,
        gong,
        attempts: opts.queue.attempts,
        backoffMs: opts.queue.backoffMs,
        onEvent,
        onError: (err) => {
          // While Redis is away the connection fails at every retry: each distinct error once a minute, not each time.
          const message = redact(err instanceof Error ? err.message : String(err));
          const now = Date.now();
          if (message === lastQueueError.message && now - lastQueueError.at < 60_000) return;
          lastQueueError = { message, at: now };
          log.error({ error: message }, "queue error");
        },
      });
      await f.start();
      forwarder = f;
      intake.onAccepted(() => {
        f.poke();
      });
    } else {
    delivery = new Delivery({
      outbox,
      sender: senderFromClient(client, { ...(opts.addCall !== undefined && { addCall: opts.addCall }) }),
      concurrency: opts.concurrency,
      ...opts.delivery,
      redact,
      onEvent,
    });
    const d = delivery;
    intake.onAccepted(() => {
      d.poke();
    });
    }

    const listenHost = opts.host ?? "127.0.0.1";
    await fastify.listen({ host: listenHost, port: opts.port ?? 0 }).catch((err: unknown) => {
      const code = err instanceof Error && "code" in err ? err.code : undefined;
      if (typeof code === "string" && LISTEN_PROBLEMS.has(code)) {
        const hint = code === "EACCES" ? " (ports below 1024 need privileges)" : "";
        throw new RelaySetupError(`cannot listen on ${listenHost}:${String(opts.port ?? 0)}: ${reasonOf(err)}${hint}`);
      }
      throw err;
    });
    const address = fastify.server.address();
    if (address === null || typeof address === "string") throw new Error("the relay has no TCP address");
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    url = `http://${host}:${String(address.port)}`;
    if (opts.deliver !== false) delivery?.start();
    const watcher: Watcher | undefined = opts.watchDir === undefined ? undefined : await startWatch(ctx, resolve(opts.watchDir), opts.watch);
    log.info({ url, gong: gong.baseUrl, credentials: gong.label, dataDir, open: outbox.openCount(), mode: opts.queue === undefined ? "local" : "queue" }, "relay started");

    let closing: Promise<void> | undefined;
    return {
      url,
      token,
      tokenSource,
      gong,
      counts: () => outbox.counts(),
      close(closeOpts = {}) {
        closing ??= (async () => {
          draining = true;
          log.info({ graceMs: closeOpts.graceMs ?? 10_000, inFlight: delivery?.inFlight ?? 0 }, "relay stopping");
          await watcher?.stop();
          await delivery?.stop(closeOpts.graceMs ?? 10_000);
          await forwarder?.stop();
          await fastify.close();
          const left = outbox.openCount();
          outbox.close();
          log.info({ queued: left }, "relay stopped");
          log.flush();
        })();
        return closing;
      },
    };
  } catch (err) {
    await delivery?.stop(0);
    await forwarder?.stop();
    await app?.close();
    outbox.close();
    throw err;
  }
}

/** The console's login page and assets are reachable without a session. */
function isConsoleOpenPath(path: string): boolean {
  return path === "/login" || path.startsWith("/assets/");
}

function logDelivery(log: Logger, event: DeliveryEvent): void {
  switch (event.type) {
    case "delivered":
      log.info({ clientUniqueId: event.clientUniqueId, callId: event.callId, created: event.created, duplicate: event.duplicate, recovered: event.recovered, mediaUploaded: event.mediaUploaded, ms: event.ms }, "call delivered");
      break;
    case "retry":
      log.warn({ clientUniqueId: event.clientUniqueId, attempts: event.attempts, retryAt: new Date(event.at).toISOString(), status: event.status, error: event.message }, "call will be retried");
      break;
    case "failed":
      log.error({ clientUniqueId: event.clientUniqueId, reason: event.reason, status: event.status, error: event.message }, "call failed");
      break;
    case "quota":
      log.warn({ resumeAt: new Date(event.resumeAt).toISOString(), reason: event.message }, "daily quota spent: delivery waits for the reset");
      break;
    case "error":
      log.error({ error: event.message }, "delivery error");
      break;
  }
}
