import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { CSP_DIRECTIVES, jsonDeeperThan } from "../src/internal/app.js";
import { hostAllowed, hostRules, parseHost } from "../src/internal/hosts.js";
import { startSandbox } from "../src/internal/server.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../../test-support/chromium.js";
import { rawRequest, rawSend, type RawResponse } from "../../../test-support/raw-http.js";
import { startTestSandbox, withSandbox } from "../../../test-support/sandbox.js";

const sandbox = withSandbox({ authFailureLimit: 0 });

const CSP =
  "default-src 'none';script-src 'self';style-src 'self';img-src 'self' data:;media-src 'self';connect-src 'self';base-uri 'none';form-action 'self';frame-ancestors 'none'";

function gongError(res: RawResponse): { requestId: string; errors: string[] } {
  const body = JSON.parse(res.body) as { requestId: string; errors: string[] };
  expect(Object.keys(body).sort()).toEqual(["errors", "requestId"]);
  expect(typeof body.requestId).toBe("string");
  expect(body.errors.length).toBeGreaterThan(0);
  return body;
}

describe("security headers on every response", () => {
  it("CSP (exactly the agreed policy), nosniff, frame-ancestors/X-Frame-Options, no-referrer, no HSTS", async () => {
    const sb = sandbox();
    expect(Object.entries(CSP_DIRECTIVES).map(([k, v]) => `${k} ${v.join(" ")}`).join(";")).toBe(CSP);
    const created = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall() });
    const targets: [string, Record<string, string>][] = [
      ["/", {}],
      [`/call?id=${created.body.callId}`, {}],
      ["/call?id=1", {}],
      [`/media/${created.body.callId}`, {}],
      ["/v2/users", {}],
      ["/v2/users", { authorization: sb.basicAuth }],
      ["/v2/nothing", {}],
      ["/__sandbox/calls", {}],
      ["/__sandbox/calls", { authorization: `Bearer ${sb.adminToken}` }],
    ];
    for (const [target, headers] of targets) {
      const res = await rawRequest(sb.baseUrl, { target, headers });
      expect(res.headers["content-security-policy"], target).toBe(CSP);
      expect(res.headers["x-content-type-options"], target).toBe("nosniff");
      expect(res.headers["x-frame-options"], target).toBe("DENY");
      expect(res.headers["referrer-policy"], target).toBe("no-referrer");
      expect(res.headers["strict-transport-security"], target).toBeUndefined();
    }
    // refused early (bad Host) still carries them
    const misdirected = await rawRequest(sb.baseUrl, { target: "/", headers: { host: "evil.example" } });
    expect(misdirected.headers["content-security-policy"]).toBe(CSP);
  });
});

