import { afterEach, describe, expect, it, vi } from "vitest";
import { ANNOUNCED_WAIT_MS } from "../src/client.js";
import { testClient } from "./helpers/client.js";
import { sendJson, scriptServerPerTest } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

/**
 * The client's waits run on fake timers (setTimeout only: the sockets, the server and Date stay real). The logger
 * tells when the client starts a wait (its debug "gong retry", right before it sleeps) and for how long, and the test
 * moves the clock by that much instead of sleeping through it.
 */
function recordingLogger() {
  const warnings: string[] = [];
  let retried!: (waitMs: number) => void;
  const retry = new Promise<number>((resolve) => (retried = resolve));
  const logger = {
    warn: (msg: string) => warnings.push(msg),
    debug: (msg: string, data?: object) => {
      if (msg === "gong retry") retried((data as { waitMs: number }).waitMs);
    },
  };
  return { warnings, logger, retry };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("a long wait asked by a 429", () => {
  it("is announced through logger.warn before the client waits (5 s or more)", async () => {
    expect(ANNOUNCED_WAIT_MS).toBe(5000);
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { requestId: "rl", errors: ["too many"] }, { "retry-after": "5" });
      else sendJson(res, 200, { requestId: "r", users: [] });
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { warnings, logger, retry } = recordingLogger();
    const pending = testClient(s.url, { logger }).request({ method: "GET", path: "/v2/users", query: { cursor: "c" } });
    const waitMs = await retry;
    // The whole 5 s asked (plus at most 250 ms of jitter), announced before the wait starts.
    expect(waitMs).toBeGreaterThanOrEqual(5000);
    expect(waitMs).toBeLessThanOrEqual(5250);
    expect(warnings).toEqual(["Gong asked to wait 5 s (429 on GET /v2/users); waiting…"]);
    await vi.advanceTimersByTimeAsync(waitMs);
    expect(await pending).toEqual({ requestId: "r", users: [] });
    expect(warnings).toEqual(["Gong asked to wait 5 s (429 on GET /v2/users); waiting…"]);
    expect(s.seen).toHaveLength(2);
  });

  it("is not announced when it is shorter", async () => {
    const s = await serve((_req, res, i) => {
      if (i === 0) sendJson(res, 429, { requestId: "rl", errors: ["too many"] }, { "retry-after": "1" });
      else sendJson(res, 200, { requestId: "r" });
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { warnings, logger, retry } = recordingLogger();
    const pending = testClient(s.url, { logger }).request({ method: "GET", path: "/v2/users" });
    const waitMs = await retry;
    expect(waitMs).toBeGreaterThanOrEqual(1000);
    await vi.advanceTimersByTimeAsync(waitMs);
    expect(await pending).toEqual({ requestId: "r" });
    expect(warnings).toEqual([]);
    expect(s.seen).toHaveLength(2);
  });
});
