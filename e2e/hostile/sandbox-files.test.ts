/**
 * The sandbox's files and fetches under hostile conditions, against real things: file modes on a real data dir,
 * downloadMediaUrl fetches from real local servers (SSRF forms and redirects), real aborted uploads counted in the
 * sandbox process's /proc/<pid>/fd, a real full disk (a 2 MB tmpfs mounted as the media dir), HEAD of media, hostile
 * ids and paths, and a 9 MB stored call's page.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxChild, type SandboxChild } from "../../bench/lib/sandbox.js";
import { MAX_DOWNLOAD_REDIRECTS, refusedAddressReason, vetHost } from "../../packages/sandbox/src/internal/downloads.js";
import { LANES_DRAWN } from "../../packages/sandbox/src/internal/page.js";
import { generateConversationWav, wavHeader } from "../../packages/sandbox/src/internal/wav.js";
import { startTestSandbox, withSandbox, type TestSandbox } from "../../test-support/sandbox.js";

const MB = 1024 * 1024;
const wav = generateConversationWav({ turns: 2, turnMs: 300 }).wav;
const root = mkdtempSync(join(tmpdir(), "hostile-sandbox-files-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = (): string => join(root, `data-${++dirs}`);
const modeOf = (path: string): number => statSync(path).mode & 0o777;
const partFiles = (dataDir: string): string[] => readdirSync(join(dataDir, "media")).filter((f) => f.endsWith(".part"));

async function newCall(sb: TestSandbox, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall(extra) });
  expect(res.status, res.text).toBe(200);
  return res.body.callId;
}

/** Polls `check` until it holds or `ms` pass; returns its last value (the assertion is the caller's). */
async function eventually<T>(check: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  let value = await check();
  while (!ok(value) && Date.now() < until) {
    await sleep(50);
    value = await check();
  }
  return value;
}

describe("data dir file modes", () => {
  it("a new data dir is 0700 with media/ 0700; sandbox.db, -wal, -shm and media files 0600", async () => {
    const dataDir = freshDir();
    const sb = await startTestSandbox({ dataDir });
    try {
      const id = await newCall(sb);
      expect((await sb.uploadMedia(id, wav, "a.wav")).status).toBe(201);
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, "media"))).toBe(0o700);
      for (const f of ["sandbox.db", "sandbox.db-wal", "sandbox.db-shm"]) expect(modeOf(join(dataDir, f)), f).toBe(0o600);
      const media = readdirSync(join(dataDir, "media"));
      expect(media).toHaveLength(1);
      expect(modeOf(join(dataDir, "media", media[0] ?? ""))).toBe(0o600);
    } finally {
      await sb.close();
    }
  });

  it("looser modes left by an older run are tightened at start-up", async () => {
    const dataDir = freshDir();
    const first = await startTestSandbox({ dataDir });
    const id = await newCall(first);
    expect((await first.uploadMedia(id, wav, "a.wav")).status).toBe(201);
    await first.close();
    const mediaFile = join(dataDir, "media", readdirSync(join(dataDir, "media"))[0] ?? "");
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, "media"), 0o777);
    chmodSync(join(dataDir, "sandbox.db"), 0o644);
    chmodSync(mediaFile, 0o644);
    for (const f of ["sandbox.db-wal", "sandbox.db-shm"]) if (existsSync(join(dataDir, f))) chmodSync(join(dataDir, f), 0o666);
    const second = await startTestSandbox({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, "media"))).toBe(0o700);
      expect(modeOf(mediaFile)).toBe(0o600);
      for (const f of ["sandbox.db", "sandbox.db-wal", "sandbox.db-shm"]) expect(modeOf(join(dataDir, f)), f).toBe(0o600);
      expect((await second.admin.call(id)).media.state).toBe("ready");
    } finally {
      await second.close();
    }
  });

  it("a directory that already held other files keeps its own mode; what the sandbox keeps in it is still 0700/0600", async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, "notes.txt"), "not the sandbox's");
    const sb = await startTestSandbox({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o755);
      expect(modeOf(join(dataDir, "media"))).toBe(0o700);
      expect(modeOf(join(dataDir, "sandbox.db"))).toBe(0o600);
    } finally {
      await sb.close();
    }
  });
});

