/**
 * A relay (`@gong-connector/serve`) in-process for a test, in front of a test sandbox, and a small HTTP client for its
 * intake API.
 *
 *   const sb = await startTestSandbox();
 *   const r = await startTestRelay(sb);
 *   const res = await r.post(sb.validCall());          // 202
 *   await r.waitFor(id, "done");
 *   await r.close();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRelay, type Relay, type RelayOptions } from "../packages/serve/src/index.js";
import type { TestSandbox } from "./sandbox.js";

export interface RelayResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestRelay extends Relay {
  dataDir: string;
  /** POST /v1/calls with a JSON body (or a FormData: multipart). */
  post(body: unknown, opts?: { token?: string | null }): Promise<RelayResponse>;
  request(method: string, path: string, opts?: { body?: string | FormData; headers?: Record<string, string>; token?: string | null }): Promise<RelayResponse>;
  /** GET /v1/calls/<id>. */
  status(id: string): Promise<RelayResponse>;
  /** Polls the call's status until it is `status` (or fails the test after `timeoutMs`). */
  waitFor(id: string, status: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Closes the relay and removes its data directory (unless keepData). */
  close(opts?: { graceMs?: number; keepData?: boolean }): Promise<void>;
}

export async function startTestRelay(sb: TestSandbox, opts: Partial<RelayOptions> = {}): Promise<TestRelay> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "gong-relay-test-"));
  const relay = await startRelay({
    client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, retryBaseDelayMs: 10, retryMaxDelayMs: 50 },
    logger: false,
    rateLimit: { perSecond: 100 },
    addCall: { ambiguityDelayMs: 20 },
    delivery: { retryBaseMs: 50, retryMaxMs: 200 },
    ...opts,
    dataDir,
  });
  const request: TestRelay["request"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? relay.token : o.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${relay.url}${path}`, { method, headers, ...(o.body !== undefined && { body: o.body }) });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return { status: res.status, headers: res.headers, body };
  };
  const status = (id: string): Promise<RelayResponse> => request("GET", `/v1/calls/${encodeURIComponent(id)}`);
  return {
    ...relay,
    counts: () => relay.counts(),
    dataDir,
    request,
    post: (body, o = {}) =>
      body instanceof FormData
        ? request("POST", "/v1/calls", { body, ...(o.token !== undefined && { token: o.token }) })
        : request("POST", "/v1/calls", { body: JSON.stringify(body), headers: { "content-type": "application/json" }, ...(o.token !== undefined && { token: o.token }) }),
    status,
    async waitFor(id, wanted, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        last = (await status(id)).body;
        if (last.status === wanted) return last;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`call ${id} did not reach ${wanted} within ${String(timeoutMs)} ms; last: ${JSON.stringify(last)}`);
    },
    async close(o = {}) {
      await relay.close({ graceMs: o.graceMs ?? 2000 });
      if (o.keepData !== true && opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
