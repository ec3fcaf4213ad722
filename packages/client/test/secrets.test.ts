import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GongClientOptions } from "../src/index.js";
import { SECRET, testClient } from "./helpers/client.js";
import { sendJson, startScriptServer, type ScriptServer } from "./helpers/script-server.js";

let server: ScriptServer;
let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gong-client-secret-"));
  // Echoes the Authorization header back in the error body, the worst case.
  server = await startScriptServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    if (req.url?.startsWith("/reset") === true) {
      req.socket.destroy();
      return;
    }
    const status = req.url?.startsWith("/429") === true ? 429 : req.url?.startsWith("/500") === true ? 500 : 401;
    sendJson(res, status, { requestId: "r", errors: [`bad credentials: ${auth}`, SECRET] }, { "retry-after": "0", "x-echo": auth });
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const bearerAuth: GongClientOptions["auth"] = { bearerToken: SECRET };
const basicAuth: GongClientOptions["auth"] = { accessKey: "k", accessKeySecret: SECRET };
const base64 = Buffer.from(`k:${SECRET}`).toString("base64");

describe.each([
  ["Basic", basicAuth],
  ["Bearer", bearerAuth],
])("with %s auth, the secret never shows", (_name, auth) => {
  it.each(["/401", "/429", "/500", "/reset"])("in errors or logs for %s", async (path) => {
    const lines: string[] = [];
    const logger = {
      debug: (msg: string, data?: object) => lines.push(msg + JSON.stringify(data)),
      warn: (msg: string, data?: object) => lines.push(msg + JSON.stringify(data)),
    };
    const client = testClient(server.url, { auth, logger, maxRetries: 1 });
    const error = await client.request({ method: "GET", path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const e = error as Error;
    const dumps = [e.message, e.stack ?? "", JSON.stringify(e), String(e), lines.join("\n")];
    expect(lines.length).toBeGreaterThan(0);
    for (const dump of dumps) {
      expect(dump).not.toContain(SECRET);
      expect(dump).not.toContain(base64);
    }
  });

  it("in errors of a refused upload", async () => {
    const file = join(dir, "a.mp3");
    await writeFile(file, "abc");
    const error = await testClient(server.url, { auth, maxRetries: 0 }).uploadMedia("1", file).catch((e: unknown) => e);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(SECRET);
  });
});

describe("logger", () => {
  it("writes one debug line per attempt with method, path, status, requestId, attempt, and the wait on retry", async () => {
    const lines: { msg: string; data: Record<string, unknown> }[] = [];
    const logger = { debug: (msg: string, data?: object) => lines.push({ msg, data: { ...data } }) };
    await testClient(server.url, { logger, maxRetries: 1 }).request({ method: "GET", path: "/500" }).catch(() => undefined);
    const attempts = lines.filter((l) => l.msg === "gong attempt");
    expect(attempts.map((l) => l.data.attempt)).toEqual([1, 2]);
    expect(attempts[0]?.data).toMatchObject({ method: "GET", path: "/500", status: 500, requestId: "r" });
    const retry = lines.find((l) => l.msg === "gong retry");
    expect(typeof retry?.data.waitMs).toBe("number");
  });
});
