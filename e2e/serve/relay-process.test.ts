/**
 * `gong-connector serve` as a process: its first stdout line, JSON logs on stderr, kill -9 during delivery and a
 * restart on the same --data (nothing accepted lost, nothing added twice), and SIGTERM (503 for new calls, the call in
 * flight finished, the rest delivered after the next start).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../../test-support/run-cli.js";
import { startTestSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { FAST_WAITS } from "../../test-support/test-hooks.js";

const WAV = readFileSync(new URL("../../examples/media/demo-call.wav", import.meta.url));
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  token: string;
  stderr(): string;
  exited: Promise<number | null>;
}

let sb: TestSandbox;
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  sb = await startTestSandbox();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await sb.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gong-serve-e2e-"));
  dirs.push(d);
  return d;
}

async function serve(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: tempDir(), ...sb.env, ...FAST_WAITS },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
    resolve(code);
  }));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    void exited.then((code) => {
      reject(new Error(`serve exited (${String(code)}) before its first line: ${err}`));
    });
  });
  const parsed = JSON.parse(first) as { url: string; token: string };
  return { child, url: parsed.url, token: parsed.token, stderr: () => err, exited };
}

async function post(p: ServeProcess, call: Record<string, unknown>, media?: Uint8Array): Promise<Response> {
  const headers = { authorization: `Bearer ${p.token}` };
  if (media === undefined) return fetch(`${p.url}/v1/calls`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(call) });
  const f = new FormData();
  f.append("request", JSON.stringify(call));
  f.append("mediaFile", new Blob([media]), "call.wav");
  return fetch(`${p.url}/v1/calls`, { method: "POST", headers, body: f });
}

async function statusOf(p: ServeProcess, id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${p.url}/v1/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${p.token}` } });
  return (await res.json()) as Record<string, unknown>;
}

async function waitAllDone(p: ServeProcess, ids: string[], timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      const s = await statusOf(p, id);
      if (s.status === "done") break;
      if (s.status === "failed" || Date.now() > deadline) throw new Error(`call ${id}: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("serve as a process", () => {
  it("kill -9 twice during delivery, then a restart on the same --data: every accepted call in Gong exactly once, with its recording", async () => {
    const data = tempDir();
    // Slow Gong answers, so the kills land while requests are in flight.
    await sb.admin.setFaults({ latencyMs: 150 });
    try {
      const calls = Array.from({ length: 12 }, () => sb.validCall());
      const withMedia = new Set(calls.filter((_, i) => i % 3 === 0).map((c) => String(c.clientUniqueId)));
      let p = await serve(["--data", data, "--rate-limit", "5"]);
      expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(p.token.length).toBeGreaterThanOrEqual(32);
      for (const c of calls) {
        const res = await post(p, c, withMedia.has(String(c.clientUniqueId)) ? WAV : undefined);
        expect(res.status).toBe(202);
      }
      for (let kill = 0; kill < 2; kill++) {
        await new Promise((r) => setTimeout(r, 700));
        p.child.kill("SIGKILL");
        await p.exited;
        p = await serve(["--data", data, "--rate-limit", "5"]);
      }
      const ids = calls.map((c) => String(c.clientUniqueId));
      await waitAllDone(p, ids);
      const inGong = await sb.admin.calls();
      for (const id of ids) {
        const found = inGong.filter((c) => c.clientUniqueId === id);
        expect(found, id).toHaveLength(1);
        if (withMedia.has(id)) expect(found[0]?.media.sha256, id).toBe(sha256(WAV));
      }
      // Logs are JSON lines (one per event), and no secret is in them.
      const logLines = p.stderr().split("\n").filter((l) => l.trim() !== "" && !l.includes("Deprecation") && !l.includes("--trace-warnings"));
      expect(logLines.length).toBeGreaterThan(0);
      for (const l of logLines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
      expect(p.stderr()).not.toContain(sb.accessKeySecret);
      expect(p.stderr()).not.toContain(p.token);
      p.child.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      await sb.admin.clearFaults();
    }
  });

  it("SIGTERM: new calls get 503, the call in flight is finished, queued calls stay on disk and go in after the next start", async () => {
    const data = tempDir();
    await sb.admin.setFaults({ latencyMs: 600 });
    try {
      // One call at a time, slowly: the first is in flight when SIGTERM comes, the others wait.
      const p = await serve(["--data", data, "--concurrency", "1", "--grace-seconds", "20"]);
      const calls = Array.from({ length: 3 }, () => sb.validCall());
      for (const c of calls) expect((await post(p, c)).status).toBe(202);
      const first = String(calls[0]?.clientUniqueId);
      for (let i = 0; i < 200 && (await statusOf(p, first)).status === "queued"; i++) await new Promise((r) => setTimeout(r, 10));
      p.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 100));
      const refused = await post(p, sb.validCall());
      expect(refused.status).toBe(503);
      expect(await p.exited).toBe(0);
      const inGong = await sb.admin.calls();
      expect(inGong.filter((c) => c.clientUniqueId === first)).toHaveLength(1);
      const later = calls.slice(1).map((c) => String(c.clientUniqueId));
      expect(inGong.filter((c) => later.includes(c.clientUniqueId))).toHaveLength(0);

      await sb.admin.clearFaults();
      const again = await serve(["--data", data]);
      expect(again.token).toBe(p.token);
      await waitAllDone(again, calls.map((c) => String(c.clientUniqueId)));
      const after = await sb.admin.calls();
      for (const c of calls) expect(after.filter((x) => x.clientUniqueId === c.clientUniqueId)).toHaveLength(1);
      again.child.kill("SIGTERM");
      expect(await again.exited).toBe(0);
    } finally {
      await sb.admin.clearFaults();
    }
  });
});
