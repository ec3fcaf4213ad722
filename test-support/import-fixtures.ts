/**
 * What the import tests of one file share: a temporary directory removed after the file, a sandbox started once for
 * the file, fresh manifests with ids of their own, the check that a refused run sent nothing; also a Gong stand-in that
 * echoes the credentials back, and a tree of media files and symlinks.
 *
 *   const fx = importFixture("gc-report-files-");          // dir + one sandbox (rate limits off) for the file
 *   const m = fx.manifest(2, { invalid: true });           // DIR/m1.jsonl: rows report1-00001, -00002 (+ 1 invalid)
 *   await expectSentNothing(fx.sb(), m, () => runInProcess(["import", m.path], { env: fx.env() }));
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { RunningSandbox, StartSandboxOptions } from "@gong-connector/sandbox";
import { adminCalls, apiRequestCount, callRequest, sandboxEnv, startTestSandbox, writeJsonl, writeManifest, writeWavs } from "./importer.js";

/** A manifest written for one case: its path and the prefix of its rows' clientUniqueIds. */
export interface FreshManifest {
  path: string;
  prefix: string;
}

export interface ImportFixture {
  /** This file's temporary directory (removed after the file). */
  readonly dir: string;
  /** The file's sandbox (only when the fixture was made with one). */
  readonly sb: () => RunningSandbox;
  /** GONG_BASE_URL and the access key of the file's sandbox. */
  readonly env: () => Record<string, string>;
  /** A fresh DIR/mN.jsonl of `count` valid rows (`callRequest(1..count)`), plus one invalid row after them when asked. */
  readonly manifest: (count: number, options?: { invalid?: boolean }) => FreshManifest;
  /** DIR/NAME with `count` valid rows `callRequest(from + i, prefix)`. */
  readonly manifestOf: (name: string, count: number, prefix: string, from?: number) => string;
  /** How many of the sandbox's calls have a clientUniqueId starting with `prefix`. */
  readonly count: (prefix: string) => Promise<number>;
}

/**
 * Registers this file's fixture: a temporary directory named `prefix…` and, unless `sandbox` is false, one sandbox
 * (rate limits off unless given) started before the file's first test and closed after its last.
 */
export function importFixture(prefix: string, sandbox: Partial<StartSandboxOptions> | false = {}): ImportFixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let running: RunningSandbox | undefined;
  if (sandbox !== false) {
    beforeAll(async () => {
      running = await startTestSandbox({ ratePerSecond: 0, ...sandbox });
    });
  }
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sb = (): RunningSandbox => {
    if (running === undefined) throw new Error("importFixture: this file has no sandbox, or it is not started yet (use it inside a test or hook)");
    return running;
  };
  const idStem = prefix.replace(/^gc-/, "").replace(/[^a-z0-9]/gi, "").slice(0, 6);
  let n = 0;
  return {
    dir,
    sb,
    env: () => sandboxEnv(sb()),
    manifest: (count, options = {}) => {
      n++;
      const ids = `${idStem}${n}`;
      const path = join(dir, `m${n}.jsonl`);
      const rows = Array.from({ length: count }, (_, i) => callRequest(i + 1, ids));
      if (options.invalid === true) rows.push({ ...callRequest(count + 1, ids), direction: "Sideways" });
      writeJsonl(path, rows);
      return { path, prefix: ids };
    },
    manifestOf: (name, count, ids, from = 0) => writeManifest(dir, name, count, ids, from),
    count: async (ids) => (await adminCalls(sb())).filter((c) => c.clientUniqueId.startsWith(ids)).length,
  };
}

/** Runs `run` and checks that it sent nothing to `sb`: no API request, no call of the manifest's rows. */
export async function expectSentNothing<T>(sb: RunningSandbox, manifest: FreshManifest, run: () => Promise<T>): Promise<T> {
  const before = await apiRequestCount(sb);
  const result = await run();
  expect(await apiRequestCount(sb)).toBe(before);
  expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(`${manifest.prefix}-`))).toEqual([]);
  return result;
}

/** A Gong stand-in that answers every request with an error echoing the credentials back, raw and escaped in several ways. */
export interface EchoingServer {
  server: Server;
  url: string;
  /** How many requests it has received. */
  requests: () => number;
  /** From the request after the `n`th on, it never answers (the importer is caught mid-run). */
  hangFrom: (n: number) => void;
  close: () => void;
}

