/**
 * Target 5 — the importer at scale: (a) 1,000,000 rows without media into an unlimited sandbox, with the importer
 * process's peak RSS (flat in the number of rows: under 250 MB); (b) quota cost per call — requests the sandbox
 * received ÷ calls imported — for a clean run without media (goal 1.00), with media (2.00), and after three kill -9
 * during the run (at most 1 % above those).
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { generateConversationWav } from "@gong-connector/sandbox";
import { validCall } from "./lib/calls.js";
import { childEnv, CLI, runCli } from "./lib/proc.js";
import type { BenchOptions, BenchSection, Figure } from "./lib/report.js";
import { startSandboxChild } from "./lib/sandbox.js";
import { fixed, int, mb } from "./lib/stats.js";

/** Rows of the scale run (a), unless BenchOptions.rows says otherwise. */
export const SCALE_ROWS = 1_000_000;
const RSS_TARGET = 250 * 1024 * 1024;
/** Settings that lift the importer's own limits (the sandbox has none either). */
const UNLIMITED = ["--rate-limit", "1000000", "--daily-budget", "100000000"];

/** Writes a JSONL manifest of `rows` calls (optionally each with a small WAV), in chunks: constant memory. */
export function writeManifest(path: string, rows: number, prefix: string, mediaDir?: string): void {
  const fd = openSync(path, "w");
  try {
    let chunk: string[] = [];
    for (let i = 0; i < rows; i++) {
      const call: Record<string, unknown> = validCall(`${prefix}-${i}`, i);
      if (mediaDir !== undefined) call.mediaFile = join(mediaDir, `rec-${i % 16}.wav`);
      chunk.push(JSON.stringify(call));
      if (chunk.length === 10_000) {
        writeSync(fd, `${chunk.join("\n")}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
}

function writeMedia(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 16; i++) {
    const { wav } = generateConversationWav({ speakers: 2, turns: 1 + (i % 4), turnMs: 40 + i, gapMs: 10, sampleRate: 8000 });
    const fd = openSync(join(dir, `rec-${i}.wav`), "w");
    writeSync(fd, wav);
    closeSync(fd);
  }
}

interface Summary {
  total: number;
  done: number;
  skipped: number;
  failed: number;
  pending: number;
  recovered: number;
  durationMs: number;
}

function summaryOf(stdout: string): Summary {
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (line === undefined) throw new Error(`import printed no summary: ${stdout.slice(0, 500)}`);
  return JSON.parse(line) as Summary;
}

/** What the sandbox holds once closed, read from its SQLite file: calls (distinct ids) and /v2 requests received. */
function sandboxCounts(dataDir: string): { calls: number; distinct: number; requests: number } {
  const db = new Database(join(dataDir, "sandbox.db"), { readonly: true });
  try {
    const calls = db.prepare<[], { n: number; d: number }>("SELECT COUNT(*) AS n, COUNT(DISTINCT client_unique_id) AS d FROM calls").get();
    const requests = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM requests WHERE path LIKE '/v2/%'").get();
    return { calls: calls?.n ?? 0, distinct: calls?.d ?? 0, requests: requests?.n ?? 0 };
  } finally {
    db.close();
  }
}

/** (a) One import of `rows` rows; the importer's peak RSS from its own getrusage. */
async function scaleRun(o: BenchOptions, rows: number): Promise<{ rows: number; peakRss: number; durationMs: number; done: number; failed: number; inGong: number }> {
  const dir = join(o.tmpDir, "scale");
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, "calls.jsonl");
  o.log(`import-scale: writing a ${int(rows)}-row manifest`);
  writeManifest(manifest, rows, "scale");
  const dataDir = join(dir, "sandbox");
  const sb = await startSandboxChild({ dataDir });
  try {
    o.log(`import-scale: importing ${int(rows)} rows`);
    const r = await runCli(["import", manifest, "--journal", join(dir, "journal.sqlite"), "--quiet", "--concurrency", "8", ...UNLIMITED], {
      env: sb.env,
      measureRss: true,
      timeoutMs: 6 * 3_600_000,
    });
    if (r.code !== 0) throw new Error(`import exited ${String(r.code)}: ${r.stderr.slice(0, 2000)}`);
    const s = summaryOf(r.stdout);
    await sb.close();
    const counts = sandboxCounts(dataDir);
    o.log(`import-scale: ${int(s.done)} done in ${fixed(s.durationMs / 1000, 0)} s, peak RSS ${mb(r.peakRss ?? 0)}`);
    return { rows, peakRss: r.peakRss ?? 0, durationMs: s.durationMs, done: s.done, failed: s.failed, inGong: counts.distinct };
  } finally {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts an import and kills it (SIGKILL) once its progress line shows `afterDone` rows done. */
function importKilledAfter(args: readonly string[], env: Record<string, string>, afterDone: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--progress-interval", "0.1"], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let seen = 0;
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      for (const m of d.matchAll(/import: (\d+)\/\d+ done/g)) seen = Math.max(seen, Number(m[1]));
      if (seen >= afterDone && child.exitCode === null) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (signal === "SIGKILL") resolve(seen);
      else reject(new Error(`import ended (${String(code)}) before it could be killed at ${afterDone} done: ${err.slice(-1000)}`));
    });
  });
}

export interface CostSample {
  label: string;
  calls: number;
  requests: number;
  ratio: number;
  kills: number;
}

/** (b) Requests the sandbox received ÷ calls imported, for one fresh sandbox and journal. */
async function costRun(o: BenchOptions, label: string, rows: number, media: boolean, kills: number): Promise<CostSample> {
  const dir = join(o.tmpDir, `cost-${label.replace(/\W+/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  const mediaDir = media ? join(dir, "media") : undefined;
  if (mediaDir !== undefined) writeMedia(mediaDir);
  const manifest = join(dir, "calls.jsonl");
  writeManifest(manifest, rows, `cost-${label.replace(/\W+/g, "-")}`, mediaDir);
  const dataDir = join(dir, "sandbox");
  const sb = await startSandboxChild({ dataDir });
  try {
    const args = ["import", manifest, "--journal", join(dir, "journal.sqlite"), "--concurrency", "4", ...UNLIMITED];
    for (let k = 1; k <= kills; k++) {
      const seen = await importKilledAfter(args, sb.env, Math.floor((rows * k) / (kills + 1)));
      o.log(`import-scale: ${label}: kill -9 #${k} at ${int(seen)} rows done`);
    }
    const r = await runCli([...args, "--quiet"], { env: sb.env, timeoutMs: 3_600_000 });
    if (r.code !== 0) throw new Error(`import exited ${String(r.code)}: ${r.stderr.slice(0, 2000)}`);
    await sb.close();
    const counts = sandboxCounts(dataDir);
    if (counts.calls !== rows || counts.distinct !== rows) throw new Error(`${label}: ${counts.calls} calls (${counts.distinct} distinct) for ${rows} rows`);
    o.log(`import-scale: ${label}: ${int(counts.requests)} requests for ${int(counts.calls)} calls`);
    return { label, calls: counts.calls, requests: counts.requests, ratio: counts.requests / counts.calls, kills };
  } finally {
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ImportScaleResult {
  section: BenchSection;
  scale: { rows: number; peakRss: number; durationMs: number; done: number; failed: number; inGong: number };
  costs: CostSample[];
}

export async function importScaleBench(o: BenchOptions): Promise<ImportScaleResult> {
  const rows = o.rows ?? (o.smoke ? 1000 : SCALE_ROWS);
  const costRows = o.smoke ? 200 : 3000;
  // The quick figures first, the long run last.
  const clean = await costRun(o, "no media", costRows, false, 0);
  const withMedia = await costRun(o, "with media", Math.floor(costRows / 2), true, 0);
  const killed = await costRun(o, "no media, 3 kill -9", costRows, false, 3);
  const killedMedia = await costRun(o, "with media, 3 kill -9", Math.floor(costRows / 2), true, 3);
  const scale = await scaleRun(o, rows);
  const rssOk = scale.peakRss < RSS_TARGET;
  const figures: Figure[] = [
    { name: `importer peak RSS, ${int(rows)} rows without media`, value: mb(scale.peakRss), raw: scale.peakRss, target: "< 250 MB", ok: rssOk },
    { name: `calls in the sandbox after the ${int(rows)}-row import`, value: int(scale.inGong), raw: scale.inGong, target: int(rows), ok: scale.inGong === rows },
    { name: "failed rows", value: int(scale.failed), raw: scale.failed, target: "0", ok: scale.failed === 0 },
    { name: `import time, ${int(rows)} rows`, value: `${fixed(scale.durationMs / 1000, 0)} s`, raw: scale.durationMs / 1000 },
    { name: "calls/s sustained", value: fixed(scale.done / (scale.durationMs / 1000), 0), raw: scale.done / (scale.durationMs / 1000) },
  ];
  const cost = (s: CostSample, goal: number): Figure => {
    const limit = s.kills > 0 ? goal * 1.01 : goal;
    return {
      name: `quota cost per call, ${s.label} (${int(s.requests)} requests ÷ ${int(s.calls)} calls)`,
      value: fixed(s.ratio, 4),
      raw: s.ratio,
      target: s.kills > 0 ? `≤ ${fixed(limit, 2)}` : fixed(goal, 2),
      ok: s.ratio <= limit + 1e-9,
    };
  };
  figures.push(cost(clean, 1), cost(withMedia, 2), cost(killed, 1), cost(killedMedia, 2));
  return {
    scale,
    costs: [clean, withMedia, killed, killedMedia],
    section: {
      id: "import-scale",
      title: "5. Importer at scale: memory and quota cost",
      method:
        `(a) \`gong-connector import\` of ${int(rows)} generated calls without media (one JSONL manifest) into a sandbox child with no limits, ` +
        "`--concurrency 8 --rate-limit 1000000 --daily-budget 100000000 --quiet`; peak RSS of the importer process from its own getrusage (maxRSS), one run. " +
        `(b) A fresh sandbox and journal per figure; requests = every request the sandbox logged; ${int(costRows)} calls without media, ` +
        `${int(Math.floor(costRows / 2))} with a small WAV each; the kill -9 runs kill the importer at ¼, ½ and ¾ of the rows done ` +
        "(from its progress line), then a last run finishes the import (concurrency 4).",
      figures,
      headline: [
        { label: `Importer peak RSS, ${int(rows)} rows`, value: `${mb(scale.peakRss)} (${fixed(scale.done / (scale.durationMs / 1000), 0)} calls/s)` },
        { label: "Quota cost per call: clean / media / 3 kill -9 (no media / media)", value: `${fixed(clean.ratio, 3)} / ${fixed(withMedia.ratio, 3)} / ${fixed(killed.ratio, 3)} / ${fixed(killedMedia.ratio, 3)}` },
      ],
      runs: 1,
    },
  };
}
