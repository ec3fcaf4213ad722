import { afterEach, describe, expect, it } from "vitest";
import { addressKey } from "../src/internal/app.js";
import { FailureLimiter, KeyRateLimiter } from "../src/internal/rate-limit.js";
import { startSandbox } from "../src/internal/server.js";
import { rawRequest, type RawResponse } from "../../../test-support/raw-http.js";
import { startTestSandbox, withSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

// Many refusals in a row below: the failed-authentication limit has its own tests further down.
const sandbox = withSandbox({ bearerTokens: { "read-only-token": ["api:calls:read:basic"] }, authFailureLimit: 0 });

describe("auth", () => {
  it("accepts Basic and Bearer", async () => {
    const sb = sandbox();
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall(), auth: "basic" })).status).toBe(200);
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall(), auth: "bearer" })).status).toBe(200);
    expect((await sb.api("GET", "/v2/users", { auth: "bearer" })).status).toBe(200);
  });

  it("401 on /v2/calls* and 403 on users and workspaces without valid credentials", async () => {
    const sb = sandbox();
    const wrong = { header: `Basic ${Buffer.from(`${sb.accessKey}:nope`).toString("base64")}` };
    for (const auth of ["none", wrong, { header: "Bearer unknown" }, { header: "Digest abc" }] as const) {
      const post = await sb.api<{ requestId: string; errors: string[] }>("POST", "/v2/calls", { body: sb.validCall(), auth });
      expect(post.status).toBe(401);
      expect(post.body.errors).toHaveLength(1);
      expect(typeof post.body.requestId).toBe("string");
      expect((await sb.api("GET", "/v2/calls", { auth })).status).toBe(401);
      expect((await sb.api("GET", "/v2/calls/1234567890123456789", { auth })).status).toBe(401);
      expect((await sb.api("POST", "/v2/calls/extensive", { body: {}, auth })).status).toBe(401);
      expect((await sb.uploadMedia("1234567890123456789", new Uint8Array([1]), "a.wav", { auth })).status).toBe(401);
      expect((await sb.api("GET", "/v2/users", { auth })).status).toBe(403);
      expect((await sb.api("GET", "/v2/workspaces", { auth })).status).toBe(403);
    }
  });

  it("a Bearer token without the endpoint's scope is refused the same way", async () => {
    const sb = sandbox();
    const auth = { header: "Bearer read-only-token" };
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall(), auth })).status).toBe(401);
    expect((await sb.api("GET", "/v2/users", { auth })).status).toBe(403);
    expect((await sb.api("GET", "/v2/calls/1234567890123456789", { auth })).status).toBe(404);
  });

  it("never echoes the secret", async () => {
    const sb = sandbox();
    const res = await sb.api("GET", "/v2/users", { auth: { header: `Basic ${Buffer.from(`${sb.accessKey}:wrong-secret`).toString("base64")}` } });
    expect(res.text).not.toContain("wrong-secret");
    expect(res.text).not.toContain(sb.accessKeySecret);
  });

  it("unknown paths answer 404 in Gong's error shape", async () => {
    const sb = sandbox();
    const res = await sb.api<{ requestId: string; errors: string[] }>("GET", "/v2/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.errors).toHaveLength(1);
  });
});

/** Paths that the router decodes to an API route, each with the route it reaches and its refusal without credentials. */
const ENCODED_API_PATHS: { target: string; method: string; denied: 401 | 403 }[] = [
  { target: "/v%32/users", method: "GET", denied: 403 },
  { target: "/%762/users", method: "GET", denied: 403 },
  { target: "/%76%32/%75sers", method: "GET", denied: 403 },
  { target: "/v2/user%73", method: "GET", denied: 403 },
  { target: "/v%32/workspaces", method: "GET", denied: 403 },
  { target: "/%762/calls?fromDateTime=2020-01-01T00:00:00Z&toDateTime=2030-01-01T00:00:00Z", method: "GET", denied: 401 },
  { target: "/v2/c%61lls/extensive", method: "POST", denied: 401 },
  { target: "/v%32/calls", method: "POST", denied: 401 },
  { target: "/v2/calls/%31%32%33", method: "GET", denied: 401 },
];

