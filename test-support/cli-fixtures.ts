/**
 * What the CLI's tests share, whether they run the built CLI (`runCli`, e2e/) or its sources in-process
 * (`runInProcess`, packages/cli/test/): a temporary folder per test file, local servers that count what reaches them,
 * hostile text, and the checks a refusal, a misspelt option and a --help page must pass.
 * The `with…` functions register vitest hooks: call them at the top level of a test file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { TestSandbox } from "./sandbox.js";

/** What a run of the CLI gives back, in a process of its own or in-process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TempDir {
  readonly dir: string;
  /** Writes `content` to `name` in the folder; returns its path. */
  readonly file: (name: string, content: string | Uint8Array) => string;
  /** Writes `value` as JSON to `name` in the folder; returns its path. */
  readonly writeJson: (name: string, value: unknown) => string;
}

/** A temporary folder for one test file, removed after it. */
export function withTempDir(prefix: string): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return { dir, file, writeJson: (name, value) => file(name, JSON.stringify(value)) };
}

/** The CLI's environment for a server at `baseUrl`, with access key `key-1`. */
export function cliEnv(baseUrl: string, secret = "secret-1"): Record<"GONG_BASE_URL" | "GONG_ACCESS_KEY" | "GONG_ACCESS_KEY_SECRET", string> {
  return { GONG_BASE_URL: baseUrl, GONG_ACCESS_KEY: "key-1", GONG_ACCESS_KEY_SECRET: secret };
}

/** The smallest valid Add call request: one party, the primary user. */
export function minimalRequest(clientUniqueId: string, userId: string) {
  return { clientUniqueId, actualStart: "2024-05-01T10:00:00Z", primaryUser: userId, direction: "Inbound", parties: [{ userId }] };
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`);
    }),
  );
}

function close(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => { resolve(); }));
}

export interface ConnectionCounter {
  readonly baseUrl: () => string;
  /** How many TCP connections reached it so far: a refusal must not add one. */
  readonly connections: () => number;
}

/** A TCP listener for the file that closes every connection and counts them: proof that nothing was sent. */
export function withConnectionCounter(): ConnectionCounter {
  let connections = 0;
  let baseUrl = "";
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  beforeAll(async () => {
    baseUrl = await listen(server);
  });
  afterAll(() => close(server));
  return { baseUrl: () => baseUrl, connections: () => connections };
}

/** A port on 127.0.0.1 that a listener of this file holds for its tests: a server started on it finds it in use. */
export function withBusyPort(): () => number {
  const server = createTcpServer();
  let port = 0;
  beforeAll(async () => {
    port = Number(new URL(await listen(server)).port);
  });
  afterAll(() => close(server));
  return () => port;
}

/** A secret that stands out in any output: a run must never print it. */
export const DISTINCTIVE_SECRET = "Zq9-distinctive-secret-7c1e";

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface CountingServer {
  readonly baseUrl: () => string;
  /** How many HTTP requests reached it so far. */
  readonly requests: () => number;
  /** How it answers from now on (once a request's body is read); an empty 200 until set. */
  readonly answer: (answer: Answer) => void;
}

/** An HTTP server for the file that counts requests and answers each as told. */
export function withCountingServer(): CountingServer {
  let requests = 0;
  let baseUrl = "";
  let answer: Answer = (_req, res) => res.end();
  const server = createHttpServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      answer(req, res);
    });
  });
  beforeAll(async () => {
    baseUrl = await listen(server);
  });
  afterAll(() => close(server));
  return { baseUrl: () => baseUrl, requests: () => requests, answer: (a) => (answer = a) };
}

/** Every character a terminal may act on: C0 (but \n, \t), DEL, C1, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex
export const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Text that clears the screen, retitles the window, reverses the text and more, if a terminal gets it raw. */
export const NASTY = "\u001b[2J\u001b]0;pwned\u0007\r\u0085\u009b31m\u202eevil\u2066\u2028x\u0000";

/** A misspelling of a long option: two letters swapped at the end (`--input` → `--inptu`). */
export function misspell(long: string): string {
  const name = long.slice(2);
  return `--${name.slice(0, -2)}${name.slice(-1)}${name.slice(-2, -1)}`;
}

/** A misspelt option is named, with the right one suggested, exit 2, before any other check, with no stack trace. */
export function expectUnknownOption(r: CliRun, wrong: string, right: string): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`error: unknown option '${wrong}'`);
  expect(r.stderr).toContain(`(Did you mean ${right}?)`);
  expect(r.stderr).not.toContain("required option");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe("");
}

/** A bad option value: exit 2, the message naming the option, no stack trace. */
export function expectBadValue(r: CliRun, message: string | RegExp): void {
  expect(r.code).toBe(2);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A command's --help: exit 0, nothing on stderr, examples, and no option's default stated twice. */
export function expectHelp(r: CliRun, name: string): void {
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  expect(r.stdout).toContain("Examples:");
  expect(r.stdout).toContain(`$ gong-connector ${name}`);
  // An option's help is its line plus indented continuation lines, up to the next option.
  const options = r.stdout.split(/\n(?= {2}-)/);
  for (const option of options) expect(option.match(/\(default[ :]/g)?.length ?? 0, option).toBeLessThanOrEqual(1);
}

/** Input refused cleanly: exit 2, one paragraph on stderr starting with the program's name, no stack trace, nothing on stdout. */
export function expectRefusedCleanly(r: CliRun, what: string): void {
  const err = r.stderr.trim();
  const context = `${what}: exit ${String(r.code)}, stderr:\n${err.slice(0, 2000)}`;
  expect(r.code, context).toBe(2);
  expect(err, context).toMatch(/^gong-connector: /);
  expect(err, context).not.toMatch(/\n\s*\n/);
  expect(err, context).not.toMatch(/^\s+at /m);
  expect(r.stdout, context).toBe("");
}

/** The calls the sandbox holds with this clientUniqueId. */
export async function callsWith(sb: TestSandbox, clientUniqueId: unknown) {
  return (await sb.admin.calls()).filter((c) => c.clientUniqueId === clientUniqueId);
}

/** The requests to Gong's API (/v2/…) the sandbox has logged. */
export async function apiRequests(sb: TestSandbox, limit = 10_000) {
  return (await sb.admin.requests(limit)).filter((r) => r.path.startsWith("/v2/"));
}

/** A run's stdout, parsed as one JSON object. */
export function stdoutJson(r: CliRun): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** A call as `calls` lists it. */
export interface ListedCall {
  id: string;
  clientUniqueId?: string;
  started?: string;
  workspaceId?: string;
  primaryUserId?: string;
  title?: string;
}

let added = 0;
/** Adds a call through the sandbox's API; returns its callId and clientUniqueId. */
export async function addCallThroughApi(sb: TestSandbox, overrides: Record<string, unknown> = {}): Promise<{ callId: string; clientUniqueId: string }> {
  const clientUniqueId = `calls-test-${String(process.pid)}-${String(++added)}`;
  const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall({ clientUniqueId, ...overrides }) });
  expect(res.status).toBe(200);
  return { callId: res.body.callId, clientUniqueId };
}
