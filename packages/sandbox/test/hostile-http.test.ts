/**
 * Fuzzes the sandbox's HTTP surface over raw TCP: paths in any encoding or with dot segments, any method, odd and
 * huge headers, bad Authorization forms, hostile bodies. Properties: nothing from Gong's API or the admin API
 * without valid credentials, never a 5xx, the server keeps answering, no stray files in its data dir.
 */
import fc from "fast-check";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rawSend, type RawResponse } from "../../../test-support/raw-http.js";
import { withSandbox } from "../../../test-support/sandbox.js";

// Failures are counted per address; the fuzz sends hundreds of bad credentials, so the limit is off here
// (test/sandbox/auth-rate.test.ts covers it).
const sandbox = withSandbox({ authFailureLimit: 0 });

const ID = "1234567890123456789";
/** Each route with the method it answers (the fuzz uses it most of the time, else any method). */
const ROUTES: [string, string][] = [
  ["GET", "/v2/users"],
  ["GET", "/v2/users?includeAvatars=true"],
  ["GET", "/v2/workspaces"],
  ["POST", "/v2/calls"],
  ["GET", "/v2/calls?fromDateTime=2020-01-01T00:00:00Z&toDateTime=2030-01-01T00:00:00Z"],
  ["POST", "/v2/calls/extensive"],
  ["GET", `/v2/calls/${ID}`],
  ["PUT", `/v2/calls/${ID}/media`],
  ["GET", "/__sandbox/info"],
  ["GET", "/__sandbox/calls"],
  ["GET", `/__sandbox/calls/${ID}`],
  ["PUT", "/__sandbox/settings"],
  ["PUT", "/__sandbox/faults"],
  ["DELETE", "/__sandbox/faults"],
  ["GET", "/__sandbox/requests"],
  ["PATCH", `/__sandbox/users/${ID}`],
  ["GET", "/"],
  ["GET", `/call?id=${ID}`],
  ["GET", `/media/${ID}`],
];

/** A long generated text that prints as its short description in a counterexample. */
function described(text: string, description: string): string {
  return Object.assign(new String(text), { [fc.toStringMethod]: () => description }) as unknown as string;
}

