import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AuthenticationError, BadRequestError, GongAbortError, GongConnectionError, GongResponseError, GongTimeoutError, InternalServerError, RateLimitError } from "../src/index.js";
import { createRateLimiter } from "../src/internal/rate-limiter.js";
import { testClient } from "./helpers/client.js";
import { readBody, sendJson, scriptServerPerTest } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

const okSchema = z.looseObject({ requestId: z.string(), callId: z.string() });

describe("GongClient.request over node:http", () => {
  it("sends Basic auth, JSON and accept headers, and parses the response", async () => {
    const s = await serve(async (req, res) => {
      const body = await readBody(req);
      sendJson(res, 200, `{"requestId":"r1","callId":7782342274025937895,"echo":${body.toString()}}`);
    });
    const result = await testClient(s.url).request({ method: "POST", path: "/v2/calls", body: { a: 1 }, schema: okSchema });
    expect(result.callId).toBe("7782342274025937895");
    expect(result.echo).toEqual({ a: 1 });
    const seen = s.seen[0];
    expect(seen?.method).toBe("POST");
    expect(seen?.url).toBe("/v2/calls");
    expect(seen?.headers.authorization).toBe(`Basic ${Buffer.from("test-key:zq-DISTINCTIVE-s3cret-9f1c7e").toString("base64")}`);
    expect(seen?.headers["content-type"]).toBe("application/json");
    expect(seen?.headers.accept).toBe("application/json");
  });

  it("sends a bearer token from a function, fresh for each attempt", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 500, { errors: ["boom"] });
      else sendJson(res, 200, {});
    });
    let n = 0;
    await testClient(s.url, { auth: { bearerToken: () => `tok-${++n}` } }).request({ method: "GET", path: "/v2/users" });
    expect(s.seen.map((r) => r.headers.authorization)).toEqual(["Bearer tok-1", "Bearer tok-2"]);
  });

  it("keeps the base URL's path prefix and adds the query", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, {});
    });
    await testClient(`${s.url}/prefix/`).request({ method: "GET", path: "/v2/calls", query: { fromDateTime: "2026-01-01T00:00:00Z", cursor: undefined } });
    expect(s.seen[0]?.url).toBe("/prefix/v2/calls?fromDateTime=2026-01-01T00%3A00%3A00Z");
  });

  it("retries a 429 after its Retry-After, then succeeds", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { requestId: "rl", errors: ["too many"] }, { "retry-after": "1" });
      else sendJson(res, 200, { requestId: "r", callId: "1" });
    });
    const started = Date.now();
    const out = await testClient(s.url).request({ method: "POST", path: "/v2/calls", body: {}, schema: okSchema });
    expect(out.callId).toBe("1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(s.seen).toHaveLength(2);
  });

  it("throws RateLimitError at once when Retry-After is beyond maxRetryAfterSeconds", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 429, { requestId: "q", errors: ["daily quota"] }, { "retry-after": "3600" });
    });
    const error = await testClient(s.url).request({ method: "GET", path: "/v2/users" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterSeconds).toBe(3600);
    expect(s.seen).toHaveLength(1);
  });

  it("retries a 500 then succeeds (safe mode)", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 500, { requestId: "e", errors: ["oops"] });
      else sendJson(res, 200, { ok: true });
    });
    expect(await testClient(s.url).request({ method: "GET", path: "/v2/users" })).toEqual({ ok: true });
    expect(s.seen).toHaveLength(2);
  });

  it("does not retry a 500 on POST (retry: never) and reports requestId and errors", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 500, { requestId: "req-500", errors: ["internal"] });
    });
    const error = await testClient(s.url).request({ method: "POST", path: "/v2/calls", body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).requestId).toBe("req-500");
    expect((error as InternalServerError).message).toContain("internal");
    expect(s.seen).toHaveLength(1);
  });

  it("does not retry 400 or 401", async () => {
    const s = await serve((req, res) => {
      sendJson(res, req.url === "/bad" ? 400 : 401, { requestId: "x", errors: ["no"] });
    });
    const client = testClient(s.url);
    await expect(client.request({ method: "GET", path: "/bad" })).rejects.toBeInstanceOf(BadRequestError);
    await expect(client.request({ method: "GET", path: "/auth" })).rejects.toBeInstanceOf(AuthenticationError);
    expect(s.seen).toHaveLength(2);
  });

  it("retries a connection reset, then succeeds", async () => {
    const s = await serve((req, res, i) => {
      if (i === 0) req.socket.destroy();
      else sendJson(res, 200, { ok: 1 });
    });
    expect(await testClient(s.url).request({ method: "GET", path: "/v2/users" })).toEqual({ ok: 1 });
    expect(s.seen).toHaveLength(2);
  });

  it("gives up on resets after maxRetries + 1 attempts with GongConnectionError", async () => {
    const s = await serve((req) => {
      req.socket.destroy();
    });
    const error = await testClient(s.url, { maxRetries: 2 }).request({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongConnectionError);
    expect((error as GongConnectionError).attempts).toBe(3);
    expect(s.seen).toHaveLength(3);
  });

  it("throws a reset on POST at once (retry: never)", async () => {
    const s = await serve((req) => {
      req.socket.destroy();
    });
    await expect(testClient(s.url).request({ method: "POST", path: "/v2/calls", body: {} })).rejects.toBeInstanceOf(GongConnectionError);
    expect(s.seen).toHaveLength(1);
  });

  it("times out a slow response with GongTimeoutError and retries it", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) {
        setTimeout(() => {
          if (!res.destroyed) sendJson(res, 200, { late: true });
        }, 2000);
      } else sendJson(res, 200, { late: false });
    });
    const started = Date.now();
    expect(await testClient(s.url, { timeoutMs: 150 }).request({ method: "GET", path: "/slow" })).toEqual({ late: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("throws GongTimeoutError when every attempt is slow", async () => {
    const s = await serve(() => {
      // never answers
    });
    const error = await testClient(s.url, { maxRetries: 1 })
      .request({ method: "GET", path: "/slow", timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongTimeoutError);
    expect(s.seen).toHaveLength(2);
  });

  it("aborts an in-flight request with GongAbortError", async () => {
    const s = await serve(() => {
      // never answers
    });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    const error = await testClient(s.url).request({ method: "GET", path: "/hang", signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongAbortError);
  });

  it("aborts while waiting for the rate limiter", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, {});
    });
    const client = testClient(s.url, { rateLimit: { perSecond: 1 } });
    await client.request({ method: "GET", path: "/a" });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 30);
    await expect(client.request({ method: "GET", path: "/b", signal: controller.signal })).rejects.toBeInstanceOf(GongAbortError);
    expect(s.seen).toHaveLength(1);
  });

  it("passes every attempt, retries included, through the limiter", async () => {
    const s = await serve((_req, res, i) => {
      if (i < 2) sendJson(res, 503, {});
      else sendJson(res, 200, {});
    });
    const limiter = createRateLimiter({ perSecond: 100 });
    let acquired = 0;
    const counting = {
      acquire: async (signal?: AbortSignal) => {
        acquired++;
        await limiter.acquire(signal);
      },
    };
    await testClient(s.url, { rateLimit: counting }).request({ method: "GET", path: "/x" });
    expect(acquired).toBe(3);
  });

  it("validates the response with the schema and names the problem", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, { requestId: "rid-7", callId: 5.5 });
    });
    const schema = z.looseObject({ requestId: z.string(), callId: z.string().regex(/^[0-9]+$/) });
    const error = await testClient(s.url).request({ method: "GET", path: "/x", schema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as GongResponseError).message).toContain("rid-7");
  });

  it("refuses a 2xx body that is not JSON", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>hello</html>");
    });
    await expect(testClient(s.url).request({ method: "GET", path: "/x" })).rejects.toBeInstanceOf(GongResponseError);
  });

  it("turns a non-JSON error body into errors[0]", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("Bad gateway from proxy");
    });
    const error = await testClient(s.url, { maxRetries: 0 }).request({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    expect((error as InternalServerError).errors).toEqual(["Bad gateway from proxy"]);
  });
});