describe("Host check (DNS rebinding)", () => {
  it("answers the loopback names with its port; any other Host gets 421 (JSON on the API, text on pages)", async () => {
    const sb = sandbox();
    const port = new URL(sb.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `[0:0:0:0:0:0:0:1]:${port}`]) {
      expect((await rawRequest(sb.baseUrl, { target: "/v2/workspaces", headers: { host, authorization: sb.basicAuth } })).status, host).toBe(200);
      expect((await rawRequest(sb.baseUrl, { target: "/", headers: { host } })).status, host).toBe(200);
    }
    const refused = [
      `evil.example:${port}`,
      "evil.example",
      `127.0.0.1.nip.io:${port}`,
      `localhost.:${port}`,
      "localhost",
      "127.0.0.1",
      `127.0.0.1:${Number(port) === 65_535 ? 1 : Number(port) + 1}`,
      `127.0.0.1:${port}:1`,
      `127.0.0.1:${port}@evil.example`,
      `user@127.0.0.1:${port}`,
      `127.0.0.1:+${port}`,
      `[::1]`,
      `::1:${port}`,
      " ",
      "%31%32%37.0.0.1:" + port,
      `x${"a".repeat(300)}:${port}`,
    ];
    for (const host of refused) {
      const api = await rawRequest(sb.baseUrl, { target: "/v2/workspaces", headers: { host, authorization: sb.basicAuth } });
      expect([400, 421], host).toContain(api.status);
      gongError(api);
      const page = await rawRequest(sb.baseUrl, { target: "/", headers: { host } });
      expect([400, 421], host).toContain(page.status);
      expect(page.headers["content-type"]).toMatch(/^text\/plain/);
      expect(page.body).not.toContain("<html");
      expect(page.body.length).toBeLessThan(200);
    }
  });

  it("400 without a Host header; an absolute-form target must name an allowed host too", async () => {
    const sb = sandbox();
    const noHost = await rawSend(sb.baseUrl, "GET /v2/workspaces HTTP/1.0\r\n\r\n");
    expect(noHost.status).toBe(400);
    const absolute = await rawRequest(sb.baseUrl, { target: "http://evil.example/v2/workspaces", headers: { authorization: sb.basicAuth } });
    expect(absolute.status).toBe(421);
    expect((await rawRequest(sb.baseUrl, { target: `${sb.baseUrl}/v2/workspaces`, headers: { authorization: sb.basicAuth } })).status).toBe(200);
  });

  it("allowedHosts (any port, or one port) and the host of baseUrl are answered too", async () => {
    const sb = await startTestSandbox({ allowedHosts: ["sandbox.lan", "other.lan:9000", "[fd00::1]"], baseUrl: "https://gong.example.test" });
    try {
      expect(sb.baseUrl).toBe("https://gong.example.test");
      const real = `http://127.0.0.1:${String(sb.port)}`;
      for (const host of ["sandbox.lan", "sandbox.lan:1234", "other.lan:9000", "gong.example.test", "gong.example.test:443", "[fd00::1]:5"]) {
        expect((await rawRequest(real, { target: "/", headers: { host } })).status, host).toBe(200);
      }
      for (const host of ["other.lan:9001", "other.lan", "gong.example.test:8443", "evil.example"]) {
        expect((await rawRequest(real, { target: "/", headers: { host } })).status, host).toBe(421);
      }
    } finally {
      await sb.close();
    }
  });

  it("a malformed allowedHosts entry is refused at start, naming the option", async () => {
    await expect(startSandbox({ allowedHosts: ["bad host"] })).rejects.toThrow(/allowedHosts: 'bad host'/);
    await expect(startSandbox({ allowedHosts: ["x:99999"] })).rejects.toThrow(/allowedHosts/);
  });

  it("hostRules: all interfaces' addresses and loopback names when bound to 0.0.0.0; the listen name otherwise", () => {
    const any = hostRules({ listenHost: "0.0.0.0", bound: { address: "0.0.0.0", family: "IPv4", port: 8787 }, baseUrl: undefined, allowedHosts: [] });
    expect(hostAllowed("localhost:8787", any)).toBe(true);
    expect(hostAllowed("127.0.0.1:8787", any)).toBe(true);
    expect(hostAllowed("0.0.0.0:8787", any)).toBe(false);
    expect(hostAllowed("evil.example:8787", any)).toBe(false);
    const named = hostRules({ listenHost: "box.lan", bound: { address: "192.168.1.5", family: "IPv4", port: 80 }, baseUrl: undefined, allowedHosts: [] });
    expect(hostAllowed("box.lan", named)).toBe(true);
    expect(hostAllowed("192.168.1.5:80", named)).toBe(true);
    expect(hostAllowed("localhost", named)).toBe(false);
    expect(parseHost("[::ffff:127.0.0.1]:1")).toEqual({ name: "127.0.0.1", port: 1 });
  });

  it("a page on another name that resolves to 127.0.0.1 (DNS rebinding) gets 421 in Chromium", async () => {
    const sb = sandbox();
    const port = new URL(sb.baseUrl).port;
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.example 127.0.0.1"],
    });
    try {
      const page = await browser.newPage();
      const rebound = await page.goto(`http://rebind.example:${port}/`);
      expect(rebound?.status()).toBe(421);
      expect(await page.textContent("body")).toContain("Misdirected request");
      const own = await page.goto(`${sb.baseUrl}/`);
      expect(own?.status()).toBe(200);
    } finally {
      await browser.close();
    }
  });
});

