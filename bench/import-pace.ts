/**
 * Target 2 — import pace: `gong-connector import` of 300 calls into a sandbox limited to 3 requests/s (achieved rate ÷ 3,
 * failures, 429s), then with the limit lifted (calls/s sustained, and a CPU profile of where the time goes).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { validCall } from "./lib/calls.js";
import { profileMarkdown, summarizeCpuProfile, type ProfileSummary } from "./lib/cpuprofile.js";
import { ROOT, runCli, runNode, type RunOptions, type RunResult } from "./lib/proc.js";
import type { BenchOptions, BenchSection } from "./lib/report.js";
import { startSandboxChild, type SandboxChild } from "./lib/sandbox.js";
import { fixed, int, median } from "./lib/stats.js";

export interface ImportSummaryLine {
  total: number;
  done: number;
  failed: number;
  invalid: number;
  pending: number;
  created: number;
  durationMs: number;
}

export interface PacedSample {
  calls: number;
  done: number;
  failed: number;
  durationMs: number;
  rate: number;
  /** 429 answers the sandbox sent (absorbed by the client's retries unless they reach the report). */
  sandbox429: number;
  /** POST /v2/calls requests the sandbox saw. */
  posts: number;
  reportRows: number;
}

export interface ImportPaceResult {
  section: BenchSection;
  paced: PacedSample[];
  unlimited: PacedSample[];
  profile?: ProfileSummary;
}

const LIMIT = 3;

function isSummary(v: unknown): v is ImportSummaryLine {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.done === "number" && typeof o.failed === "number" && typeof o.durationMs === "number";
}

/** Whether packages/cli/dist/main.js has the `import` command wired in (else the bench runs the command module directly). */
export function cliHasImport(): boolean {
  const program = readFileSync(join(ROOT, "packages", "cli", "dist", "program.js"), "utf8");
  return program.includes("importCommand()");
}

/** Runs `gong-connector import ARGS` (through main.js when wired, else through the import command module itself). */
async function runImportCli(args: readonly string[], options: RunOptions): Promise<RunResult> {
  if (cliHasImport()) return runCli(["import", ...args], options);
  const cmd = pathToFileURL(join(ROOT, "packages", "cli", "dist", "commands", "import.js")).href;
  const exit = pathToFileURL(join(ROOT, "packages", "cli", "dist", "exit.js")).href;
  const script = `
import { importCommand } from ${JSON.stringify(cmd)};
import { takeExitCode } from ${JSON.stringify(exit)};
const command = importCommand();
command.exitOverride();
await command.parseAsync(process.argv.slice(1), { from: "user" });
process.exitCode = takeExitCode();`;
  return runNode("--input-type=module", ["-e", script, ...args], options);
}

interface RequestLog {
  requests: { method: string; path: string; status: number }[];
}

async function manifest(path: string, calls: number, tag: string): Promise<void> {
  const lines = Array.from({ length: calls }, (_, i) => JSON.stringify(validCall(`bench-import-${tag}-${i}`, i)));
  await writeFile(path, `${lines.join("\n")}\n`);
}

function countReportRows(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").length;
}

async function importOnce(
  sb: SandboxChild,
  dir: string,
  calls: number,
  tag: string,
  extraArgs: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<PacedSample> {
  const file = join(dir, `${tag}.jsonl`);
  const journal = join(dir, `${tag}.journal.sqlite`);
  const report = join(dir, `${tag}.failures.jsonl`);
  await manifest(file, calls, tag);
  const r = await runImportCli([file, "--journal", journal, "--report", report, "--quiet", ...extraArgs], { env: sb.env, nodeFlags });
  const summary: unknown = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "null");
  if (!isSummary(summary)) throw new Error(`import printed no summary (exit ${r.code}): ${r.stdout}${r.stderr}`);
  const log = (await sb.admin("GET", "/requests?limit=10000")) as RequestLog;
  const posts = log.requests.filter((q) => q.method === "POST" && q.path.startsWith("/v2/calls"));
  return {
    calls,
    done: summary.done,
    failed: summary.failed,
    durationMs: summary.durationMs,
    rate: summary.done / (summary.durationMs / 1000),
    sandbox429: log.requests.filter((q) => q.status === 429).length,
    posts: posts.length,
    reportRows: countReportRows(report),
  };
}

