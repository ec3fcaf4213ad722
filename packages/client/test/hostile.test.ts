import { describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { listUsers, listWorkspaces } from "../src/actions/index.js";
import { GongApiError, GongConnectionError, GongResponseError, GongUnreachableError, type GongClientOptions } from "../src/index.js";
import { testClient } from "./helpers/client.js";
import { scriptServerPerTest, sendJson } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

/** A secret with the characters that JSON, URL and base64 encodings change. */
const SECRET = "zq/DIST+INCT ive=s3cret\"9f";
const KEY = "echo-key";

/** Every form of `value` a careless server may echo. */
function echoes(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  return [
    value,
    json,
    json.replace(/\//g, "\\/"),
    json.replace(/\+/g, "\\u002b").replace(/\//g, "\\u002F"),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
}

function credentialForms(req: IncomingMessage): string[] {
  const header = req.headers.authorization ?? "";
  const value = header.replace(/^(Basic|Bearer) /, "");
  const forms = [...echoes(header), ...echoes(value)];
  if (header.startsWith("Basic ")) forms.push(...echoes(Buffer.from(value, "base64").toString("utf8")), ...echoes(SECRET));
  return forms;
}

function assertClean(texts: readonly string[]): void {
  for (const text of texts) {
    for (const form of [SECRET, ...echoes(SECRET), Buffer.from(`${KEY}:${SECRET}`).toString("base64")]) {
      expect(text).not.toContain(form);
    }
  }
}

function dump(error: unknown): string[] {
  const e = error as Error & { errors?: unknown; body?: unknown; headers?: unknown };
  return [e.message, String(e), e.stack ?? "", JSON.stringify(e), JSON.stringify(e.errors ?? null), String(e.body), JSON.stringify(e.headers ?? null)];
}

describe.each<[string, GongClientOptions["auth"]]>([
  ["Basic", { accessKey: KEY, accessKeySecret: SECRET }],
  ["Bearer", { bearerToken: SECRET }],
])("a server that echoes the %s credentials in every form", (_scheme, auth) => {
  it("in errors[] of a Gong-shaped refusal: every string is redacted", async () => {
    const server = await serve((req, res) => {
      const forms = credentialForms(req);
      sendJson(res, 401, JSON.stringify({ requestId: forms[1], errors: forms.map((f) => `bad: ${f}`) }).replace(/\//g, "\\/"), {
        "x-echo": encodeURIComponent(forms[0] ?? ""),
        "www-authenticate": forms[0] ?? "",
      });
    });
    const error = await testClient(server.url, { auth, maxRetries: 0 }).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongApiError);
    const api = error as GongApiError;
    expect(api.errors.length).toBeGreaterThan(10);
    expect(api.errors.every((e) => e.includes("[REDACTED]"))).toBe(true);
    assertClean(dump(error));
  });

  it("in a JSON body of another shape, kept as a redacted excerpt", async () => {
    const server = await serve((req, res) => {
      sendJson(res, 422, { message: "denied", echo: credentialForms(req) });
    });
    const error = (await testClient(server.url, { auth, maxRetries: 0 }).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e)) as GongApiError;
    expect(error.body).toContain("denied");
    expect(error.body).toContain("[REDACTED]");
    assertClean(dump(error));
  });

  it("in a text body and in a 2xx body that is not JSON", async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.url === "/text" ? 500 : 200, { "content-type": "text/plain" });
      res.end(`<html>${credentialForms(req).join(" | ")}</html>`);
    });
    const client = testClient(server.url, { auth, maxRetries: 0 });
    for (const path of ["/text", "/ok"]) {
      const error = await client.request({ method: "GET", path }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(dump(error).join("\n")).toContain("[REDACTED]");
      assertClean(dump(error));
    }
  });

  it("client.redact(text) removes every form from any text (what the importer writes to files)", async () => {
    let seen: string[] = [];
    const server = await serve((req, res) => {
      seen = credentialForms(req);
      sendJson(res, 200, { requestId: "r", users: [], records: {} });
    });
    const client = testClient(server.url, { auth });
    await client.request({ method: "GET", path: "/v2/users" });
    expect(seen.length).toBeGreaterThan(10);
    const text = seen.join("\n");
    const redacted = client.redact(text);
    expect(redacted.split("\n").every((line) => line.includes("[REDACTED]"))).toBe(true);
    assertClean([redacted]);
  });
});