/** Paths that reach no route (dot segments, doubled or encoded slashes, case, trailing slash, matrix parameters). */
const UNROUTED_PATHS = [
  "/v2/../v2/users",
  "/v2/./users",
  "/v2/%2e%2e/v2/users",
  "/%2e%2e/v2/users",
  "//v2/users",
  "/v2//users",
  "/v2%2Fusers",
  "/v2%2fusers",
  "/V2/users",
  "/v2/USERS",
  "/v2/users/",
  "/v2/users;x=1",
  "/v2/users%3Bx=1",
  "/v2/users%00",
  "/v2/workspaces/.",
  "/v2/calls/../users",
];

describe("authentication is decided on the routed path", () => {
  const raw = (target: string, method = "GET", headers: Record<string, string> = {}, body?: string): Promise<RawResponse> =>
    rawRequest(sandbox().baseUrl, {
      method,
      target,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body }),
    });

  it("any encoding that reaches an API route is authenticated (and with credentials it reaches that route)", async () => {
    const sb = sandbox();
    for (const { target, method, denied } of ENCODED_API_PATHS) {
      const body = method === "POST" ? (target.includes("extensive") ? "{}" : JSON.stringify(sb.validCall())) : undefined;
      const without = await raw(target, method, {}, body);
      expect(without.status, `${method} ${target} without credentials`).toBe(denied);
      expect(JSON.parse(without.body)).toMatchObject({ errors: ["Access denied: missing or invalid credentials"] });
      const withAuth = await raw(target, method, { authorization: sb.basicAuth }, body);
      expect([200, 404], `${method} ${target} with credentials`).toContain(withAuth.status);
      if (withAuth.status === 404) expect(withAuth.body).toMatch(/not found/i); // GET /v2/calls/123: no such call
    }
  });

  it("absolute-form request targets are authenticated too", async () => {
    const sb = sandbox();
    const res = await raw(`${sb.baseUrl}/v%32/users`);
    expect(res.status).toBe(403);
    expect((await raw(`${sb.baseUrl}/v2/users`, "GET", { authorization: sb.basicAuth })).status).toBe(200);
  });

  it("HEAD of an API route needs credentials like GET", async () => {
    const sb = sandbox();
    expect((await raw("/v2/users", "HEAD")).status).toBe(403);
    expect((await raw("/v%32/users", "HEAD")).status).toBe(403);
    expect((await raw("/v2/users", "HEAD", { authorization: sb.basicAuth })).status).toBe(200);
  });

  it("dot segments, doubled or encoded slashes, case, trailing slashes and matrix parameters reach no route: 404, no data", async () => {
    const sb = sandbox();
    for (const target of UNROUTED_PATHS) {
      for (const headers of [{}, { authorization: sb.basicAuth }]) {
        const res = await raw(target, "GET", headers);
        expect(res.status, target).toBe(404);
        const body = JSON.parse(res.body) as { requestId: string; errors: string[] };
        expect(Object.keys(body).sort(), target).toEqual(["errors", "requestId"]);
        expect(body.errors).toHaveLength(1);
        expect(res.body).not.toContain(sb.users.host);
      }
    }
  });

  it("a 404 repeats at most 200 characters of the path", async () => {
    const res = await raw(`/v2/${"x".repeat(5000)}`);
    expect(res.status).toBe(404);
    expect(res.body.length).toBeLessThan(400);
  });

  it("encoded paths are rate-limited, faulted and logged under the route's own path", async () => {
    const sb = await startTestSandbox({ ratePerSecond: 1, ratePerDay: 0 });
    try {
      const first = await rawRequest(sb.baseUrl, { target: "/v%32/workspaces", headers: { authorization: sb.basicAuth } });
      const second = await rawRequest(sb.baseUrl, { target: "/%762/workspaces", headers: { authorization: sb.basicAuth } });
      expect([first.status, second.status]).toEqual([200, 429]);
      expect(second.headers["retry-after"]).toBe("1");
      await sb.admin.setSettings({ ratePerSecond: 0 });
      await sb.admin.setFaults({ script: [{ fault: "503", method: "GET", path: "/v2/users" }] });
      const faulted = await rawRequest(sb.baseUrl, { target: "/v2/u%73ers", headers: { authorization: sb.basicAuth } });
      expect(faulted.status).toBe(503);
      const log = await sb.admin.requests(10);
      const ids = [first, second, faulted].map((r) => (JSON.parse(r.body) as { requestId: string }).requestId);
      expect(ids.map((id) => log.find((l) => l.requestId === id)?.path)).toEqual(["/v2/workspaces", "/v2/workspaces", "/v2/users"]);
    } finally {
      await sb.close();
    }
  });

  it("the admin API is decided on its routes too: encoded admin paths need the admin token", async () => {
    const sb = sandbox();
    for (const target of ["/__sandbox/calls", "/__sandbo%78/calls", "/%5F%5Fsandbox/calls", "/__sandbox/c%61lls", "/__sandbox/settings"]) {
      expect((await raw(target)).status, target).toBe(401);
      expect((await raw(target, "GET", { authorization: sb.basicAuth })).status, target).toBe(401);
      expect((await raw(target, "GET", { authorization: `Bearer ${sb.adminToken}` })).status, target).toBe(200);
    }
    for (const target of ["/__sandbox/../__sandbox/calls", "//__sandbox/calls", "/__SANDBOX/calls", "/__sandbox/settings/"]) {
      expect((await raw(target)).status, target).toBe(404);
    }
  });
});

