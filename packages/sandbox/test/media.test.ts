import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConversationWav } from "../src/internal/wav.js";
import { startTestSandbox, withSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const wav = generateConversationWav({ turns: 2, turnMs: 300 }).wav;
const sandbox = withSandbox({ maxMediaBytes: 64 * 1024 });

async function newCall(sb: TestSandbox, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall(extra) });
  expect(res.status).toBe(200);
  return res.body.callId;
}

async function partFiles(sb: TestSandbox): Promise<string[]> {
  return (await readdir(join(sb.dataDir, "media"))).filter((f) => f.endsWith(".part"));
}

describe("PUT /v2/calls/{id}/media", () => {
  it("201 with {requestId, callId, url}; sha256 and size recorded; the media route serves the same bytes", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    const res = await sb.uploadMedia(id, wav, "call.wav");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ callId: id, url: `${sb.baseUrl}/call?id=${id}` });
    expect(typeof (res.body as { requestId: string }).requestId).toBe("string");
    const call = await sb.admin.call(id);
    expect(call.media).toMatchObject({ state: "ready", source: "upload", size: wav.length, sha256: sha256(wav), format: "wav", contentType: "audio/wav", fileName: "call.wav" });
    const served = new Uint8Array(await (await fetch(`${sb.baseUrl}/media/${id}`)).arrayBuffer());
    expect(sha256(served)).toBe(sha256(wav));
    const basic = await sb.api<{ call: { media?: string } }>("GET", `/v2/calls/${id}`);
    expect(basic.body.call.media).toBe("Audio");
  });

  it("a repeat PUT replaces the media (201)", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    expect((await sb.uploadMedia(id, wav, "a.wav")).status).toBe(201);
    const other = generateConversationWav({ turns: 3, turnMs: 200 }).wav;
    expect((await sb.uploadMedia(id, other, "b.wav")).status).toBe(201);
    const call = await sb.admin.call(id);
    expect(call.media.sha256).toBe(sha256(other));
    const files = (await readdir(join(sb.dataDir, "media"))).filter((f) => f.startsWith(id));
    expect(files).toHaveLength(1);
  });

  it("404 for an unknown call, 409 for a call created with downloadMediaUrl", async () => {
    const sb = sandbox();
    expect((await sb.uploadMedia("1234567890123456789", wav, "a.wav")).status).toBe(404);
    const id = await newCall(sb, { downloadMediaUrl: `http://127.0.0.1:9/never-${Date.now()}.wav` });
    const res = await sb.uploadMedia(id, wav, "a.wav");
    expect(res.status).toBe(409);
    expect((res.body as { errors: string[] }).errors).toHaveLength(1);
  });

  it("400 for an empty file, a missing part, an extension not in the list, content that is not media, or a name/content mismatch", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    const cases: [Uint8Array, string, string | undefined, RegExp][] = [
      [new Uint8Array(0), "a.wav", undefined, /empty/],
      [wav, "a.wav", "otherField", /missing/],
      [wav, "notes.txt", undefined, /must end in/],
      [new TextEncoder().encode("just some text, not audio at all"), "fake.mp3", undefined, /not a supported media format/],
      [wav, "looks-like.flac", undefined, /FLAC but the content is WAV/],
    ];
    for (const [data, name, field, message] of cases) {
      const res = await sb.uploadMedia(id, data, name, field === undefined ? {} : { field });
      expect(res.status, name).toBe(400);
      const body = res.body as { requestId: string; errors: string[] };
      expect(body.errors.join(" ")).toMatch(message);
      expect(typeof body.requestId).toBe("string");
    }
    expect((await sb.admin.call(id)).media.state).toBe("none");
    expect(await partFiles(sb)).toEqual([]);
  });

  it("400 for a body that is not multipart", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    const res = await sb.api("PUT", `/v2/calls/${id}/media`, { body: "abc", headers: { "content-type": "application/octet-stream" } });
    expect(res.status).toBe(400);
  });

  it("refuses a file over the limit while streaming, in Gong's error format, and removes the partial file", async () => {
    const sb = sandbox(); // limit 64 KiB here
    const id = await newCall(sb);
    const big = Buffer.concat([wav, Buffer.alloc(80 * 1024, 7)]);
    const res = await sb.uploadMedia(id, big, "big.wav");
    expect(res.status).toBe(400);
    expect((res.body as { errors: string[] }).errors[0]).toMatch(/exceeds the limit of 65,536 bytes/);
    expect(await partFiles(sb)).toEqual([]);
    expect((await sb.admin.call(id)).media.state).toBe("none");
    // exactly at the limit is fine
    const exact = Buffer.concat([wav, Buffer.alloc(64 * 1024 - wav.length, 0)]);
    expect((await sb.uploadMedia(id, exact, "exact.wav")).status).toBe(201);
  });
});

