import { describe, expect, it } from "vitest";
import { GongClient, ValidationError, clientFromEnv } from "../src/index.js";
import { DEFAULTS, clientOptionsFromEnv, normalizeClientOptions } from "../src/options.js";
import { testClient } from "./helpers/client.js";
import { sendJson, startScriptServer } from "./helpers/script-server.js";

const auth = { accessKey: "key", accessKeySecret: "secret" };

describe("normalizeClientOptions", () => {
  it("fills the defaults", () => {
    const o = normalizeClientOptions({ auth });
    expect(o.baseURL.href).toBe("https://api.gong.io/");
    expect(o.maxRetries).toBe(DEFAULTS.maxRetries);
    expect(o.timeoutMs).toBe(30_000);
    expect(o.uploadIdleTimeoutMs).toBe(120_000);
    expect(o.maxRetryAfterSeconds).toBe(600);
    expect(o.usesFetch).toBe(false);
  });

  it("takes a RateLimiter as is", () => {
    const limiter = { acquire: () => Promise.resolve() };
    expect(normalizeClientOptions({ auth, rateLimit: limiter }).limiter).toBe(limiter);
  });

  it("names the bad option", () => {
    expect(() => normalizeClientOptions({ auth, maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => normalizeClientOptions({ auth, timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(() => normalizeClientOptions({ auth: { accessKey: "k", accessKeySecret: "" } })).toThrow(/accessKeySecret/);
    expect(() => normalizeClientOptions({ auth: { bearerToken: "" } })).toThrow(ValidationError);
    expect(() => normalizeClientOptions({ auth, baseURL: "http://api.gong.io" })).toThrow(/baseURL/);
  });
});

describe("clientFromEnv", () => {
  it("reads Basic credentials and the base URL", () => {
    const env = { GONG_BASE_URL: "http://127.0.0.1:9999/", GONG_ACCESS_KEY: "k", GONG_ACCESS_KEY_SECRET: "s3cret-value" };
    const client = clientFromEnv(env);
    expect(client).toBeInstanceOf(GongClient);
    expect(client.baseURL.port).toBe("9999");
    expect(clientOptionsFromEnv(env).auth).toEqual({ accessKey: "k", accessKeySecret: "s3cret-value" });
    expect(JSON.stringify(client)).not.toContain("s3cret-value");
  });

  it("reads a bearer token", () => {
    expect(clientOptionsFromEnv({ GONG_BEARER_TOKEN: "tok" }).auth).toEqual({ bearerToken: "tok" });
  });

  it("lets overrides win", () => {
    const options = clientOptionsFromEnv({ GONG_BEARER_TOKEN: "tok" }, { maxRetries: 1, baseURL: "https://x.example.com" });
    expect(options.maxRetries).toBe(1);
    expect(clientFromEnv({ GONG_BEARER_TOKEN: "tok" }, { baseURL: "https://x.example.com" }).baseURL.host).toBe("x.example.com");
  });

  it("refuses missing or half credentials", () => {
    expect(() => clientFromEnv({})).toThrow(ValidationError);
    expect(() => clientFromEnv({ GONG_ACCESS_KEY: "k" })).toThrow(/GONG_ACCESS_KEY_SECRET/);
  });
});

describe("a base URL ending in /v2", () => {
  it("is used without it, with a warning through the logger, over real HTTP", async () => {
    const warnings: string[] = [];
    const server = await startScriptServer((_req, res) => {
      sendJson(res, 200, { requestId: "w", workspaces: [] });
    });
    try {
      for (const suffix of ["/v2", "/v2/", "/prefix/v2"]) {
        const client = testClient(`${server.url}${suffix}`, { logger: { warn: (msg) => warnings.push(msg) } });
        await client.request({ method: "GET", path: "/v2/workspaces" });
      }
      expect(server.seen.map((r) => r.url)).toEqual(["/v2/workspaces", "/v2/workspaces", "/prefix/v2/workspaces"]);
      expect(warnings).toEqual([
        `baseURL ends in /v2, which every API path adds itself; using ${server.url}`,
        `baseURL ends in /v2, which every API path adds itself; using ${server.url}`,
        `baseURL ends in /v2, which every API path adds itself; using ${server.url}/prefix`,
      ]);
    } finally {
      await server.close();
    }
  });
});