describe("hostile bodies: 400 in Gong's shape, never a 5xx, the server keeps serving", () => {
  const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
  const deepArray = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it("JSON nested 5,000+ levels, anywhere in the body, on every JSON route", async () => {
    const sb = sandbox();
    const call = (extra: Record<string, string>) => {
      const base = JSON.stringify(sb.validCall()).slice(0, -1);
      return `${base}${Object.entries(extra).map(([k, v]) => `,"${k}":${v}`).join("")}}`;
    };
    const cases: [string, string, string][] = [
      ["POST", "/v2/calls", deepObject(5000)],
      ["POST", "/v2/calls", deepArray(5000)],
      ["POST", "/v2/calls", deepObject(200_000)],
      ["POST", "/v2/calls", call({ flowContext: deepObject(5000) })],
      ["POST", "/v2/calls", call({ unknownField: deepObject(5000) })],
      ["POST", "/v2/calls", call({ context: `[{"system":"Salesforce","objects":[{"objectType":"Account","objectId":"1","fields":${deepArray(5000)}}]}]` })],
      ["POST", "/v2/calls/extensive", `{"filter":${deepObject(5000)}}`],
      ["PUT", "/__sandbox/faults", deepObject(5000)],
    ];
    for (const [method, target, body] of cases) {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        authorization: target.startsWith("/__sandbox") ? `Bearer ${sb.adminToken}` : sb.basicAuth,
      };
      const res = await rawRequest(sb.baseUrl, { method, target, headers, body });
      expect(res.status, `${target} ${body.slice(0, 40)}`).toBe(400);
      expect(gongError(res).errors).toEqual(["(root): JSON nested deeper than 64 levels"]);
    }
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall() })).status).toBe(200);
  });

  it("truncated, mistyped, invalid UTF-8, huge numbers, __proto__, 10 MB, empty, a body on GET, broken framing", async () => {
    const sb = sandbox();
    const valid = JSON.stringify(sb.validCall());
    const json = { "content-type": "application/json", authorization: sb.basicAuth };
    const cases: { name: string; method?: string; target?: string; headers?: Record<string, string>; body?: string | Buffer; ok?: number[] }[] = [
      { name: "truncated", headers: json, body: valid.slice(0, valid.length / 2) },
      { name: "trailing garbage", headers: json, body: `${valid}}` },
      { name: "text/plain", headers: { ...json, "content-type": "text/plain" }, body: valid },
      { name: "form", headers: { ...json, "content-type": "application/x-www-form-urlencoded" }, body: "a=b" },
      { name: "xml", headers: { ...json, "content-type": "application/xml" }, body: "<a/>" },
      { name: "bad content-type", headers: { ...json, "content-type": ";;;=" }, body: valid },
      { name: "no content-type", headers: { authorization: sb.basicAuth }, body: valid },
      { name: "multipart on POST", headers: { ...json, "content-type": "multipart/form-data; boundary=x" }, body: "--x--" },
      { name: "invalid UTF-8", headers: json, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d]) },
      { name: "lone surrogate escape", headers: json, body: valid.replace('"title":"Discovery call"', '"title":"\\ud800"'), ok: [200, 400] },
      { name: "huge number", headers: json, body: `{"duration":1e400,"x":${"9".repeat(100_000)}}` },
      { name: "__proto__", headers: json, body: `{"__proto__":{"polluted":true},"clientUniqueId":"p"}` },
      { name: "constructor.prototype", headers: json, body: `{"constructor":{"prototype":{"polluted":true}}}` },
      { name: "10 MB", headers: json, body: `{"title":"${"x".repeat(10 * 1024 * 1024)}"}` },
      { name: "empty", headers: json, body: "" },
      { name: "only whitespace", headers: json, body: "   " },
      { name: "null", headers: json, body: "null" },
      { name: "content-length too small", headers: { ...json, "content-length": "5" }, body: valid },
      { name: "bad chunked", headers: { ...json, "transfer-encoding": "chunked" }, body: "zz\r\n{}\r\n0\r\n\r\n" },
      { name: "both lengths", headers: { ...json, "transfer-encoding": "chunked", "content-length": "2" }, body: "2\r\n{}\r\n0\r\n\r\n" },
      { name: "body on GET", method: "GET", target: "/v2/workspaces", headers: json, body: '{"a":1}', ok: [200] },
      { name: "deep body on GET", method: "GET", target: "/v2/workspaces", headers: json, body: deepArray(10_000), ok: [200, 400] },
    ];
    for (const c of cases) {
      const res = await rawRequest(sb.baseUrl, { method: c.method ?? "POST", target: c.target ?? "/v2/calls", headers: c.headers ?? {}, body: c.body ?? "" });
      expect(c.ok ?? [400], c.name).toContain(res.status);
      expect(res.body, c.name).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      if (res.status >= 400) gongError(res);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await sb.api("POST", "/v2/calls", { body: sb.validCall() })).status).toBe(200);
  });

  it("malformed HTTP gets Gong's error shape from the parser too", async () => {
    const sb = sandbox();
    for (const data of ["GET / HTTP/9.9\r\n\r\n", "BAD\r\n\r\n", `GET /v2/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX\u0001: y\r\n\r\n`]) {
      const res = await rawSend(sb.baseUrl, data);
      expect(res.status).toBe(400);
      gongError(res);
    }
    const big = await rawSend(sb.baseUrl, `GET /v2/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    gongError(big);
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
  });

  it("jsonDeeperThan counts only structure, not brackets inside strings", () => {
    expect(jsonDeeperThan(`{"a":"${"[".repeat(1000)}"}`, 2)).toBe(false);
    expect(jsonDeeperThan(`{"a":"\\"[[[["}`, 1)).toBe(false);
    expect(jsonDeeperThan("[[[]]]", 3)).toBe(false);
    expect(jsonDeeperThan("[[[[]]]]", 3)).toBe(true);
  });
});