describe("downloadMediaUrl: SSRF rules on every hop", () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      hits.push(url.pathname);
      if (url.pathname.startsWith("/ok")) {
        res.writeHead(200, { "content-type": "audio/wav", "content-length": String(wav.length) });
        res.end(wav);
      } else if (url.pathname.startsWith("/redirect")) {
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/ok" });
        res.end();
      } else if (url.pathname.startsWith("/loop")) {
        res.writeHead(307, { location: `/loop/${Number(url.pathname.split("/")[2] ?? "0") + 1}` });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("classifies addresses: only global unicast passes, loopback only when allowed, IPv4-mapped judged as IPv4", () => {
    const refused: [string, RegExp][] = [
      ["0.0.0.0", /unspecified/],
      ["::", /unspecified/],
      ["10.1.2.3", /private/],
      ["172.16.0.1", /private/],
      ["192.168.1.1", /private/],
      ["169.254.169.254", /linkLocal/],
      ["fe80::1", /linkLocal/],
      ["fd00::1", /uniqueLocal/],
      ["100.64.0.1", /carrierGradeNat/],
      ["224.0.0.1", /multicast/],
      ["ff02::1", /multicast/],
      ["255.255.255.255", /broadcast/],
      ["240.0.0.1", /reserved/],
      ["::ffff:10.0.0.1", /private/],
      ["::ffff:169.254.169.254", /linkLocal/],
      ["::ffff:0.0.0.0", /unspecified/],
      ["::7f00:1", /IPv4-compatible/],
      ["64:ff9b::a00:1", /rfc6052/],
      ["2002:a00:1::", /6to4/],
      ["198.18.0.1", /reserved/],
    ];
    for (const [address, reason] of refused) {
      expect(refusedAddressReason(address, true), address).toMatch(reason);
    }
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.8.9.10"]) {
      expect(refusedAddressReason(address, false), address).toMatch(/loopback/);
      expect(refusedAddressReason(address, true), address).toBeUndefined();
    }
    for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]) {
      expect(refusedAddressReason(address, false), address).toBeUndefined();
    }
  });

  it("resolves names before checking them: localhost is loopback", async () => {
    await expect(vetHost("localhost", false)).rejects.toThrow(/localhost \((127\.0\.0\.1|::1)\).*loopback/);
    await expect(vetHost("localhost", true)).resolves.toMatchObject({ family: expect.any(Number) as number });
    await expect(vetHost("no-such-host.invalid", true)).rejects.toThrow(/could not resolve/);
  });

  it("refuses every spelling of this host when the sandbox is not on loopback, and never connects", async () => {
    const sb = await startTestSandbox({ allowLoopbackDownloads: false });
    try {
      const spellings = [
        `http://127.0.0.1:${port}`,
        `http://0.0.0.0:${port}`,
        `http://0:${port}`,
        `http://[::ffff:127.0.0.1]:${port}`,
        `http://[::1]:${port}`,
        `http://[::]:${port}`,
        `http://2130706433:${port}`,
        `http://0x7f000001:${port}`,
        `http://0x7f.0.0.1:${port}`,
        `http://0177.0.0.1:${port}`,
        `http://127.1:${port}`,
        `http://localhost:${port}`,
      ];
      hits.length = 0;
      const ids: [string, string][] = [];
      for (const [i, origin] of spellings.entries()) ids.push([origin, await newCall(sb, { downloadMediaUrl: `${origin}/ok/${i}-${Date.now()}.wav` })]);
      await sb.admin.waitForDownloads();
      for (const [origin, id] of ids) {
        const call = await sb.admin.call(id);
        expect(call.media.state, origin).toBe("failed");
        expect(call.media.error, origin).toMatch(/refused to fetch from .*(loopback|unspecified)/);
      }
      expect(hits).toEqual([]);
      expect(partFiles(sb.dataDir)).toEqual([]);
    } finally {
      await sb.close();
    }
  });

  const sandbox = withSandbox(); // on 127.0.0.1: loopback media servers allowed

  it("re-checks every redirect: to 0.0.0.0, a private, link-local, unique-local or CGNAT address is refused", async () => {
    const sb = sandbox();
    const targets: [string, RegExp][] = [
      [`http://0.0.0.0:${port}/ok/a.wav`, /unspecified/],
      [`http://[::ffff:0:0]:${port}/ok/a.wav`, /unspecified/],
      ["http://169.254.169.254/latest/meta-data/", /linkLocal/],
      ["http://10.1.2.3/a.wav", /private/],
      ["http://192.168.0.10/a.wav", /private/],
      ["http://[fd00::1]/a.wav", /uniqueLocal/],
      ["http://100.64.0.1/a.wav", /carrierGradeNat/],
      ["http://[::ffff:10.0.0.1]/a.wav", /private/],
      ["ftp://example.com/a.wav", /unsupported scheme/],
    ];
    hits.length = 0;
    const ids: [string, string][] = [];
    for (const [i, [to]] of targets.entries()) {
      ids.push([to, await newCall(sb, { downloadMediaUrl: `http://127.0.0.1:${port}/redirect/${i}-${Date.now()}?to=${encodeURIComponent(to)}` })]);
    }
    await sb.admin.waitForDownloads();
    for (const [[to, reason], [, id]] of targets.map((t, i) => [t, ids[i] ?? ["", ""]] as const)) {
      const call = await sb.admin.call(id);
      expect(call.media.state, to).toBe("failed");
      expect(call.media.error, to).toMatch(reason);
    }
    // Only the redirecting hops reached the local server; no redirect target was connected to.
    expect(hits.every((h) => h.startsWith("/redirect/"))).toBe(true);
    expect(hits).toHaveLength(targets.length);
  });

  it(`follows up to ${MAX_DOWNLOAD_REDIRECTS} redirects (each checked), and gives up past that`, async () => {
    const sb = sandbox();
    const to = `/redirect/2?to=${encodeURIComponent(`http://localhost:${port}/ok/final.wav`)}`;
    const good = await newCall(sb, { downloadMediaUrl: `http://127.0.0.1:${port}/redirect/1-${Date.now()}?to=${encodeURIComponent(to)}` });
    hits.length = 0;
    const loop = await newCall(sb, { downloadMediaUrl: `http://127.0.0.1:${port}/loop/0?${Date.now()}` });
    await sb.admin.waitForDownloads();
    expect((await sb.admin.call(good)).media).toMatchObject({ state: "ready", size: wav.length, fileName: "final.wav" });
    const failed = await sb.admin.call(loop);
    expect(failed.media.state).toBe("failed");
    expect(failed.media.error).toMatch(`redirected more than ${MAX_DOWNLOAD_REDIRECTS} times`);
    expect(hits.filter((h) => h.startsWith("/loop/"))).toHaveLength(MAX_DOWNLOAD_REDIRECTS + 1);
  });

  it("a URL with a bad percent-escape is fetched and leaves no partial file", async () => {
    const sb = sandbox();
    const id = await newCall(sb, { downloadMediaUrl: `http://127.0.0.1:${port}/ok/${Date.now()}/%E0%A4%A.wav` });
    await sb.admin.waitForDownloads();
    expect((await sb.admin.call(id)).media).toMatchObject({ state: "ready", fileName: "%E0%A4%A.wav" });
    expect(partFiles(sb.dataDir)).toEqual([]);
  });
});