describe("a server that cannot be reached or drops the connection", () => {
  it("connection refused: GongUnreachableError after one attempt, nothing retried", async () => {
    const server = await serve((_req, res) => {
      sendJson(res, 200, {});
    });
    const url = server.url;
    await server.close();
    const error = await testClient(url).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongUnreachableError);
    const e = error as GongUnreachableError;
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.origin).toBe(url);
    expect(e.attempts).toBe(1);
    expect(e.message).toContain(`could not reach ${url}: connection refused`);
    expect(e.exitCode).toBe(4);
  });

  it("a TLS handshake that fails (https to a plain-http server): unreachable, and the server saw no request", async () => {
    const server = await serve((_req, res) => {
      sendJson(res, 200, {});
    });
    const url = server.url.replace("http:", "https:");
    const error = await testClient(url).request({ method: "POST", path: "/v2/calls", body: {}, retry: "never" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongUnreachableError);
    expect((error as GongUnreachableError).message).toContain("TLS handshake failed");
    expect(server.seen).toHaveLength(0);
  });

  it("DNS EAI_AGAIN is retried twice, quickly; ENOTFOUND is not retried", async () => {
    for (const [code, calls] of [["EAI_AGAIN", 3], ["ENOTFOUND", 1]] as const) {
      let count = 0;
      const fetchFn = (): Promise<Response> => {
        count++;
        const cause = Object.assign(new Error(`getaddrinfo ${code} gong.example.com`), { code });
        return Promise.reject(new TypeError("fetch failed", { cause }));
      };
      const error = await testClient("https://gong.example.com", { fetch: fetchFn }).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GongUnreachableError);
      expect((error as GongUnreachableError).code).toBe(code);
      expect(count).toBe(calls);
    }
  });

  it("a connection closed after the request was read is ambiguous (GongConnectionError, retried for a GET), not unreachable", async () => {
    const server = await serve((req) => {
      req.socket.destroy();
    });
    const error = await testClient(server.url, { maxRetries: 2 }).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongConnectionError);
    expect(error).not.toBeInstanceOf(GongUnreachableError);
    expect(server.seen).toHaveLength(3);
  });
});

describe("a server that answers garbage", () => {
  it("a cursor that comes back (an earlier one) stops listUsers at once, naming the endpoint", async () => {
    const cursors = ["a", "b", "c", "a", "b", "c"];
    const server = await serve((_req, res, i) => {
      sendJson(res, 200, { requestId: `r${i}`, records: { cursor: cursors[i] }, users: [{ id: String(100 + i), emailAddress: `u${i}@example.com` }] });
    });
    const error = await listUsers(testClient(server.url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as Error).message).toContain("GET /v2/users: page 4 named a cursor already followed");
    expect(server.seen).toHaveLength(4);
  });

  it("errors[] with terminal escapes and newlines are kept printable", async () => {
    const server = await serve((_req, res) => {
      sendJson(res, 400, { requestId: "r\u001b]0;pwned\u0007", errors: ["bad\u001b[2J field\nsecond line\u202e"] });
    });
    const error = (await testClient(server.url).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e)) as GongApiError;
    expect(error.errors).toEqual(["bad\\u001b[2J field\\nsecond line\\u202e"]);
    expect(error.requestId).toBe("r\\u001b]0;pwned\\u0007");
    expect(Array.from(error.message).filter((c) => c.charCodeAt(0) < 0x20 || c === "\u202e")).toEqual([]);
  });

  it("a 2xx body that is not JSON is cut to 500 characters in the error, control characters escaped", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html>\u001b[31m${"x".repeat(5000)}</html>`);
    });
    const error = await testClient(server.url).request({ method: "GET", path: "/v2/workspaces" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    const message = (error as Error).message;
    expect(message).toContain("body is not JSON: <html>\\u001b[31mxxx");
    expect(message.length).toBeLessThan(700);
  });

  it("a malformed workspace is left out with a warning; the others are kept", async () => {
    const server = await serve((_req, res) => {
      sendJson(res, 200, { requestId: "w", workspaces: [{ id: "1", name: "Sales" }, { id: 2, name: ["x"] }, { id: "3", name: "EMEA" }] });
    });
    const warnings: string[] = [];
    const list = await listWorkspaces(testClient(server.url), { onWarning: (m) => warnings.push(m) });
    expect(list.map((w) => w.id)).toEqual(["1", "3"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^GET \/v2\/workspaces: left out a malformed record, workspaces\[1\] \(page 1, id 2\): name: /);
  });
});

describe("many malformed records", () => {
  it("names the first ten, then counts the rest in one warning", async () => {
    const server = await serve((_req, res) => {
      const users = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? { id: String(1000 + i), emailAddress: i } : { id: String(1000 + i), emailAddress: `u${i}@example.com` }));
      sendJson(res, 200, { requestId: "u", records: {}, users });
    });
    const warnings: string[] = [];
    const list = await listUsers(testClient(server.url), { onWarning: (m) => warnings.push(m) });
    expect(list).toHaveLength(15);
    expect(warnings).toHaveLength(11);
    expect(warnings[0]).toContain("users[0] (page 1, id 1000): emailAddress:");
    expect(warnings[10]).toBe("GET /v2/users: left out 5 more malformed records (15 in all)");
  });
});