describe("GET /media/{id} (player route)", () => {
  it("supports HTTP Range: 206 with Content-Range; 416 when unsatisfiable", async () => {
    const sb = sandbox();
    const id = await newCall(sb);
    await sb.uploadMedia(id, wav, "r.wav");
    const part = await fetch(`${sb.baseUrl}/media/${id}`, { headers: { range: "bytes=4-11" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 4-11/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(wav.subarray(4, 12));
    const tail = await fetch(`${sb.baseUrl}/media/${id}`, { headers: { range: "bytes=-4" } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(wav.subarray(wav.length - 4));
    const open = await fetch(`${sb.baseUrl}/media/${id}`, { headers: { range: "bytes=10-" } });
    expect(open.headers.get("content-range")).toBe(`bytes 10-${wav.length - 1}/${wav.length}`);
    const bad = await fetch(`${sb.baseUrl}/media/${id}`, { headers: { range: `bytes=${wav.length + 5}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get("content-range")).toBe(`bytes */${wav.length}`);
    const whole = await fetch(`${sb.baseUrl}/media/${id}`);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-type")).toBe("audio/wav");
  });
});

describe("downloadMediaUrl", () => {
  let server: Server;
  let origin = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? "";
      if (url.startsWith("/ok")) {
        res.writeHead(200, { "content-type": "audio/wav", "content-length": String(wav.length) });
        res.end(wav);
      } else if (url.startsWith("/octet")) {
        res.writeHead(200, { "content-type": "application/octet-stream; format=wav" });
        res.end(wav);
      } else if (url.startsWith("/html")) {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html></html>");
      } else if (url.startsWith("/huge")) {
        res.writeHead(200, { "content-type": "audio/wav", "content-length": String(10 * 1024 * 1024) });
        res.end();
      } else if (url.startsWith("/noise")) {
        res.writeHead(200, { "content-type": "audio/mpeg" });
        res.end("definitely not audio bytes");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("fetches the URL in the background and stores it like an upload", async () => {
    const sb = sandbox();
    const id = await newCall(sb, { downloadMediaUrl: `${origin}/ok/${Date.now()}.wav` });
    await sb.admin.waitForDownloads();
    const call = await sb.admin.call(id);
    expect(call.media).toMatchObject({ state: "ready", source: "download", sha256: sha256(wav), size: wav.length, format: "wav" });
    const page = await (await fetch(`${sb.baseUrl}/call?id=${id}`)).text();
    expect(page).toContain("Downloaded");
  });

  it("accepts octet-stream naming the format", async () => {
    const sb = sandbox();
    const id = await newCall(sb, { downloadMediaUrl: `${origin}/octet/${Date.now()}` });
    await sb.admin.waitForDownloads();
    expect((await sb.admin.call(id)).media.state).toBe("ready");
  });

  it("records a failed fetch (bad status, content type, size, content) and the call page shows it", async () => {
    const sb = sandbox();
    const cases: [string, RegExp][] = [
      ["/missing", /HTTP 404/],
      ["/html", /Content-Type/],
      ["/huge", /exceeds the limit/],
      ["/noise", /not a supported media format/],
    ];
    for (const [path, reason] of cases) {
      const id = await newCall(sb, { downloadMediaUrl: `${origin}${path}/${Date.now()}` });
      await sb.admin.waitForDownloads();
      const call = await sb.admin.call(id);
      expect(call.media.state, path).toBe("failed");
      expect(call.media.error).toMatch(reason);
      const page = await (await fetch(`${sb.baseUrl}/call?id=${id}`)).text();
      expect(page).toContain("Download failed");
    }
    expect(await partFiles(sb)).toEqual([]);
  });

  it("400 when the URL is reused by another call", async () => {
    const sb = sandbox();
    const url = `${origin}/ok/unique-${Date.now()}.wav`;
    await newCall(sb, { downloadMediaUrl: url });
    const res = await sb.api<{ errors: string[] }>("POST", "/v2/calls", { body: sb.validCall({ downloadMediaUrl: url }) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/downloadMediaUrl/);
    await sb.admin.waitForDownloads();
  });

  it("refuses loopback URLs when the sandbox does not listen on loopback", async () => {
    const sb = await startTestSandbox({ allowLoopbackDownloads: false });
    try {
      const id = await newCall(sb, { downloadMediaUrl: `${origin}/ok/${Date.now()}.wav` });
      await sb.admin.waitForDownloads();
      const call = await sb.admin.call(id);
      expect(call.media.state).toBe("failed");
      expect(call.media.error).toMatch(/loopback/);
    } finally {
      await sb.close();
    }
  });
});
