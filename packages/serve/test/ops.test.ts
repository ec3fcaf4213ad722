/**
 * Readiness and metrics, against a real sandbox over HTTP: /readyz without a token (200, or 503 naming the check that
 * failed: Gong unreachable, database closed), /metrics with the token only, with the values the deliveries produced.
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { startRelay, type Relay } from "../src/index.js";
import { RelayAuth, type RelayContext, type RelayEvents } from "../src/internal/context.js";
import { Intake } from "../src/internal/intake.js";
import { registerOps, routeTemplate } from "../src/internal/ops.js";
import { Outbox } from "../src/internal/outbox.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";
import { until } from "../../../test-support/until.js";

let sb: TestSandbox;
let relay: Relay;
let root: string;

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => { r(); }));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** One sample's value from Prometheus text: `name{labels} value`. */
function sample(text: string, name: string, labels = ""): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const got = m[2] ?? "";
    if (labels.split(",").filter((l) => l !== "").every((l) => got.includes(l))) return Number(m[3]);
  }
  return undefined;
}

function post(r: Relay, body: unknown): Promise<Response> {
  return fetch(`${r.url}/v1/calls`, { method: "POST", headers: { authorization: `Bearer ${r.token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  sb = await startTestSandbox();
  root = mkdtempSync(join(tmpdir(), "relay-ops-"));
  relay = await startRelay({
    client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } },
    dataDir: join(root, "data"),
    logger: false,
    delivery: { retryBaseMs: 100, retryMaxMs: 200, maxAttempts: 3 },
  });
});

afterAll(async () => {
  await relay.close({ graceMs: 0 });
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});

describe("routeTemplate", () => {
  it("replaces ids and drops the query, so label values stay few", () => {
    expect(routeTemplate("/v2/calls")).toBe("/v2/calls");
    expect(routeTemplate("/v2/calls/7782342274025937895/media")).toBe("/v2/calls/{id}/media");
    expect(routeTemplate("/v2/calls/123?x=1")).toBe("/v2/calls/{id}");
    expect(routeTemplate("/v2/users?cursor=abc")).toBe("/v2/users");
    expect(routeTemplate("/elsewhere/a/b")).toBe("other");
  });
});

describe("/readyz", () => {
  it("is 200 without a token when the database is writable and Gong reachable", async () => {
    const res = await fetch(`${relay.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { database: "writable", gong: "reachable", draining: false } });
  });

  it("is 503 naming Gong when Gong cannot be reached, and spends no request on it", async () => {
    const port = await closedPort();
    const r = await startRelay({
      client: { baseURL: `http://127.0.0.1:${String(port)}`, auth: { accessKey: "k".repeat(20), accessKeySecret: "s".repeat(40) } },
      dataDir: join(root, "unreachable"),
      logger: false,
    });
    try {
      const res = await fetch(`${r.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; failed: string[]; checks: { gong: string; database: string } };
      expect(body.failed).toEqual(["gong"]);
      expect(body.checks.database).toBe("writable");
      expect(body.checks.gong).toMatch(/cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED/);
      const metrics = await (await fetch(`${r.url}/metrics`, { headers: { authorization: `Bearer ${r.token}` } })).text();
      expect(sample(metrics, "gong_relay_quota_remaining")).toBe(10_000);
    } finally {
      await r.close({ graceMs: 0 });
    }
  });

  it("is 503 naming the database when it cannot be written", async () => {
    const dir = join(root, "closed-db");
    const outbox = new Outbox(join(dir, "outbox.db"));
    const app = Fastify({ logger: false });
    const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } });
    const ctx: RelayContext = {
      app,
      outbox,
      intake: new Intake(outbox, dir),
      client,
      events: new EventEmitter<RelayEvents>(),
      log: pino({ level: "silent" }),
      dataDir: dir,
      url: () => "",
      quota: () => Promise.resolve(undefined),
      draining: () => false,
      auth: new RelayAuth("t".repeat(32)),
    };
    await registerOps(ctx);
    try {
      expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      outbox.close();
      const res = await app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: "not ready", failed: ["database"], checks: { database: "not writable", gong: "reachable" } });
    } finally {
      await app.close();
      outbox.close();
    }
  });
});

describe("/metrics", () => {
  it("needs the token", async () => {
    const res = await fetch(`${relay.url}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain("gong_relay_");
  });

  it("counts what the relay did: accepted, delivered, failed by reason, 429s, latency by route, queue depth, quota", async () => {
    await sb.admin.setFaults({ script: [{ fault: "429", method: "POST", path: "/v2/calls", count: 1, retryAfterSeconds: 0 }] });
    const good = [sb.validCall(), sb.validCall()];
    const refused = sb.validCall({ primaryUser: sb.users.recordingDisabled, parties: [{ userId: sb.users.recordingDisabled, name: "Off", partyId: "rep" }] });
    for (const c of [...good, refused]) expect((await post(relay, c)).status).toBe(202);
    expect((await post(relay, good[0])).status).toBe(200); // the same call again: not accepted twice
    await until("the three calls to finish", () => relay.counts().done === 2 && relay.counts().failed === 1);

    const res = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${relay.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, "gong_relay_calls_accepted_total", 'source="api"')).toBe(3);
    expect(sample(text, "gong_relay_calls_delivered_total")).toBe(2);
    expect(sample(text, "gong_relay_calls_failed_total", 'reason="http_409"')).toBe(1);
    expect(sample(text, "gong_relay_gong_rate_limited_total")).toBe(1);
    expect(sample(text, "gong_relay_queue_depth", 'status="done"')).toBe(2);
    expect(sample(text, "gong_relay_queue_depth", 'status="failed"')).toBe(1);
    expect(sample(text, "gong_relay_queue_depth", 'status="queued"')).toBe(0);
    // Four attempts at POST /v2/calls (one 429, two 200, one 409), by their route template, never a raw id.
    const posts = sample(text, "gong_relay_gong_request_duration_seconds_count", 'method="POST",route="/v2/calls"') ?? 0;
    const byStatus = ["200", "429", "409"].map((s) => sample(text, "gong_relay_gong_request_duration_seconds_count", `method="POST",route="/v2/calls",status="${s}"`));
    expect(byStatus).toEqual([2, 1, 1]);
    expect(posts).toBeGreaterThan(0);
    expect(text).not.toMatch(/route="\/v2\/calls\/\d/);
    // Every attempt spent one request of the day.
    const attempts = text
      .split("\n")
      .filter((l) => l.startsWith("gong_relay_gong_request_duration_seconds_count"))
      .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
    expect(sample(text, "gong_relay_quota_per_day")).toBe(10_000);
    expect(sample(text, "gong_relay_quota_remaining")).toBe(10_000 - attempts);
    const resets = sample(text, "gong_relay_quota_resets_at_seconds") ?? 0;
    expect(resets * 1000).toBeGreaterThan(Date.now());
    expect(resets * 1000).toBeLessThanOrEqual(Date.now() + 86_400_000);
    // The default process metrics, in this relay's own registry.
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });
});