/** Sends the start of a multipart upload of `declared` bytes, `sent` of them for real, and returns the open socket. */
function startUpload(baseUrl: string, auth: string, callId: string, declared: number, sent: number): Promise<import("node:net").Socket> {
  const { hostname, port } = new URL(baseUrl);
  const boundary = "----hostile-boundary";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="mediaFile"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
  const body = Buffer.concat([head, wavHeader(declared, 8000), Buffer.alloc(sent, 1)]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `PUT /v2/calls/${callId}/media HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: ${auth}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${declared + head.length + 200}\r\n\r\n`,
      );
      socket.write(body, () => {
        resolve(socket);
      });
    });
    socket.on("error", reject);
  });
}

describe("aborted uploads leave nothing behind", () => {
  let child: SandboxChild | undefined;
  let dataDir = "";
  let auth = "";
  const fds = (): number => readdirSync(`/proc/${child?.pid ?? 0}/fd`).length;

  beforeAll(async () => {
    dataDir = freshDir();
    child = await startSandboxChild({ dataDir });
    auth = `Basic ${Buffer.from(`${child.accessKey}:${child.accessKeySecret}`).toString("base64")}`;
  });
  afterAll(async () => {
    await child?.close();
  });

  async function callId(): Promise<string> {
    if (child === undefined) throw new Error("no sandbox");
    const res = await fetch(`${child.baseUrl}/v2/calls`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({
        clientUniqueId: `abort-${Date.now()}-${Math.random()}`,
        actualStart: "2026-03-02T15:00:00Z",
        primaryUser: (await import("../../packages/sandbox/src/internal/seed.js")).SEED_USERS.host,
        direction: "Inbound",
        parties: [{ userId: (await import("../../packages/sandbox/src/internal/seed.js")).SEED_USERS.host, name: "Host" }],
      }),
    });
    return ((await res.json()) as { callId: string }).callId;
  }

  async function abortOne(id: string): Promise<void> {
    if (child === undefined) throw new Error("no sandbox");
    const before = new Set(partFiles(dataDir));
    const socket = await startUpload(child.baseUrl, auth, id, 4 * MB, 256 * 1024);
    // The sandbox has begun writing this upload once a new partial file exists.
    const started = await eventually(() => partFiles(dataDir).filter((f) => !before.has(f)), (f) => f.length > 0, 5000);
    expect(started).toHaveLength(1);
    socket.destroy();
  }

  it("100 clients that disconnect mid-upload leave no open descriptor and no partial file in the sandbox process", async () => {
    const id = await callId();
    for (let i = 0; i < 3; i++) await abortOne(id); // warm-up: modules and pools the first uploads load
    await eventually(() => partFiles(dataDir).length, (n) => n === 0);
    const baseline = await eventually(fds, () => true);
    for (let i = 0; i < 100; i++) await abortOne(id);
    const after = await eventually(fds, (n) => n <= baseline + 2);
    expect(after).toBeLessThanOrEqual(baseline + 2);
    expect(await eventually(() => partFiles(dataDir), (f) => f.length === 0)).toEqual([]);
    // and the sandbox still takes a whole upload
    const form = new FormData();
    form.append("mediaFile", new Blob([wav]), "ok.wav");
    const res = await fetch(`${child?.baseUrl ?? ""}/v2/calls/${id}/media`, { method: "PUT", headers: { authorization: auth }, body: form });
    expect(res.status).toBe(201);
  });
});