const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`;

type Mutation =
  | { kind: "encode"; at: number; upper: boolean }
  | { kind: "insert"; at: number; text: string }
  | { kind: "upper" | "trailing" | "absolute" | "double-start" };

/** One way of spelling a path: encodings, dot segments, slashes, case, matrix parameters, absolute form. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("encode" as const), at: fc.nat(), upper: fc.boolean() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.constantFrom("/.", "/..", "/./", "/../", "//", "%2F", "%2f", "%2e", "%2E%2E/", ";", ";x=1", "%00", "%", "%zz", "\\", "%5C", "~", "é", "%C3%A9", "%ff", "?", "#", "*"),
  }),
  fc.record({ kind: fc.constantFrom("upper" as const, "trailing" as const, "absolute" as const, "double-start" as const) }),
);

function mutate(path: string, mutations: Mutation[], origin: string): string {
  let p = path;
  for (const m of mutations) {
    if (m.kind === "encode") {
      const i = p.length === 0 ? 0 : m.at % p.length;
      const c = p[i] ?? "";
      if (/[A-Za-z0-9_.~-]/.test(c)) p = p.slice(0, i) + (m.upper ? hex(c).toUpperCase() : hex(c)) + p.slice(i + 1);
    } else if (m.kind === "insert") {
      const i = p.length === 0 ? 0 : (m.at % p.length) + 1;
      p = p.slice(0, i) + m.text + p.slice(i);
    } else if (m.kind === "upper") p = p.toUpperCase();
    else if (m.kind === "trailing") p = `${p}/`;
    else if (m.kind === "double-start") p = `/${p}`;
    else p = `${origin}${p}`;
  }
  return p;
}

/** Authorization headers that are all wrong (the real credentials are 144+ random bits; these never guess them). */
function badAuthorization(sb: ReturnType<typeof sandbox>) {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return fc.oneof(
    fc.constant<string[]>([]),
    fc.constantFrom(
      [""],
      ["Basic"],
      ["Basic "],
      ["Basic !!!not-base64!!!"],
      [`Basic ${b64("no-colon-at-all")}`],
      [`Basic ${b64(sb.accessKey)}`],
      [`Basic ${b64(`${sb.accessKey}:`)}`],
      [`Basic ${b64(`${sb.accessKey}:${sb.accessKeySecret.slice(1)}`)}`],
      [`Basic ${b64(`${sb.accessKey}:${sb.accessKeySecret}x`)}`],
      [`Basic ${b64(`:${sb.accessKeySecret}`)}`],
      [`Basic ${b64(`${sb.accessKeySecret}:${sb.accessKey}`)}`],
      [`Basic ${b64(`${sb.accessKey}:${sb.accessKeySecret}`)}=!`],
      [`Basic ${b64(`${sb.accessKey}:${sb.accessKeySecret}`).slice(0, -2)}`],
      ["Bearer"],
      ["Bearer "],
      [`Bearer ${sb.bearerToken.slice(0, -1)}`],
      [`Bearer ${sb.bearerToken} extra`],
      [`Bearer ${sb.bearerToken.slice(0, 5)} ${sb.bearerToken.slice(5)}`],
      [`Bearer ${sb.adminToken}x`],
      [`Basic ${b64(`admin:${sb.adminToken}`)}`],
      [`Digest ${sb.accessKeySecret}`],
      [sb.bearerToken],
      [`Bearer ${sb.adminToken.slice(1)}`],
    ),
    fc.string({ maxLength: 200 }).map((s) => [`Bearer ${s.replace(/[\r\n]/g, "")}`]),
    fc.string({ maxLength: 200 }).map((s) => [`Basic ${b64(s)}`]),
    fc.nat({ max: 40_000 }).map((n) => [`Bearer ${"a".repeat(n)}`]),
    fc.array(fc.constantFrom("Basic x", "Bearer y", "", "Basic"), { minLength: 2, maxLength: 4 }),
  );
}

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/).filter((n) => !/^(host|authorization|content-length|transfer-encoding|connection|expect)$/i.test(n));
const headerValue = fc.oneof(
  fc.string({ maxLength: 100 }).map((s) => s.replace(/[\r\n]/g, "")),
  fc.nat({ max: 20_000 }).map((n) => "v".repeat(n)),
  fc.constantFrom("\u0001", "é", "application/json", "multipart/form-data; boundary=x", "bytes=0-", "100-continue", "chunked"),
);

const body = fc.oneof(
  fc.constant<Buffer | undefined>(undefined),
  fc.json({ maxDepth: 6 }).map((s) => Buffer.from(s)),
  fc.string({ maxLength: 500 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
  fc.nat({ max: 20_000 }).map((n) => Buffer.from(`${"[".repeat(n)}${"]".repeat(n)}`)),
  fc.nat({ max: 20_000 }).map((n) => Buffer.from(`{"a":${"{".repeat(n)}`)),
  fc.constantFrom(
    Buffer.from('{"__proto__":{"isAdmin":true}}'),
    Buffer.from('{"constructor":{"prototype":{"x":1}}}'),
    Buffer.from(`{"n":${"9".repeat(5000)}}`),
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from("--x\r\nContent-Disposition: form-data; name=\"mediaFile\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--x--\r\n"),
  ),
);

const contentType = fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data; boundary=x", "multipart/form-data", "application/octet-stream", "", ";;", "application/json; charset=latin9");

const otherMethod = fc.oneof(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"), fc.stringMatching(/^[A-Z]{1,12}$/));
/** A route and a method: the route's own method most of the time. */
const routeAndMethod = fc
  .tuple(fc.constantFrom(...ROUTES), fc.option(otherMethod, { freq: 4 }))
  .map(([[own, path], other]) => ({ method: other ?? own, path }));

function buildRequest(m: string, target: string, host: string, headers: [string, string][], b: Buffer | undefined): Buffer {
  let head = `${m} ${target} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
  if (b !== undefined) head += `Content-Length: ${b.length}\r\n`;
  head += "Connection: close\r\n\r\n";
  return Buffer.concat([Buffer.from(head, "utf8"), b ?? Buffer.alloc(0)]);
}

/** What a response with valid credentials would carry: JSON with a requestId (pages are HTML, media is audio). */
function looksLikeApiSuccess(res: RawResponse): boolean {
  return res.status >= 200 && res.status < 300 && (/json/i.test(res.headers["content-type"] ?? "") || res.body.includes('"requestId"'));
}

/** Partial upload files in the media dir once in-flight writes have had up to 3 s to finish and be removed. */
async function leftoverPartials(dir: string): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const partial = (await readdir(join(dir, "media"))).filter((n) => n.endsWith(".part") || n.startsWith(".incoming"));
    if (partial.length === 0 || Date.now() > deadline) return partial;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stillServes(sb: ReturnType<typeof sandbox>): Promise<void> {
  const res = await sb.api("GET", "/v2/workspaces");
  expect(res.status).toBe(200);
}