describe("failed authentication is limited per client address", () => {
  let sb: TestSandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it("10 failures, then 429 with Retry-After; the right key keeps its whole budget; the window slides", async () => {
    sb = await startTestSandbox({ authFailureLimit: 10, authFailureWindowSeconds: 2, ratePerSecond: 0, ratePerDay: 5 });
    const wrong = { header: `Basic ${Buffer.from(`${sb.accessKey}:wrong-secret`).toString("base64")}` };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await sb.api("GET", "/v2/workspaces", { auth: wrong })).status);
    expect(statuses).toEqual(Array<number>(10).fill(403));
    const refused = await sb.api<{ requestId: string; errors: string[] }>("GET", "/v2/workspaces", { auth: wrong });
    expect(refused.status).toBe(429);
    expect(refused.body.errors).toEqual(["Too many failed authentication attempts from this address"]);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // other wrong forms are failures too
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall(), auth: "none" })).status).toBe(429);
    expect((await sb.api("GET", "/__sandbox/calls", { auth: { header: "Bearer not-the-admin-token" } })).status).toBe(429);
    // the right key: all 5 of its daily requests, then its own daily 429 (not the failures' one)
    for (let i = 0; i < 5; i++) expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
    const daily = await sb.api<{ errors: string[] }>("GET", "/v2/workspaces");
    expect(daily.status).toBe(429);
    expect(daily.body.errors).toEqual(["Daily API quota exceeded"]);
    // once the failures have left the window, a wrong secret is a plain refusal again
    await new Promise((r) => setTimeout(r, 2100));
    expect((await sb.api("GET", "/v2/workspaces", { auth: wrong })).status).toBe(403);
  });

  it("is on by default: 10 failures a minute", async () => {
    const plain = await startSandbox({ ratePerSecond: 0 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await fetch(`${plain.baseUrl}/v2/workspaces`)).status);
      expect(statuses).toEqual([...Array<number>(10).fill(403), 429]);
    } finally {
      await plain.close();
    }
  });

  it("a Bearer token without the route's scope is not a failed authentication", async () => {
    sb = await startTestSandbox({ authFailureLimit: 2, bearerTokens: { "read-only": ["api:calls:read:basic"] } });
    for (let i = 0; i < 5; i++) expect((await sb.api("GET", "/v2/users", { auth: { header: "Bearer read-only" } })).status).toBe(403);
  });

  it("the admin API can change the limit and reset the count", async () => {
    sb = await startTestSandbox({ authFailureLimit: 1 });
    expect((await sb.api("GET", "/v2/users", { auth: "none" })).status).toBe(403);
    expect((await sb.api("GET", "/v2/users", { auth: "none" })).status).toBe(429);
    await sb.admin.setSettings({ resetRateLimits: true });
    expect((await sb.api("GET", "/v2/users", { auth: "none" })).status).toBe(403);
    await sb.api("PUT", "/__sandbox/settings", { body: { authFailureLimit: 0 }, auth: { header: `Bearer ${sb.adminToken}` } });
    for (let i = 0; i < 5; i++) expect((await sb.api("GET", "/v2/users", { auth: "none" })).status).toBe(403);
  });
});