export function echoingServer(): Promise<EchoingServer> {
  let count = 0;
  let hangAfter = Number.POSITIVE_INFINITY;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    const auth = req.headers.authorization ?? "";
    const basic = auth.replace(/^Basic /, "");
    const [key = "", secret = ""] = Buffer.from(basic, "base64").toString("utf8").split(":");
    const escaped = Array.from({ length: secret.length }, (_, i) => `\\u${secret.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
    req.resume();
    req.on("end", () => {
      if (count > hangAfter) return;
      const body =
        `{"requestId":"echo-${secret}","errors":["bad credentials for ${key}: ${escaped}",` +
        `"url-encoded ${encodeURIComponent(secret)}","header ${auth}"]}`;
      res.writeHead(req.method === "POST" ? 400 : 404, { "content-type": "application/json" });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        requests: () => count,
        hangFrom: (n) => (hangAfter = n),
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      });
    });
  });
}

/** The credentials the echoing server is given, and the forms of the secret that must never be written anywhere. */
export const ECHO_KEY = "echo-access-key";
export const ECHO_SECRET = "s3cr/t+Key=Va&lue";
const SECRET_FORMS = [ECHO_SECRET, encodeURIComponent(ECHO_SECRET), Buffer.from(`${ECHO_KEY}:${ECHO_SECRET}`).toString("base64"), Buffer.from(ECHO_SECRET).toString("base64").replace(/=+$/, "")];

/** `bytes` (of the file or output `what`) hold no form of ECHO_SECRET. */
export function expectNoSecret(bytes: Buffer, what: string): void {
  for (const form of SECRET_FORMS) expect(bytes.includes(form), `${what} holds ${form}`).toBe(false);
}

/** A manifest's directory with media inside it, a directory outside it, and symlinks that lead in and out. */
export interface MediaTree {
  /** The directory holding both. */
  base: string;
  /** The manifest's directory: media/rec-0.wav, media/escape.wav -> outside, inner.wav -> media/rec-0.wav, outdir -> outside. */
  man: string;
  /** The directory outside: rec-0.wav. */
  outside: string;
  /** Nine rows whose mediaFile is inside, outside (../, absolute, symlinks out), through symlinks inside, or /etc/passwd. */
  rows: () => Record<string, unknown>[];
}

/** Writes a MediaTree under DIR/mp. */
export function mediaTree(dir: string): MediaTree {
  const base = join(dir, "mp");
  const man = join(base, "manifests");
  const outside = join(base, "elsewhere");
  writeWavs(join(man, "media"), 1);
  writeWavs(outside, 1);
  symlinkSync(join(outside, "rec-0.wav"), join(man, "media", "escape.wav"));
  symlinkSync(join(man, "media", "rec-0.wav"), join(man, "inner.wav"));
  symlinkSync(outside, join(man, "outdir"));
  const rows = () => [
    { ...callRequest(1, "mp"), mediaFile: "media/rec-0.wav" },
    { ...callRequest(2, "mp"), mediaFile: "../elsewhere/rec-0.wav" },
    { ...callRequest(3, "mp"), mediaFile: join(outside, "rec-0.wav") },
    { ...callRequest(4, "mp"), mediaFile: "media/escape.wav" },
    { ...callRequest(5, "mp"), mediaFile: "inner.wav" },
    { ...callRequest(6, "mp"), mediaFile: "outdir/rec-0.wav" },
    { ...callRequest(7, "mp"), mediaFile: "../../../../../../../../etc/passwd" },
    { ...callRequest(8, "mp"), mediaFile: join(man, "media", "rec-0.wav") },
    { ...callRequest(9, "mp"), mediaFile: "outdir/../media/missing.wav" },
  ];
  return { base, man, outside, rows };
}

/** The outcome the command line must have on any manifest: exit 0 or 2, a message for 2, never a stack trace. */
export function expectCleanOutcome(r: { code: number | null; stderr: string }): void {
  const context = `exit ${String(r.code)}\n${r.stderr.slice(0, 2000)}`;
  expect([0, 2], context).toContain(r.code);
  expect(r.stderr, context).not.toMatch(/^\s+at /m);
  if (r.code === 2) expect(r.stderr, context).toMatch(/^gong-connector: /m);
}

/**
 * Resolves once the queue `name` in the Redis at `redisUrl` holds `count` jobs in any state: an import started with
 * --queue has queued its manifest, so workers started now cannot take an empty queue for a finished one.
 */
export async function queuedJobs(redisUrl: string, count: number, queueName?: string, timeoutMs = 60_000): Promise<void> {
  // Loaded here, not with this module: only the queue tests need BullMQ.
  const { Queue } = await import("bullmq");
  const { connectionFromUrl, DEFAULT_QUEUE_NAME } = await import("@gong-connector/importer/queue");
  const name = queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue(name, { connection: connectionFromUrl(redisUrl) });
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const counts = await queue.getJobCounts();
      const held = Object.values(counts).reduce((sum, n) => sum + n, 0);
      if (held >= count) return;
      if (Date.now() > until) throw new Error(`queue ${name}: ${held} of ${count} jobs after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await queue.close();
  }
}
