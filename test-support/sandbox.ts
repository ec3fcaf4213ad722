/**
 * Start a real sandbox on 127.0.0.1:0 for a test, talk to it with fetch, and drive its admin API.
 *
 *   const sb = await startTestSandbox();            // admin on, rate limits off unless given
 *   const res = await sb.api("POST", "/v2/calls", { body: sb.validCall() });
 *   await sb.admin.setFaults({ script: [{ fault: "drop-after-commit", method: "POST", path: "/v2/calls" }] });
 *   await sb.close();
 *
 * or, per file: `const sandbox = withSandbox(); ... sandbox().baseUrl` (vitest beforeAll/afterAll).
 */
import { afterAll, beforeAll } from "vitest";
import type { SandboxCall } from "@gong-connector/sandbox";
import type { FaultConfig, ScriptedFault } from "../packages/sandbox/src/internal/faults.js";
import { SEED_USERS, SEED_WORKSPACES, DEFAULT_WORKSPACE_ID } from "../packages/sandbox/src/internal/seed.js";
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from "../packages/sandbox/src/internal/server.js";

export type AuthChoice = "basic" | "bearer" | "none" | { header: string };

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: T;
  text: string;
}

/** A call as the admin API (`GET /__sandbox/calls`) returns it: the sandbox's own SandboxCall. */
export type AdminCall = SandboxCall;