describe("FailureLimiter", () => {
  it("counts failures per address in a sliding window; Retry-After is when the oldest leaves it", () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ limit: 3, windowSeconds: 10 }, () => now);
    expect([limiter.fail("a"), limiter.fail("a"), limiter.fail("a")]).toEqual([0, 0, 0]);
    expect(limiter.fail("b")).toBe(0);
    now += 4_000;
    expect(limiter.fail("a")).toBe(6);
    now += 6_000; // the first three leave the window; the refused one (at +4 s) stays in it
    expect([limiter.fail("a"), limiter.fail("a")]).toEqual([0, 0]);
    expect(limiter.fail("a")).toBe(4);
  });

  it("a limit of 0 never refuses", () => {
    const limiter = new FailureLimiter({ limit: 0, windowSeconds: 60 });
    for (let i = 0; i < 100; i++) expect(limiter.fail("a")).toBe(0);
  });

  it("keeps at most 10,000 addresses: stale ones go first, then the oldest", () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 1, windowSeconds: 1 }, () => now);
    for (let i = 0; i < 25_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    now += 500;
    expect(limiter.fail("10.0.97.167")).toBeGreaterThan(0); // among the last ones added: still tracked
  });

  it("an IPv6 client is counted by its /64; IPv4-mapped addresses as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe(addressKey("2001:db8:1:2:bbbb::2"));
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
    expect(addressKey("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(addressKey(undefined)).toBe("unknown");
  });
});

describe("rate limit", () => {
  let sb: TestSandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it("3 per second per key, then 429 with Retry-After in whole seconds", async () => {
    sb = await startTestSandbox({ ratePerSecond: 3, ratePerDay: 10_000 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await sb.api("GET", "/v2/workspaces");
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect((res.body as { errors: string[] }).errors).toHaveLength(1);
      }
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(retryAfter).toBe("1");
    // another key has its own budget
    expect((await sb.api("GET", "/v2/workspaces", { auth: "bearer" })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
  });

  it("daily cap: 429 with Retry-After up to the next 00:00 UTC", async () => {
    sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 2 });
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
    const before = Date.now();
    const res = await sb.api("GET", "/v2/workspaces");
    expect(res.status).toBe(429);
    const secs = Number(res.headers.get("retry-after"));
    const toMidnight = Math.ceil((Math.floor(before / 86_400_000 + 1) * 86_400_000 - before) / 1000);
    expect(Math.abs(secs - toMidnight)).toBeLessThanOrEqual(2);
  });

  it("a short quota day (daySeconds) runs out and resets within seconds", async () => {
    sb = await startTestSandbox({ ratePerSecond: 0, ratePerDay: 2, daySeconds: 2 });
    // Start just after a day boundary so the two requests and the refusal fall in one day.
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() % 2000) + 20));
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
    const res = await sb.api("GET", "/v2/workspaces");
    expect(res.status).toBe(429);
    const secs = Number(res.headers.get("retry-after"));
    expect(secs).toBeGreaterThanOrEqual(1);
    expect(secs).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, secs * 1000));
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
  });
});

describe("KeyRateLimiter", () => {
  it("Retry-After is the ceiling of the seconds to the next free slot", () => {
    let now = 1_000_000;
    const limiter = new KeyRateLimiter({ perSecond: 3, perDay: 0 }, () => now);
    expect(limiter.take("k")).toEqual({ ok: true });
    now += 400;
    limiter.take("k");
    limiter.take("k");
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 1, daily: false });
    now += 600; // the first slot frees exactly now
    expect(limiter.take("k")).toEqual({ ok: true });
  });

  it("the day resets at 00:00 UTC", () => {
    let now = Date.UTC(2026, 0, 1, 23, 59, 58, 500);
    const limiter = new KeyRateLimiter({ perSecond: 0, perDay: 1 }, () => now);
    expect(limiter.take("k").ok).toBe(true);
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 2, daily: true });
    now = Date.UTC(2026, 0, 2, 0, 0, 0, 0);
    expect(limiter.take("k").ok).toBe(true);
  });

  it("a day of daySeconds resets at each multiple of it", () => {
    let now = 10_000 * 60_000 + 59_500;
    const limiter = new KeyRateLimiter({ perSecond: 0, perDay: 1, daySeconds: 60 }, () => now);
    expect(limiter.take("k").ok).toBe(true);
    expect(limiter.take("k")).toEqual({ ok: false, retryAfterSeconds: 1, daily: true });
    now += 500;
    expect(limiter.take("k").ok).toBe(true);
  });
});
