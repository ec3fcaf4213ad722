import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelay } from "../src/index.js";
import { callLink, callPageBase } from "../src/internal/console/links.js";
import { startConsoleFixture, SseReader, type ConsoleFixture } from "./console-support.js";

let f: ConsoleFixture;
let base: string;
let cookie: string;

beforeAll(async () => {
  f = await startConsoleFixture();
  base = f.relay.url;
  const res = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ token: f.relay.token }), redirect: "manual" });
  cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
});
afterAll(async () => {
  await f.close();
});

/** No inline script, style element, style attribute or event handler: what the strict CSP forbids. */
function expectNoInlineCode(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style[\s>]/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
}

function expectStrictHeaders(res: Response): void {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("console login", () => {
  it("serves the login page openly, with strict security headers and no inline code", async () => {
    const res = await fetch(`${base}/login`);
    expect(res.status).toBe(200);
    expectStrictHeaders(res);
    const html = await res.text();
    expect(html).toContain('name="token"');
    expectNoInlineCode(html);
    const css = await fetch(`${base}/assets/console.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("sends the console's visitors without a session to /login", async () => {
    const res = await fetch(`${base}/`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect((await fetch(`${base}/console/state`)).status).toBe(401);
    expect((await fetch(`${base}/events`)).status).toBe(401);
  });

  it("refuses a wrong token (form or JSON) with 401 and sets no cookie", async () => {
    const form = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ token: `${f.relay.token}x` }), redirect: "manual" });
    expect(form.status).toBe(401);
    expect(form.headers.get("set-cookie")).toBeNull();
    expect(await form.text()).toContain("Wrong token");
    const json = await fetch(`${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "nope" }), redirect: "manual" });
    expect(json.status).toBe(401);
    expect(json.headers.get("set-cookie")).toBeNull();
    const none = await fetch(`${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}", redirect: "manual" });
    expect(none.status).toBe(401);
  });

  it("sets an HttpOnly, SameSite=Strict session cookie for the right token and redirects to /", async () => {
    for (const init of [
      { body: new URLSearchParams({ token: f.relay.token }) },
      { headers: { "content-type": "application/json" }, body: JSON.stringify({ token: f.relay.token }) },
    ]) {
      const res = await fetch(`${base}/login`, { method: "POST", ...init, redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/");
      const set = res.headers.get("set-cookie") ?? "";
      expect(set).toMatch(/^gc_session=[A-Za-z0-9_-]{20,};/);
      expect(set).toContain("HttpOnly");
      expect(set).toContain("SameSite=Strict");
      expect(set).toContain("Path=/");
      expect(set).not.toContain("Secure");
      expect(set).not.toContain(f.relay.token);
    }
    const page = await fetch(`${base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expectStrictHeaders(page);
    const html = await page.text();
    expect(html).toContain('src="/assets/console.js"');
    expectNoInlineCode(html);
  });

  it("POST /logout clears the cookie", async () => {
    const res = await fetch(`${base}/logout`, { method: "POST", headers: { cookie, origin: base }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.get("set-cookie")).toMatch(/^gc_session=; Max-Age=0;.*HttpOnly/);
  });
});

describe("console CSRF check", () => {
  const call = (id: string): string =>
    JSON.stringify(f.sb.validCall({ clientUniqueId: id }));

  it("refuses a cookie-authenticated POST without the relay's Origin or Referer", async () => {
    const post = (headers: Record<string, string>, id: string): Promise<Response> =>
      fetch(`${base}/v1/calls`, { method: "POST", headers: { "content-type": "application/json", cookie, ...headers }, body: call(id) });
    const none = await post({}, "csrf-none");
    expect(none.status).toBe(403);
    expect(((await none.json()) as { error: string }).error).toMatch(/cross-site/);
    expect((await post({ origin: "http://evil.example" }, "csrf-evil")).status).toBe(403);
    expect((await post({ origin: "null" }, "csrf-null")).status).toBe(403);
    expect((await post({ origin: "null", "sec-fetch-site": "cross-site" }, "csrf-null2")).status).toBe(403);
    expect((await post({ referer: "http://evil.example/page" }, "csrf-ref-evil")).status).toBe(403);
    expect((await post({ origin: base.replace("127.0.0.1", "127.0.0.2") }, "csrf-other-host")).status).toBe(403);
    // Nothing of those was stored.
    const list = (await (await fetch(`${base}/v1/calls`, { headers: { authorization: `Bearer ${f.relay.token}` } })).json()) as { calls: { clientUniqueId: string }[] };
    expect(list.calls.filter((c) => c.clientUniqueId.startsWith("csrf-"))).toEqual([]);

    const retry = await fetch(`${base}/v1/calls/anything/retry`, { method: "POST", headers: { cookie, origin: "http://evil.example" } });
    expect(retry.status).toBe(403);
    const logout = await fetch(`${base}/logout`, { method: "POST", headers: { cookie }, redirect: "manual" });
    expect(logout.status).toBe(403);
    expect((await fetch(`${base}/console/pick-lists/refresh`, { method: "POST", headers: { cookie } })).status).toBe(403);
  });

  it("takes the relay's own Origin or Referer, a same-origin Sec-Fetch-Site, and Bearer requests without either", async () => {
    const post = (headers: Record<string, string>, id: string): Promise<Response> =>
      fetch(`${base}/v1/calls`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: call(id) });
    expect((await post({ cookie, origin: base }, "csrf-ok-origin")).status).toBe(202);
    expect((await post({ cookie, referer: `${base}/` }, "csrf-ok-referer")).status).toBe(202);
    expect((await post({ cookie, origin: "null", "sec-fetch-site": "same-origin" }, "csrf-ok-fetch-site")).status).toBe(202);
    expect((await post({ authorization: `Bearer ${f.relay.token}` }, "csrf-ok-bearer")).status).toBe(202);
    // A Bearer header decides alone: a cookie beside a wrong token does not help.
    expect((await post({ authorization: "Bearer wrong-token-wrong-token", cookie, origin: base }, "csrf-bad-bearer")).status).toBe(401);
  });
});

describe("console live events", () => {
  it("streams a snapshot, then each call's changes, with SSE headers; listeners go with the client", async () => {
    const sse = await SseReader.open(`${base}/events`, { cookie });
    try {
      expect(sse.response.status).toBe(200);
      expect(sse.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(sse.response.headers.get("cache-control")).toBe("no-store");
      const snapshot = (await sse.waitFor((e) => e.event === "snapshot")).data as { stats: { counts: Record<string, number>; viewers: number; quota: { perDay: number } }; recent: unknown[] };
      expect(snapshot.stats.viewers).toBe(1);
      expect(snapshot.stats.quota.perDay).toBe(10_000);
      expect(Object.keys(snapshot.stats.counts).sort()).toEqual(["created", "done", "failed", "queued", "sending"]);
      expect(sse.comments).toContain("connected");

      const id = `live-${String(Date.now())}`;
      const res = await fetch(`${base}/v1/calls`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${f.relay.token}` }, body: JSON.stringify(f.sb.validCall({ clientUniqueId: id })) });
      expect(res.status).toBe(202);
      const done = (await sse.waitFor((e) => e.event === "call" && (e.data as { clientUniqueId: string; status: string }).clientUniqueId === id && (e.data as { status: string }).status === "done")).data as { callId: string; link: string };
      // The sandbox's own call page (a loopback Gong), and it is there.
      expect(done.link).toBe(`${f.sb.baseUrl}/call?id=${done.callId}`);
      expect((await fetch(done.link)).status).toBe(200);
      const stats = (await sse.waitFor((e) => e.event === "stats" && (e.data as { counts: { done: number } }).counts.done >= 1)).data as { rate: { lastMinute: number }; quota: { spent: number } };
      expect(stats.rate.lastMinute).toBeGreaterThanOrEqual(1);
      expect(stats.quota.spent).toBeGreaterThanOrEqual(1);
    } finally {
      sse.close();
    }
    // The closed stream's listeners are gone: no viewer is left once the server has seen the socket close.
    const viewers = async (): Promise<number> => ((await (await fetch(`${base}/console/state`, { headers: { cookie } })).json()) as { stats: { viewers: number } }).stats.viewers;
    let left = await viewers();
    for (let i = 0; i < 100 && left !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await viewers();
    }
    expect(left).toBe(0);
  });
});

describe("console pick lists", () => {
  it("reads Gong's users and workspaces once, then from the cache until refreshed", async () => {
    const walks = async (): Promise<number> => (await f.sb.admin.requests(1000)).filter((r) => r.path.startsWith("/v2/users")).length;
    const before = await walks();
    const first = await fetch(`${base}/console/pick-lists`, { headers: { cookie } });
    expect(first.status).toBe(200);
    const lists = (await first.json()) as { users: { id: string }[]; workspaces: { id: string }[] };
    expect(lists.users.map((u) => u.id)).toContain(f.sb.users.host);
    expect(lists.workspaces.map((w) => w.id)).toContain(f.sb.defaultWorkspaceId);
    const afterFirst = await walks();
    expect(afterFirst).toBeGreaterThan(before);
    await fetch(`${base}/console/pick-lists`, { headers: { cookie } });
    expect(await walks()).toBe(afterFirst);
    const refreshed = await fetch(`${base}/console/pick-lists/refresh`, { method: "POST", headers: { cookie, origin: base } });
    expect(refreshed.status).toBe(200);
    expect(await walks()).toBeGreaterThan(afterFirst);
  });

  it("serves the Add call JSON Schema with the seed's labels", async () => {
    const schema = (await (await fetch(`${base}/console/schema`, { headers: { cookie } })).json()) as { properties: Record<string, { title?: string }> };
    expect(schema.properties.primaryUser?.title).toBe("Primary user");
  });
});

describe("Gong links", () => {
  it("point at app.gong.io for Gong, at the host's /call page for a loopback Gong", () => {
    expect(callPageBase(new URL("https://us-123.api.gong.io/"))).toBe("https://app.gong.io/call");
    expect(callPageBase(new URL("http://127.0.0.1:4010/"))).toBe("http://127.0.0.1:4010/call");
    expect(callPageBase(new URL("http://localhost:4010/v2/"))).toBe("http://localhost:4010/call");
    expect(callLink("https://app.gong.io/call", "12 3&x")).toBe("https://app.gong.io/call?id=12%203%26x");
  });
});

describe("console quota", () => {
  it("tells when delivery waits for the daily quota's reset", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "relay-console-quota-"));
    const relay = await startRelay({
      client: { baseURL: f.sb.baseUrl, auth: { accessKey: f.sb.accessKey, accessKeySecret: f.sb.accessKeySecret } },
      dataDir,
      logger: false,
      rateLimit: { perDay: 1 },
    });
    try {
      const login = await fetch(`${relay.url}/login`, { method: "POST", body: new URLSearchParams({ token: relay.token }), redirect: "manual" });
      const session = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      for (const id of ["quota-1", "quota-2"]) {
        const res = await fetch(`${relay.url}/v1/calls`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${relay.token}` }, body: JSON.stringify(f.sb.validCall({ clientUniqueId: `${id}-${String(Date.now())}` })) });
        expect(res.status).toBe(202);
      }
      type State = { stats: { quota: { spent: number; perDay: number; resetsAt: string; pausedUntil: string | null }; counts: { queued: number; done: number } } };
      const state = async (): Promise<State> => (await (await fetch(`${relay.url}/console/state`, { headers: { cookie: session } })).json()) as State;
      let s = await state();
      for (let i = 0; i < 200 && s.stats.quota.pausedUntil === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        s = await state();
      }
      expect(s.stats.quota.perDay).toBe(1);
      expect(s.stats.quota.spent).toBe(1);
      expect(s.stats.quota.pausedUntil).not.toBeNull();
      expect(Date.parse(s.stats.quota.pausedUntil ?? "")).toBeGreaterThan(Date.now());
      expect(Date.parse(s.stats.quota.resetsAt)).toBeGreaterThan(Date.now());
      expect(s.stats.counts.queued).toBe(1);
    } finally {
      await relay.close({ graceMs: 100 });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