export interface TestSandbox extends RunningSandbox {
  adminToken: string;
  /** `Basic base64(key:secret)` */
  basicAuth: string;
  /** `Bearer <token with every scope>` */
  bearerAuth: string;
  /** Env for the CLI / clientFromEnv: GONG_BASE_URL, GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET. */
  env: Record<"GONG_BASE_URL" | "GONG_ACCESS_KEY" | "GONG_ACCESS_KEY_SECRET", string>;
  users: typeof SEED_USERS;
  workspaces: typeof SEED_WORKSPACES;
  defaultWorkspaceId: string;
  /** A valid Add call request (unique clientUniqueId each time) with overrides merged on top. */
  validCall(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** One HTTP request with fetch; JSON body in and out. */
  api<T = unknown>(
    method: string,
    path: string,
    opts?: { body?: unknown; query?: Record<string, string>; auth?: AuthChoice; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  /** PUT /v2/calls/{id}/media with a multipart `mediaFile` part. */
  uploadMedia(callId: string, data: Uint8Array | Blob, fileName: string, opts?: { auth?: AuthChoice; field?: string }): Promise<ApiResponse>;
  admin: {
    calls(): Promise<AdminCall[]>;
    call(id: string): Promise<AdminCall>;
    faults(): Promise<unknown>;
    setFaults(faults: Partial<FaultConfig> & { script?: ScriptedFault[] }): Promise<void>;
    clearFaults(): Promise<void>;
    setUser(userId: string, change: { telephonyCallsImported?: boolean; active?: boolean }): Promise<void>;
    setSettings(settings: { duplicates?: "conflict" | "return-existing"; ratePerSecond?: number; ratePerDay?: number; resetRateLimits?: boolean }): Promise<void>;
    requests(limit?: number): Promise<{ requestId: string; at: string; method: string; path: string; status: number }[]>;
    /** Resolves when no downloadMediaUrl fetch is under way. */
    waitForDownloads(): Promise<void>;
  };
}

let counter = 0;

async function toResponse<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/**
 * Starts a sandbox for tests: 127.0.0.1, port 0, admin API on, rate limits and the failed-authentication limit off
 * (pass ratePerSecond/ratePerDay/authFailureLimit to test them).
 */
export async function startTestSandbox(opts: StartSandboxOptions = {}): Promise<TestSandbox> {
  const sb = await startSandbox({ ratePerSecond: 0, ratePerDay: 0, authFailureLimit: 0, ...opts, admin: true, host: opts.host ?? "127.0.0.1" });
  const adminToken = sb.adminToken ?? "";
  const basicAuth = `Basic ${Buffer.from(`${sb.accessKey}:${sb.accessKeySecret}`).toString("base64")}`;
  const bearerAuth = `Bearer ${sb.bearerToken}`;
  const authHeader = (auth: AuthChoice | undefined): Record<string, string> => {
    if (auth === "none") return {};
    if (auth === "bearer") return { authorization: bearerAuth };
    if (typeof auth === "object") return { authorization: auth.header };
    return { authorization: basicAuth };
  };

  const api: TestSandbox["api"] = async (method, path, opts = {}) => {
    const url = new URL(path, sb.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { ...authHeader(opts.auth), ...(opts.headers ?? {}) };
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) {
      headers["content-type"] ??= "application/json";
      init.body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    return toResponse(await fetch(url, init));
  };

  const adminApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await api<T>(method, `/__sandbox${path}`, { body, auth: { header: `Bearer ${adminToken}` } });
    if (res.status >= 400) throw new Error(`admin ${method} ${path} answered ${res.status}: ${res.text}`);
    return res.body;
  };

  const validCall: TestSandbox["validCall"] = (overrides = {}) => ({
    clientUniqueId: `test-${process.pid}-${Date.now()}-${++counter}`,
    actualStart: "2026-03-02T15:00:00Z",
    primaryUser: SEED_USERS.host,
    direction: "Outbound",
    title: "Discovery call",
    parties: [
      { userId: SEED_USERS.host, name: "Ada Lovelace", emailAddress: "ada@sandbox.example.com", partyId: "rep" },
      { name: "Grace Customer", emailAddress: "grace@customer.example.org", partyId: "cust" },
    ],
    ...overrides,
  });

  const uploadMedia: TestSandbox["uploadMedia"] = async (callId, data, fileName, opts = {}) => {
    const form = new FormData();
    const blob = data instanceof Blob ? data : new Blob([data]);
    form.append(opts.field ?? "mediaFile", blob, fileName);
    const res = await fetch(new URL(`/v2/calls/${callId}/media`, sb.baseUrl), { method: "PUT", headers: authHeader(opts.auth), body: form });
    return toResponse(res);
  };

  return {
    ...sb,
    adminToken,
    basicAuth,
    bearerAuth,
    env: { GONG_BASE_URL: sb.baseUrl, GONG_ACCESS_KEY: sb.accessKey, GONG_ACCESS_KEY_SECRET: sb.accessKeySecret },
    users: SEED_USERS,
    workspaces: SEED_WORKSPACES,
    defaultWorkspaceId: DEFAULT_WORKSPACE_ID,
    validCall,
    api,
    uploadMedia,
    admin: {
      calls: async () => (await adminApi<{ calls: AdminCall[] }>("GET", "/calls")).calls,
      call: async (id) => (await adminApi<{ call: AdminCall }>("GET", `/calls/${id}`)).call,
      faults: () => adminApi("GET", "/faults"),
      setFaults: async (faults) => {
        await adminApi("PUT", "/faults", faults);
      },
      clearFaults: async () => {
        await adminApi("DELETE", "/faults");
      },
      setUser: async (userId, change) => {
        await adminApi("PATCH", `/users/${userId}`, change);
      },
      setSettings: async (settings) => {
        await adminApi("PUT", "/settings", settings);
      },
      requests: async (limit = 100) =>
        (await adminApi<{ requests: { requestId: string; at: string; method: string; path: string; status: number }[] }>("GET", `/requests?limit=${limit}`)).requests,
      waitForDownloads: async () => {
        await adminApi("POST", "/downloads/wait", {});
      },
    },
  };
}

/** Vitest helper: one sandbox per file (beforeAll / afterAll). Call the returned function inside tests. */
export function withSandbox(opts: StartSandboxOptions = {}): () => TestSandbox {
  let sb: TestSandbox | undefined;
  beforeAll(async () => {
    sb = await startTestSandbox(opts);
  });
  afterAll(async () => {
    await sb?.close();
  });
  return () => {
    if (!sb) throw new Error("withSandbox(): the sandbox is not started yet (use it inside a test or hook)");
    return sb;
  };
}
