import { afterEach, describe, expect, it } from "vitest";
import { KeyRateLimiter } from "../../src/sandbox/rate-limit.js";
import { startTestSandbox, withSandbox, type TestSandbox } from "../helpers/sandbox.js";

const sandbox = withSandbox({ bearerTokens: { "read-only-token": ["api:calls:read:basic"] } });

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