describe("uploads cleaned up on every other path", () => {
  it("a malformed body, a bad part and a second mediaFile leave no partial file", async () => {
    const sb = await startTestSandbox();
    try {
      const id = await newCall(sb);
      const url = `${sb.baseUrl}/v2/calls/${id}/media`;
      const boundary = "b0undary";
      const cut = `--${boundary}\r\nContent-Disposition: form-data; name="mediaFile"; filename="a.wav"\r\n\r\n${wav.toString("latin1")}`; // no closing boundary
      const res1 = await fetch(url, { method: "PUT", headers: { authorization: sb.basicAuth, "content-type": `multipart/form-data; boundary=${boundary}` }, body: Buffer.from(cut, "latin1") });
      expect(res1.status).toBe(400);
      const res2 = await fetch(url, { method: "PUT", headers: { authorization: sb.basicAuth, "content-type": "multipart/form-data; boundary=" }, body: "x" });
      expect(res2.status).toBe(400);
      const form = new FormData();
      form.append("mediaFile", new Blob([wav]), "one.wav");
      form.append("mediaFile", new Blob([wav]), "two.wav");
      const res3 = await fetch(url, { method: "PUT", headers: { authorization: sb.basicAuth }, body: form });
      expect(res3.status).toBe(201);
      expect(partFiles(sb.dataDir)).toEqual([]);
      expect(readdirSync(join(sb.dataDir, "media"))).toHaveLength(1);
    } finally {
      await sb.close();
    }
  });

  it("closing the sandbox mid-upload removes the partial file", async () => {
    const dataDir = freshDir();
    const sb = await startTestSandbox({ dataDir });
    const id = await newCall(sb);
    const socket = await startUpload(sb.baseUrl, sb.basicAuth, id, 4 * MB, 256 * 1024);
    socket.on("error", () => undefined);
    await eventually(() => partFiles(dataDir).length, (n) => n > 0, 5000);
    await sb.close();
    expect(await eventually(() => partFiles(dataDir), (f) => f.length === 0)).toEqual([]);
    socket.destroy();
  });

  it("partial files a killed run left behind are swept at start-up", async () => {
    const dataDir = freshDir();
    const first = await startTestSandbox({ dataDir });
    await first.close();
    const leftover = join(dataDir, "media", ".incoming-0123456789abcdef.part");
    const keep = join(dataDir, "media", "123-abcd.wav");
    writeFileSync(leftover, "partial");
    writeFileSync(keep, wav);
    const second = await startTestSandbox({ dataDir });
    try {
      expect(existsSync(leftover)).toBe(false);
      expect(existsSync(keep)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe("a full disk is the sandbox's failure: 507, partial file removed", () => {
  it("an upload larger than the free space of a 2 MB tmpfs media dir answers 507 in Gong's error shape", async () => {
    if (process.getuid?.() !== 0) throw new Error("this test mounts a tmpfs and must run as root (CI does)");
    const dataDir = freshDir();
    const mediaDir = join(dataDir, "media");
    mkdirSync(mediaDir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mediaDir]);
    try {
      const sb = await startTestSandbox({ dataDir });
      try {
        const id = await newCall(sb);
        const big = Buffer.concat([wavHeader(3 * MB, 8000), Buffer.alloc(3 * MB, 3)]);
        const res = await sb.uploadMedia(id, big, "big.wav");
        expect(res.status).toBe(507);
        const body = res.body as { requestId: string; errors: string[] };
        expect(typeof body.requestId).toBe("string");
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0]).toMatch(/sandbox's disk is full \(ENOSPC\)/);
        expect(await eventually(() => partFiles(dataDir), (f) => f.length === 0)).toEqual([]);
        expect((await sb.admin.call(id)).media.state).toBe("none");
        // The space came back: a small upload fits.
        expect((await sb.uploadMedia(id, wav, "small.wav")).status).toBe(201);
      } finally {
        await sb.close();
      }
    } finally {
      execFileSync("umount", [mediaDir]);
    }
  });
});

describe("media and page routes under hostile input", () => {
  const sandbox = withSandbox();

  it("HEAD of a media URL reports the real length and Accept-Ranges, for the whole file and a range", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    expect((await sb.uploadMedia(id, wav, "h.wav")).status).toBe(201);
    const head = await fetch(`${sb.baseUrl}/media/${id}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(wav.length));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("content-type")).toBe("audio/wav");
    const ranged = await fetch(`${sb.baseUrl}/media/${id}`, { method: "HEAD", headers: { range: "bytes=0-99" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-length")).toBe("100");
    expect(ranged.headers.get("content-range")).toBe(`bytes 0-99/${wav.length}`);
    const get = await fetch(`${sb.baseUrl}/media/${id}`);
    expect((await get.arrayBuffer()).byteLength).toBe(wav.length);
  });

  it("never answers 5xx to hostile ids and paths", async () => {
    const sb = sandbox();
    const paths = [
      "/call?id=../../x",
      "/call?id=..%2F..%2Fsandbox.db",
      `/call?id=${"9".repeat(8000)}`,
      "/call?id=%00",
      "/call?id=%E0%A4%A",
      "/call?id=1&id=2",
      "/call?id[]=1",
      "/call?id",
      "/call",
      "/media/..%2F..%2Fsandbox.db",
      "/media/%2e%2e%2fsandbox.db",
      "/media/%00",
      `/media/${"9".repeat(5000)}`,
      "/media/%E0%A4%A",
      "/media/",
      "/assets/..%2Fpage.css",
      "/assets/page.js%00",
    ];
    for (const path of paths) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetch(`${sb.baseUrl}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("a media file gone from disk is 404, not 500", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    expect((await sb.uploadMedia(id, wav, "gone.wav")).status).toBe(201);
    const file = readdirSync(join(sb.dataDir, "media")).find((f) => f.startsWith(id)) ?? "";
    rmSync(join(sb.dataDir, "media", file));
    expect((await fetch(`${sb.baseUrl}/media/${id}`)).status).toBe(404);
    expect((await fetch(`${sb.baseUrl}/call?id=${id}`)).status).toBe(200);
  });

  it("the page of a 9 MB call (2,000 parties, 150,000 segments) is drawn bounded, with notes on what was left out", async () => {
    const sb = sandbox();
    const parties: Record<string, unknown>[] = Array.from({ length: 2000 }, (_, i) => ({ name: `Speaker ${i}`, partyId: `p${i}` }));
    parties[0] = { userId: sb.users.host, name: "Host", partyId: "p0" };
    const speechSegments = Array.from({ length: 150_000 }, (_, i) => ({ fromTime: i * 20, toTime: i * 20 + 15, partyIds: [`p${i % 2000}`] }));
    const body = sb.validCall({ parties, speakersTimeline: { speechSegments } });
    expect(JSON.stringify(body).length).toBeGreaterThan(8 * MB);
    const created = await sb.api<{ callId: string }>("POST", "/v2/calls", { body });
    expect(created.status, created.text.slice(0, 500)).toBe(200);
    const res = await fetch(`${sb.baseUrl}/call?id=${created.body.callId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.length).toBeLessThan(2 * MB);
    const lanes = html.match(/<text x="0"/g)?.length ?? 0;
    expect(lanes).toBe(LANES_DRAWN);
    const bars = html.match(/<rect class="seg"/g)?.length ?? 0;
    expect(bars).toBeGreaterThan(LANES_DRAWN);
    expect(bars).toBeLessThanOrEqual(LANES_DRAWN * 340);
    expect(html).toContain("1,960 more parties with a partyId not drawn.");
    expect(html).toContain("1,800 more parties not shown.");
    expect((await fetch(`${sb.baseUrl}/`)).status).toBe(200);
  });
});
