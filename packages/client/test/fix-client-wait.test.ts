import { describe, expect, it } from "vitest";
import { ANNOUNCED_WAIT_MS } from "../src/client.js";
import { testClient } from "./helpers/client.js";
import { sendJson, scriptServerPerTest } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (msg: string) => warnings.push(msg) } };
}

describe("a long wait asked by a 429", () => {
  it("is announced through logger.warn before the client waits (5 s or more)", async () => {
    expect(ANNOUNCED_WAIT_MS).toBe(5000);
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { requestId: "rl", errors: ["too many"] }, { "retry-after": "5" });
      else sendJson(res, 200, { requestId: "r", users: [] });
    });
    const { warnings, logger } = recordingLogger();
    const result = await testClient(s.url, { logger }).request({ method: "GET", path: "/v2/users", query: { cursor: "c" } });
    expect(result).toEqual({ requestId: "r", users: [] });
    expect(warnings).toEqual(["Gong asked to wait 5 s (429 on GET /v2/users); waiting…"]);
    expect(s.seen).toHaveLength(2);
  });

  it("is not announced when it is shorter", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { requestId: "rl", errors: ["too many"] }, { "retry-after": "1" });
      else sendJson(res, 200, { requestId: "r" });
    });
    const { warnings, logger } = recordingLogger();
    await testClient(s.url, { logger }).request({ method: "GET", path: "/v2/users" });
    expect(warnings).toEqual([]);
    expect(s.seen).toHaveLength(2);
  });
});
