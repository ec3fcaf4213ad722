import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongAbortError, GongTimeoutError, InternalServerError, RateLimitError, ValidationError } from "../src/index.js";
import { wavHeader } from "../../sandbox/src/internal/wav.js";
import { addCallMedia } from "../src/actions/media.js";
import { testClient } from "./helpers/client.js";
import { receiveSinglePart, sha256File } from "./helpers/multipart-receiver.js";
import { readBody, sendJson, scriptServerPerTest, type Handler, type ScriptServer, startScriptServer } from "./helpers/script-server.js";

let dir = "";
let media = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gong-client-upload-"));
  media = join(dir, "Call récord 1.mp3");
  // An ID3v2.4 tag header, then random bytes: an MP3 as far as the container check goes.
  await writeFile(media, Buffer.concat([Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1"), randomBytes(6 * 1024 * 1024 + 113)]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = scriptServerPerTest();

function created(res: Parameters<Handler>[1]): void {
  sendJson(res, 201, { requestId: "up-1", callId: "7782342274025937895", url: "https://app.gong.io/call?id=7782342274025937895" });
}

describe("GongClient.uploadMedia", () => {
  it("streams a byte-exact multipart body with Content-Length, part mediaFile and the basename", async () => {
    let received: Awaited<ReturnType<typeof receiveSinglePart>> | undefined;
    const s = await serve(async (req, res, i) => {
      received = await receiveSinglePart(req, join(dir, `body-${i}.bin`));
      created(res);
    });
    const progress: [number, number][] = [];
    const out = await testClient(s.url).uploadMedia("7782342274025937895", media, { onProgress: (a, b) => progress.push([a, b]) });
    expect(out).toEqual({ requestId: "up-1", callId: "7782342274025937895", url: "https://app.gong.io/call?id=7782342274025937895" });
    const seen = s.seen[0];
    expect(seen?.method).toBe("PUT");
    expect(seen?.url).toBe("/v2/calls/7782342274025937895/media");
    expect(seen?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen?.headers["transfer-encoding"]).toBeUndefined();
    expect(Number(seen?.headers["content-length"])).toBe(received?.bodyBytes);
    expect(received?.headers).toContain('Content-Disposition: form-data; name="mediaFile"; filename="Call récord 1.mp3"');
    expect(received?.headers).toContain("Content-Type: audio/mpeg");
    expect(received?.sha256).toBe(await sha256File(media));
    expect(progress.at(-1)).toEqual([6 * 1024 * 1024 + 123, 6 * 1024 * 1024 + 123]);
    expect(progress.length).toBeGreaterThan(1);
  });

  it("re-opens the file and resends it after a 500", async () => {
    const hashes: string[] = [];
    const s = await serve(async (req, res, i) => {
      const part = await receiveSinglePart(req, join(dir, `retry-${i}.bin`));
      hashes.push(part.sha256);
      if (i === 0) sendJson(res, 500, { requestId: "e1", errors: ["try again"] });
      else created(res);
    });
    await testClient(s.url).uploadMedia("1", media);
    const expected = await sha256File(media);
    expect(hashes).toEqual([expected, expected]);
  });

  it("closes the connection when the server answers before reading the whole file", async () => {
    const closed: number[] = [];
    const s = await serve((req, res, i) => {
      req.socket.once("close", () => closed.push(i));
      if (i === 0) {
        sendJson(res, 500, { requestId: "early", errors: ["busy"] });
        return;
      }
      return readBody(req).then(() => {
        created(res);
      });
    });
    const started = Date.now();
    await testClient(s.url, { maxRetries: 1, retryBaseDelayMs: 10 }).uploadMedia("7782342274025937895", media);
    // The first connection, left half-sent, is closed by the client at once (not at the server's keep-alive timeout).
    await expect.poll(() => closed.includes(0), { timeout: 3000 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("retries at most 3 times", async () => {
    const s = await serve(async (req, res) => {
      await readBody(req);
      sendJson(res, 503, { errors: ["busy"] });
    });
    await expect(testClient(s.url, { maxRetries: 10 }).uploadMedia("1", media)).rejects.toBeInstanceOf(InternalServerError);
    expect(s.seen).toHaveLength(4);
  });

  it("retries a 429 like any request (5 attempts), not only 3 times", async () => {
    const s = await serve(async (req, res) => {
      await readBody(req);
      res.setHeader("retry-after", "0");
      sendJson(res, 429, { errors: ["slow down"] });
    });
    const error = await testClient(s.url, { maxRetries: 4 }).uploadMedia("1", media).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(s.seen).toHaveLength(5);
  });

  it("counts only 5xx, timeouts and resets against the 3 retries: 429, 503, 429, 503, 503 then 201 succeeds", async () => {
    const script = [429, 503, 429, 503, 503];
    const s = await serve(async (req, res, i) => {
      await readBody(req);
      const status = script[i];
      if (status === undefined) {
        created(res);
        return;
      }
      if (status === 429) res.setHeader("retry-after", "0");
      sendJson(res, status, { errors: ["try again"] });
    });
    const out = await testClient(s.url, { maxRetries: 10, retryBaseDelayMs: 10 }).uploadMedia("1", media);
    expect(out.requestId).toBe("up-1");
    expect(s.seen).toHaveLength(6);
  });

  it("fails with an idle timeout when the server stops reading", async () => {
    const s = await serve((req) => {
      req.pause();
    });
    const error = await testClient(s.url, { maxRetries: 0, uploadIdleTimeoutMs: 200 }).uploadMedia("1", media).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongTimeoutError);
    expect((error as GongTimeoutError).kind).toBe("idle");
  });

  it("aborts an upload in flight with GongAbortError", async () => {
    const controller = new AbortController();
    // Aborted once the server has the request and stopped reading: the upload is in flight, whatever the load.
    const s = await serve((req) => {
      req.pause();
      controller.abort();
    });
    const error = await testClient(s.url).uploadMedia("1", media, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongAbortError);
    expect(s.seen).toHaveLength(1);
  });

  it("addCallMedia sends any extension as application/octet-stream with allowAnyFormat", async () => {
    const odd = join(dir, "call.ogg");
    await writeFile(odd, "oggdata");
    let headers = "";
    const s = await serve(async (req, res, i) => {
      headers = (await receiveSinglePart(req, join(dir, `ogg-${i}.bin`))).headers;
      created(res);
    });
    await addCallMedia(testClient(s.url), { callId: "1", filePath: odd }, { allowAnyFormat: true });
    expect(headers).toContain("Content-Type: application/octet-stream");
  });

  it("sends what it is given: the client checks nothing (addCallMedia does), a path goes out with its extension's type", async () => {
    const text = join(dir, "not-audio.wav");
    await writeFile(text, "plain text, not a WAV file");
    let received: { headers: string; sha256: string } | undefined;
    const s = await serve(async (req, res, i) => {
      const part = await receiveSinglePart(req, join(dir, `as-given-${i}.bin`));
      received = { headers: part.headers, sha256: part.sha256 };
      created(res);
    });
    await testClient(s.url).uploadMedia("1", text);
    expect(received?.headers).toContain("Content-Type: audio/wav");
    expect(received?.sha256).toBe(await sha256File(text));
    // The same file through the action is refused before any request.
    const refused = await addCallMedia(testClient(s.url), { callId: "1", filePath: text }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(s.seen).toHaveLength(1);
  });

  describe("addCallMedia refuses before any request", () => {
    let s: ScriptServer;
    beforeAll(async () => {
      s = await startScriptServer((_req, res) => {
        created(res);
      });
    });
    afterAll(async () => {
      await s.close();
    });

    async function refusal(filePath: string, callId = "1"): Promise<ValidationError> {
      const error = await addCallMedia(testClient(s.url), { callId, filePath }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(s.seen).toHaveLength(0);
      return error as ValidationError;
    }

    it("a missing file", async () => {
      const error = await refusal(join(dir, "nope.mp3"));
      expect(error.issues[0]?.path).toBe("mediaFile");
      expect(error.issues[0]?.rule).toContain("not found");
    });

    it("a directory", async () => {
      const sub = join(dir, "folder.mp3");
      await mkdir(sub, { recursive: true });
      expect((await refusal(sub)).issues[0]?.rule).toContain("not a regular file");
    });

    it("an empty file", async () => {
      const empty = join(dir, "empty.wav");
      await writeFile(empty, "");
      expect((await refusal(empty)).issues[0]?.rule).toContain("empty");
    });

    it("a file over 1,500,000,000 bytes", async () => {
      const big = join(dir, "big.mp4");
      await writeFile(big, "");
      await truncate(big, 1_500_000_001);
      expect((await refusal(big)).issues[0]?.rule).toContain("1.5 GB");
    });

    it("an unsupported extension", async () => {
      const odd = join(dir, "notes.txt");
      await writeFile(odd, "x");
      expect((await refusal(odd)).issues[0]?.rule).toContain("unsupported");
    });

    it("a call id that is not a Gong id", async () => {
      expect((await refusal(media, "12a")).issues[0]?.path).toBe("callId");
    });
  });
});

describe("GongClient.uploadMedia, large files", () => {
  it("confirms the call with GET /v2/calls/{id} before resending a file over 100 MB", async () => {
    const big = join(dir, "large.wav");
    await writeFile(big, wavHeader(100_000_001 - 44, 8000));
    await truncate(big, 100_000_001);
    const s = await serve((req, res, i) => {
      if (req.method === "GET") {
        sendJson(res, 200, { requestId: "g", call: { id: "5" } });
        return;
      }
      res.setHeader("connection", "close");
      if (i === 0) sendJson(res, 500, { errors: ["flaky"] });
      else created(res);
      req.resume();
    });
    await testClient(s.url).uploadMedia("5", big);
    expect(s.seen.map((r) => `${r.method} ${r.url}`)).toEqual(["PUT /v2/calls/5/media", "GET /v2/calls/5", "PUT /v2/calls/5/media"]);
  });

  it("resends a file over 100 MB after a 429 without the confirming GET (a 429 processed nothing)", async () => {
    const big = join(dir, "large.wav");
    await writeFile(big, wavHeader(100_000_001 - 44, 8000));
    await truncate(big, 100_000_001);
    const s = await serve((req, res, i) => {
      res.setHeader("connection", "close");
      if (i === 0) {
        res.setHeader("retry-after", "0");
        sendJson(res, 429, { requestId: "r", errors: ["slow down"] });
      } else created(res);
      req.resume();
    });
    await testClient(s.url).uploadMedia("5", big);
    expect(s.seen.map((r) => `${r.method} ${r.url}`)).toEqual(["PUT /v2/calls/5/media", "PUT /v2/calls/5/media"]);
  });
});
