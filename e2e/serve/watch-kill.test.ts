/**
 * The watch folder through the real `gong-connector serve --watch` process, killed with SIGKILL while it takes pairs
 * in and delivers them, then restarted on the same data directory and folder: every pair ends in done/ exactly once,
 * with its recording's bytes, and Gong (the sandbox) holds each call exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConversationWav } from "@gong-connector/sandbox";
import { CLI } from "../../test-support/dist.js";
import { startTestSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { until } from "../../test-support/until.js";

let sb: TestSandbox;
let root: string;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  sb = await startTestSandbox();
  root = mkdtempSync(join(tmpdir(), "e2e-watch-kill-"));
});

afterAll(async () => {
  for (const c of running) c.kill("SIGKILL");
  await sb.close();
  rmSync(root, { recursive: true, force: true });
});

/** Starts `gong-connector serve --watch`; resolves once it printed its URL line. */
async function serve(data: string, watch: string): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(process.execPath, [CLI, "serve", "--data", data, "--watch", watch, "--rate-limit", "20", "--grace-seconds", "1"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...sb.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", () => {
      resolve();
    });
    void exited.then(() => {
      reject(new Error(`serve exited before it listened:\n${stderr}`));
    });
  });
  return { child, exited };
}

describe("serve --watch, killed with SIGKILL while it works", () => {
  it("ends with every pair in done/ once and every call in Gong once", async () => {
    const data = join(root, "data");
    const watch = join(root, "in");
    mkdirSync(watch);
    await sb.admin.setFaults({ latencyMs: 150 });
    const pairs: { name: string; id: string; sha?: string }[] = [];
    let kills = 0;
    let killedWithQueued = 0;
    for (let round = 0; round < 3; round++) {
      // A new wave of pairs each round: recordings (every other one) first, then the JSON.
      for (let i = 0; i < 8; i++) {
        const name = `r${String(round)} call ${String(i)}`;
        const call = sb.validCall({ title: name });
        let sha: string | undefined;
        if (i % 2 === 0) {
          const wav = Buffer.from(generateConversationWav({ speakers: 2, turns: 2, turnMs: 30 + i, gapMs: 10, sampleRate: 8000 }).wav);
          sha = createHash("sha256").update(wav).digest("hex");
          writeFileSync(join(watch, `${name}.wav`), wav);
        }
        writeFileSync(join(watch, `${name}.json`), JSON.stringify(call));
        pairs.push({ name, id: call.clientUniqueId as string, ...(sha !== undefined && { sha }) });
      }
      const { child, exited } = await serve(data, watch);
      // Kill as soon as pairs are held in .queued (claimed, committed or on their way to Gong), a little later each round.
      await until("pairs in .queued", () => existsSync(join(watch, ".queued")) && readdirSync(join(watch, ".queued")).length > 0, 60_000, 20);
      await new Promise((r) => setTimeout(r, round * 150));
      if (readdirSync(join(watch, ".queued")).length > 0) killedWithQueued++;
      child.kill("SIGKILL");
      await exited;
      kills++;
    }
    expect(kills).toBe(3);
    expect(killedWithQueued).toBeGreaterThan(0);

    await sb.admin.clearFaults();
    const { child, exited } = await serve(data, watch);
    try {
      await until("every pair in done/", () => pairs.every((p) => existsSync(join(watch, "done", `${p.name}.json`))), 120_000, 20);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    const done = readdirSync(join(watch, "done")).sort();
    const expected = pairs.flatMap((p) => [`${p.name}.json`, ...(p.sha !== undefined ? [`${p.name}.wav`] : [])]).sort();
    expect(done).toEqual(expected); // no pair twice (no NAME-2), nothing missing
    expect(readdirSync(join(watch, ".queued"))).toEqual([]);
    expect(readdirSync(join(watch, "failed"))).toEqual([]);
    expect(readdirSync(watch).filter((n) => !["done", "failed", ".queued", ".relay.lock"].includes(n))).toEqual([]);
    const calls = await sb.admin.calls();
    for (const p of pairs) {
      const mine = calls.filter((c) => c.clientUniqueId === p.id);
      expect(mine, p.name).toHaveLength(1);
      if (p.sha !== undefined) {
        expect(mine[0]?.media.sha256, p.name).toBe(p.sha);
        expect(readFileSync(join(watch, "done", `${p.name}.wav`)).length).toBeGreaterThan(0);
      }
    }
  }, 240_000);
});
