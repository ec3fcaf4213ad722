import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { wavHeader } from "../../sandbox/src/internal/wav.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongConnectionError, GongTimeoutError, type FetchLike } from "../src/index.js";
import { testClient } from "./helpers/client.js";
import { receiveSinglePart, sha256File } from "./helpers/multipart-receiver.js";
import { sendJson, scriptServerPerTest } from "./helpers/script-server.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gong-client-fetch-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = scriptServerPerTest();

describe("injected fetch", () => {
  it("sends JSON requests through a scripted fetch", async () => {
    const calls: { url: string; method: string | undefined }[] = [];
    const scripted: FetchLike = (url, init) => {
      calls.push({ url, method: init.method });
      const body = calls.length === 1 ? '{"errors":["busy"]}' : '{"requestId":"r","callId":12345678901234567890}';
      return Promise.resolve(new Response(body, { status: calls.length === 1 ? 503 : 200 }));
    };
    const out = await testClient("https://api.gong.io", { fetch: scripted }).request({ method: "GET", path: "/v2/calls/1" });
    expect(out).toEqual({ requestId: "r", callId: "12345678901234567890" });
    expect(calls).toEqual([
      { url: "https://api.gong.io/v2/calls/1", method: "GET" },
      { url: "https://api.gong.io/v2/calls/1", method: "GET" },
    ]);
  });

  it("maps a fetch failure to GongConnectionError", async () => {
    const failing: FetchLike = () => Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNRESET") }));
    const error = await testClient("https://api.gong.io", { fetch: failing, maxRetries: 0 })
      .request({ method: "GET", path: "/x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongConnectionError);
    expect((error as Error).message).toContain("ECONNRESET");
  });

  it("times out through the signal it passes to fetch", async () => {
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => {
          reject(new Error("aborted"));
        });
      });
    const error = await testClient("https://api.gong.io", { fetch: hanging, maxRetries: 0, timeoutMs: 50 })
      .request({ method: "GET", path: "/x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongTimeoutError);
  });

  it("streams uploads with the global fetch (duplex half), byte-exact", async () => {
    const file = join(dir, "call.wav");
    await writeFile(file, Buffer.concat([wavHeader(3 * 1024 * 1024 + 7 - 44, 8000), randomBytes(3 * 1024 * 1024 + 7 - 44)]));
    let sha = "";
    const s = await serve(async (req, res) => {
      sha = (await receiveSinglePart(req, join(dir, "fetch-body.bin"))).sha256;
      sendJson(res, 201, { requestId: "u", callId: "1", url: "x" });
    });
    let duplex: string | undefined;
    const spy: FetchLike = (url, init) => {
      duplex = init.duplex;
      return fetch(url, init);
    };
    const out = await testClient(s.url, { fetch: spy }).uploadMedia("1", file);
    expect(out.callId).toBe("1");
    expect(duplex).toBe("half");
    expect(sha).toBe(await sha256File(file));
    expect(s.seen[0]?.headers["content-length"]).toBeDefined();
  });
});