export async function importPaceBench(opts: BenchOptions): Promise<ImportPaceResult> {
  const pacedCalls = opts.smoke ? 6 : 300;
  const fastCalls = opts.smoke ? 20 : 2000;
  const concurrency = 8;
  const dir = join(opts.tmpDir, "import");
  await mkdir(dir, { recursive: true });
  const paced: PacedSample[] = [];
  const unlimited: PacedSample[] = [];
  let profile: ProfileSummary | undefined;
  try {
    for (let run = 0; run < opts.runs; run++) {
      const sb = await startSandboxChild({ ratePerSecond: LIMIT, ratePerDay: 0 });
      try {
        const s = await importOnce(sb, dir, pacedCalls, `paced-${run}`, []);
        paced.push(s);
        opts.log(`import paced run ${run + 1}/${opts.runs}: ${s.done}/${s.calls} in ${(s.durationMs / 1000).toFixed(1)} s = ${fixed(s.rate, 3)}/s, ${s.sandbox429} × 429, ${s.failed} failed`);
      } finally {
        await sb.close();
      }
    }
    for (let run = 0; run < opts.runs + 1; run++) {
      const profiled = run === opts.runs;
      const sb = await startSandboxChild({ ratePerSecond: 0, ratePerDay: 0 });
      const profDir = join(dir, "prof");
      try {
        const flags = profiled ? ["--cpu-prof", "--cpu-prof-dir", profDir] : [];
        const s = await importOnce(sb, dir, fastCalls, `fast-${run}`, ["--rate-limit", "1000000", "--concurrency", String(concurrency)], flags);
        if (profiled) {
          const files = (await readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
          const first = files[0];
          if (first !== undefined) profile = await summarizeCpuProfile(join(profDir, first));
          opts.log(`import unlimited, profiled: ${fixed(s.rate, 0)}/s`);
        } else {
          unlimited.push(s);
          opts.log(`import unlimited run ${run + 1}/${opts.runs}: ${s.done}/${s.calls} in ${(s.durationMs / 1000).toFixed(1)} s = ${fixed(s.rate, 0)}/s`);
        }
      } finally {
        await sb.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { section: importSection(paced, unlimited, profile, concurrency), paced, unlimited, ...(profile !== undefined && { profile }) };
}

function importSection(paced: readonly PacedSample[], unlimited: readonly PacedSample[], profile: ProfileSummary | undefined, concurrency: number): BenchSection {
  const rate = median(paced.map((s) => s.rate));
  const ratio = rate / LIMIT;
  const failed = paced.reduce((s, p) => s + p.failed + (p.calls - p.done), 0);
  const reported = paced.reduce((s, p) => s + p.reportRows, 0);
  const sandbox429 = paced.reduce((s, p) => s + p.sandbox429, 0);
  const fast = median(unlimited.map((s) => s.rate));
  const fastFailed = unlimited.reduce((s, p) => s + p.failed + (p.calls - p.done), 0);
  const pacedCalls = paced[0]?.calls ?? 0;
  const fastCalls = unlimited[0]?.calls ?? 0;
  return {
    id: "import",
    title: "2. Import pace",
    method:
      `\`gong-connector import calls.jsonl --journal J --report R --quiet\` of ${pacedCalls} generated calls (no media) into a fresh sandbox ` +
      `child limited to ${LIMIT} requests/s per run, with the CLI's default settings (its own limiter at ${LIMIT}/s, concurrency 4). ` +
      `Achieved rate = calls done ÷ the importer's reported \`durationMs\`; 429s are counted from the sandbox's request log. ` +
      `Limit lifted: ${fastCalls} calls into a sandbox with no limit, \`--rate-limit 1000000 --concurrency ${concurrency}\` ` +
      `(the sandbox runs on the same 2 cores, so this is the pace of the pair); one extra run under \`--cpu-prof\` gives the profile.`,
    figures: [
      { name: `achieved rate, ${pacedCalls} calls at ${LIMIT}/s`, value: `${fixed(rate, 3)} calls/s`, raw: rate, runs: paced.map((p) => fixed(p.rate, 3)) },
      { name: `achieved rate ÷ ${LIMIT}`, value: fixed(ratio, 3), raw: ratio, target: "≥ 0.97", ok: ratio >= 0.97, runs: paced.map((p) => fixed(p.rate / LIMIT, 3)) },
      { name: "failed calls (all runs)", value: int(failed), raw: failed, target: "0", ok: failed === 0 },
      { name: "rows in the failure report (all runs)", value: int(reported), raw: reported, target: "0 (no 429 reaches it)", ok: reported === 0 },
      { name: "429s answered by the sandbox, absorbed by retries (all runs)", value: int(sandbox429), raw: sandbox429, runs: paced.map((p) => int(p.sandbox429)) },
      { name: `import time, ${pacedCalls} calls at ${LIMIT}/s`, value: `${fixed(median(paced.map((p) => p.durationMs)) / 1000, 1)} s`, raw: median(paced.map((p) => p.durationMs)) },
      { name: `calls/s sustained, limit lifted (${fastCalls} calls)`, value: `${fixed(fast, 0)} calls/s`, raw: fast, runs: unlimited.map((p) => fixed(p.rate, 0)) },
      { name: "failed calls, limit lifted (all runs)", value: int(fastFailed), raw: fastFailed, target: "0", ok: fastFailed === 0 },
    ],
    ...(profile !== undefined && { extra: profileMarkdown(profile) }),
    headline: [
      { label: `Import pace at Gong's ${LIMIT} req/s (${pacedCalls} calls)`, value: `${fixed(rate, 3)} calls/s = ${fixed(ratio, 3)} of the limit, ${failed} failed, ${reported} in the report` },
      { label: "Import with the limit lifted", value: `${fixed(fast, 0)} calls/s` },
    ],
  };
}