describe("hostile HTTP (fast-check, raw TCP)", () => {
  it("without valid credentials nothing of the API or admin API is answered 2xx, nothing is 5xx, the server keeps serving", async () => {
    const sb = sandbox();
    const host = new URL(sb.baseUrl).host;
    await fc.assert(
      fc.asyncProperty(
        routeAndMethod,
        fc.array(mutation, { maxLength: 4 }),
        badAuthorization(sb),
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
        contentType,
        body,
        async ({ method: m, path }, mutations, auth, extra, ct, b) => {
          const target = mutate(path, mutations, sb.baseUrl);
          const headers: [string, string][] = [...auth.map((a): [string, string] => ["Authorization", a]), ...extra];
          if (ct !== undefined) headers.push(["Content-Type", ct]);
          const res = await rawSend(sb.baseUrl, buildRequest(m, target, host, headers, b));
          const what = `${m} ${target.slice(0, 200)} auth=${JSON.stringify(auth).slice(0, 80)} → ${res.status} ${res.body.slice(0, 200)}`;
          expect(res.status, what).toBeGreaterThanOrEqual(200);
          expect(res.status, what).toBeLessThan(500);
          expect(looksLikeApiSuccess(res), what).toBe(false);
          expect(res.body, what).not.toContain(sb.accessKeySecret);
          expect(res.body, what).not.toMatch(/\n\s+at .*:\d+:\d+/);
        },
      ),
      { numRuns: 250 },
    );
    await stillServes(sb);
  });

  it("with the right credentials, any spelling of an API path reaches its route or no route; nothing is a 5xx", async () => {
    const sb = sandbox();
    const host = new URL(sb.baseUrl).host;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v2/users", "/v2/workspaces", `/v2/calls/${ID}`), fc.array(mutation, { maxLength: 3 }), async (route, mutations) => {
        const target = mutate(route, mutations, sb.baseUrl);
        const canonical = await rawSend(sb.baseUrl, buildRequest("GET", route, host, [["Authorization", sb.basicAuth]], undefined));
        const withAuth = await rawSend(sb.baseUrl, buildRequest("GET", target, host, [["Authorization", sb.basicAuth]], undefined));
        const without = await rawSend(sb.baseUrl, buildRequest("GET", target, host, [], undefined));
        const what = `${target} → ${withAuth.status} / ${without.status}`;
        expect(withAuth.status, what).toBeLessThan(500);
        expect(without.status, what).toBeLessThan(500);
        // reaching the canonical path's route (the same JSON answer with credentials) means being refused without them
        const keys = (r: RawResponse) => (/json/.test(r.headers["content-type"] ?? "") ? Object.keys(JSON.parse(r.body) as object).sort().join() : "");
        if (withAuth.status === canonical.status && keys(withAuth) === keys(canonical) && keys(canonical) !== "requestId,errors".split(",").sort().join()) {
          expect([401, 403], what).toContain(without.status);
        }
        expect(looksLikeApiSuccess(without), what).toBe(false);
      }),
      { numRuns: 120 },
    );
    await stillServes(sb);
  });

  it("with the right credentials, a call with hostile JSON in any field is a 2xx or a 400, never a 5xx", async () => {
    const sb = sandbox();
    const host = new URL(sb.baseUrl).host;
    const hostileJson = fc.oneof(
      fc.json({ maxDepth: 8 }),
      fc.nat({ max: 30_000 }).map((n) => described(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`, `objects nested ${n} deep`)),
      fc.nat({ max: 30_000 }).map((n) => described(`${"[".repeat(n)}${"]".repeat(n)}`, `arrays nested ${n} deep`)),
      fc.constantFrom("1e400", "-0", `"${"\\u0000".repeat(100)}"`, '"\\ud800"', "9".repeat(400), '{"__proto__":{"x":1}}'),
    );
    const field = fc.constantFrom("title", "parties", "context", "speakersTimeline", "flowContext", "customData", "duration", "actualStart", "primaryUser", "direction", "unknownField", "__proto__", "constructor");
    await fc.assert(
      fc.asyncProperty(field, hostileJson, async (name, value) => {
        const base = JSON.stringify(sb.validCall()).slice(0, -1);
        const b = Buffer.from(`${base},"${name}":${value}}`);
        const res = await rawSend(sb.baseUrl, buildRequest("POST", "/v2/calls", host, [["Authorization", sb.basicAuth], ["Content-Type", "application/json"]], b));
        expect([200, 400], `${name}=${value.slice(0, 80)} → ${res.status} ${res.body.slice(0, 200)}`).toContain(res.status);
      }),
      { numRuns: 80 },
    );
    await stillServes(sb);
  });

  it("with the right credentials, hostile multipart uploads to a real call are 201 or 400, never a 5xx, and leave no partial file", async () => {
    const sb = sandbox();
    const host = new URL(sb.baseUrl).host;
    const created = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall() });
    expect(created.status).toBe(200);
    const wavHead = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WAVEfmt ")]);
    const part = fc.record({
      field: fc.constantFrom("mediaFile", "file", "", "mediaFile\u0000", "MEDIAFILE"),
      filename: fc.constantFrom("a.wav", "a.txt", "", "../../etc/passwd.wav", "a".repeat(300) + ".wav", "a.wav\"", "é.mp3"),
      content: fc.oneof(fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)), fc.constant(wavHead), fc.constant(Buffer.alloc(0))),
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 2 }),
    });
    const upload = fc.record({
      boundary: fc.constantFrom("x", "----b", "a".repeat(80), "", "b\"q"),
      declared: fc.constantFrom("same", "other", "none", "quoted"),
      parts: fc.array(part, { maxLength: 3 }),
      truncateAt: fc.option(fc.nat(), { freq: 3 }),
      trailer: fc.constantFrom("--\r\n", "", "--", "\r\n"),
    });
    await fc.assert(
      fc.asyncProperty(upload, async ({ boundary, declared, parts, truncateAt, trailer }) => {
        const chunks: Buffer[] = [];
        for (const p of parts) {
          let h = `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"; filename="${p.filename}"\r\n`;
          for (const [n, v] of p.headers) h += `${n}: ${v}\r\n`;
          chunks.push(Buffer.from(`${h}\r\n`), p.content, Buffer.from("\r\n"));
        }
        chunks.push(Buffer.from(`--${boundary}${trailer}`));
        let b = Buffer.concat(chunks);
        if (truncateAt !== null) b = b.subarray(0, truncateAt % (b.length + 1));
        const ct =
          declared === "none" ? "multipart/form-data" : declared === "other" ? "multipart/form-data; boundary=zzz" : declared === "quoted" ? `multipart/form-data; boundary="${boundary}"` : `multipart/form-data; boundary=${boundary}`;
        const res = await rawSend(sb.baseUrl, buildRequest("PUT", `/v2/calls/${created.body.callId}/media`, host, [["Authorization", sb.basicAuth], ["Content-Type", ct]], b));
        expect([201, 400], `${ct} ${b.length} bytes → ${res.status} ${res.body.slice(0, 200)}`).toContain(res.status);
      }),
      { numRuns: 80 },
    );
    await stillServes(sb);
    expect(await leftoverPartials(sb.dataDir)).toEqual([]);
  });

  it("odd Host headers never reach the API or pages", async () => {
    const sb = sandbox();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.domain(),
          fc.ipV4().map((ip) => (ip.startsWith("127.") ? `${ip}.evil` : ip)),
          fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, "")),
          fc.webAuthority().filter((a) => !/^(localhost|127\.0\.0\.1|\[::1\])(:|$)/i.test(a)),
        ),
        fc.constantFrom("/", "/v2/workspaces", "/__sandbox/info"),
        async (hostHeader, target) => {
          const res = await rawSend(sb.baseUrl, buildRequest("GET", target, hostHeader, [["Authorization", target.startsWith("/__") ? `Bearer ${sb.adminToken}` : sb.basicAuth]], undefined));
          expect([400, 421], `${hostHeader} ${target} → ${res.status}`).toContain(res.status);
        },
      ),
      { numRuns: 120 },
    );
    await stillServes(sb);
  });

  it("leaves no file in the data dir beyond the database and media/ (only stored media in it)", async () => {
    const sb = sandbox();
    const names = (await readdir(sb.dataDir)).sort();
    const known = new Set(["sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "sandbox.db-journal", "media"]);
    expect(names.filter((n) => !known.has(n)), names.join(", ")).toEqual([]);
    expect(await leftoverPartials(sb.dataDir)).toEqual([]);
    const stored = new Set((await sb.admin.calls()).map((c) => c.id));
    const media = await readdir(join(sb.dataDir, "media"));
    // stored media are named <callId>-<random>.<format>, one per call (a repeated upload replaces the file)
    const owners = media.map((n) => /^(\d{19})-[0-9a-f]+\.[a-z0-9]+$/.exec(n)?.[1] ?? "");
    expect(media.filter((_n, i) => !stored.has(owners[i] ?? "")), media.join(", ")).toEqual([]);
    expect(new Set(owners).size, media.join(", ")).toBe(owners.length);
  });
});
