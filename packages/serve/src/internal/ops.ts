/**
 * Operations: `/readyz` (database writable, Gong reachable; no token) and `/metrics` (Prometheus, prom-client; token
 * required). Readiness never spends Gong's daily quota: Gong counts as reachable when a real request got an HTTP
 * answer in the last few seconds, else when a TCP connection to its host and port opens (cached a few seconds).
 */
import { connect } from "node:net";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RelayContext } from "./context.js";
import { CALL_STATUSES } from "./outbox.js";

export interface OpsOptions {
  /** How long a reachability result is kept (ms; default 5,000). */
  reachCacheMs?: number | undefined;
  /** How long the TCP connect may take (ms; default 2,000). */
  connectTimeoutMs?: number | undefined;
}

/**
 * The route template of a request path: ids (any segment but words and the API version) become `{id}`, the query goes;
 * anything that does not look like Gong's API is `other`. Keeps the metrics' label values few.
 */
export function routeTemplate(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? "";
  const parts = bare.split("/").map((s) => (s === "" || (s.length <= 40 && /^(v\d+|[a-z][a-z-]*)$/i.test(s)) ? s : "{id}"));
  const route = parts.join("/");
  return /^\/v\d+(\/([a-z][a-z-]*|\{id\})){0,4}$/i.test(route) ? route : "other";
}

interface Reach {
  ok: boolean;
  via: "request" | "connect";
  at: number;
  error?: string | undefined;
}

/** Opens (and closes) a TCP connection to host:port; resolves with the error's code when it cannot. */
function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | undefined): void => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => {
      done(`no answer within ${String(timeoutMs)} ms`);
    });
    socket.once("connect", () => {
      done(undefined);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      done(err.code ?? err.message);
    });
  });
}

export async function registerOps(ctx: RelayContext, options: OpsOptions = {}): Promise<void> {
  const { app, outbox, events } = ctx;
  const reachCacheMs = options.reachCacheMs ?? 5000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;

  // ---- readiness ----
  let lastAnswer = 0; // epoch ms of the last HTTP answer from Gong (any status)
  let reach: Reach | undefined;
  let probing: Promise<Reach> | undefined;
  events.on("gong", (a) => {
    if (a.status !== undefined) lastAnswer = Date.now();
  });

  async function gongReach(): Promise<Reach> {
    const now = Date.now();
    if (now - lastAnswer < reachCacheMs) return { ok: true, via: "request", at: lastAnswer };
    if (reach !== undefined && now - reach.at < reachCacheMs) return reach;
    probing ??= (async (): Promise<Reach> => {
      const url = ctx.client.baseURL;
      const port = url.port !== "" ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
      const host = url.hostname.replace(/^\[|\]$/g, "");
      const error = await tcpProbe(host, port, connectTimeoutMs);
      reach = { ok: error === undefined, via: "connect", at: Date.now(), ...(error !== undefined && { error: `cannot connect to ${url.host}: ${error}` }) };
      return reach;
    })().finally(() => {
      probing = undefined;
    });
    return probing;
  }

  app.get("/readyz", async (_req, reply) => {
    const database = outbox.writable();
    const draining = ctx.draining();
    const gong = await gongReach();
    const ready = database && !draining && gong.ok;
    const failed = [...(database ? [] : ["database"]), ...(gong.ok ? [] : ["gong"]), ...(draining ? ["draining"] : [])];
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ready" : "not ready",
      ...(failed.length > 0 && { failed }),
      checks: {
        database: database ? "writable" : "not writable",
        gong: gong.ok ? "reachable" : (gong.error ?? "unreachable"),
        draining,
      },
    });
  });

  // ---- metrics: one registry per relay ----
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const accepted = new Counter({ name: "gong_relay_calls_accepted_total", help: "Calls accepted (committed to the outbox), by source.", labelNames: ["source"] as const, registers: [registry] });
  const delivered = new Counter({ name: "gong_relay_calls_delivered_total", help: "Calls delivered to Gong (the call and its recording).", registers: [registry] });
  const failed = new Counter({ name: "gong_relay_calls_failed_total", help: "Calls that failed for good, by reason (http_<status> when Gong refused, media, error).", labelNames: ["reason"] as const, registers: [registry] });
  const retried = new Counter({ name: "gong_relay_call_retries_total", help: "Delivery attempts that failed for a passing reason and will be tried again.", registers: [registry] });
  const rateLimited = new Counter({ name: "gong_relay_gong_rate_limited_total", help: "Answers 429 (too many requests) from Gong.", registers: [registry] });
  const latency = new Histogram({
    name: "gong_relay_gong_request_duration_seconds",
    help: "Time of each request to Gong, by method, route template and status (none: no answer).",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  new Gauge({
    name: "gong_relay_queue_depth",
    help: "Calls in the outbox by status (queued, sending, created: waiting; done, failed: finished).",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      const counts = outbox.counts();
      for (const s of CALL_STATUSES) this.set({ status: s }, counts[s]);
    },
  });
  const quotaLeft = new Gauge({ name: "gong_relay_quota_remaining", help: "Requests to Gong left today (the daily quota).", registers: [registry] });
  const quotaLimit = new Gauge({ name: "gong_relay_quota_per_day", help: "Requests to Gong allowed per day.", registers: [registry] });
  const quotaReset = new Gauge({ name: "gong_relay_quota_resets_at_seconds", help: "When the daily quota resets (Unix time, seconds).", registers: [registry] });
  const paused = new Gauge({ name: "gong_relay_paused_until_seconds", help: "Until when delivery waits for the quota reset (Unix time, seconds; 0 when it does not).", registers: [registry] });

  outbox.on("change", (c) => {
    if (c.previous === null) accepted.inc({ source: c.record.source });
  });
  events.on("delivery", (e) => {
    if (e.type === "delivered") delivered.inc();
    else if (e.type === "failed") failed.inc({ reason: e.reason });
    else if (e.type === "retry") retried.inc();
  });
  events.on("gong", (a) => {
    if (a.status === 429) rateLimited.inc();
    latency.observe({ method: a.method.toUpperCase() || "?", route: routeTemplate(a.path), status: a.status === undefined ? "none" : String(a.status) }, a.ms / 1000);
  });

  app.get("/metrics", async (_req, reply) => {
    const q = await ctx.quota();
    if (q !== undefined) {
      quotaLeft.set(Math.max(0, q.perDay - q.spent));
      quotaLimit.set(q.perDay);
      quotaReset.set(Math.floor(q.resetsAt / 1000));
      paused.set(q.pausedUntil === undefined ? 0 : Math.floor(q.pausedUntil / 1000));
    }
    const text = await registry.metrics();
    return reply.code(200).header("content-type", registry.contentType).send(text);
  });
  await Promise.resolve();
}
