/**
 * Target 1 — upload: `gong-connector add-media` against `curl -F mediaFile=@file` to the same sandbox, in the same run;
 * peak RSS of the CLI and of the sandbox for a small and a large file.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createCall } from "./lib/calls.js";
import { freeDiskBytes, writeMediaFile } from "./lib/files.js";
import { runCli, runCommand } from "./lib/proc.js";
import type { BenchOptions, BenchSection, Figure } from "./lib/report.js";
import { startSandboxChild, type SandboxChild } from "./lib/sandbox.js";
import { fixed, mb, mbDelta, mbps, median, MB, size } from "./lib/stats.js";

const CURL = "/usr/bin/curl";

export interface UploadSample {
  bytes: number;
  cliMs: number;
  curlMs: number;
  cliPeakRss: number;
  /** Peak RSS of `gong-connector --help` in the same run: what loading the CLI alone costs. */
  helpPeakRss: number;
  sandboxPeakRss: number;
  byteExact: boolean;
}

export interface UploadResult {
  section: BenchSection;
  samples: UploadSample[];
}

interface AdminCall {
  call: { media: { sha256: string | null; size: number | null } };
}

async function mediaOf(sb: SandboxChild, callId: string): Promise<{ sha256: string | null; size: number | null }> {
  const json = (await sb.admin("GET", `/calls/${callId}`)) as AdminCall;
  return json.call.media;
}

/**
 * Writes the page cache's dirty pages to disk before an upload is timed: otherwise the upload that follows another
 * pays for the flush of the previous one's 1.5 GB, and whichever tool goes second looks twice as slow.
 */
async function flushDisk(): Promise<void> {
  const r = await runCommand("sync", []);
  if (r.code !== 0) throw new Error(`sync exited ${r.code}: ${r.stderr}`);
}

async function uploadWithCli(sb: SandboxChild, callId: string, file: string): Promise<{ ms: number; peakRss: number }> {
  await flushDisk();
  const r = await runCli(["add-media", "--call-id", callId, "--file", file, "--quiet"], { env: sb.env, measureRss: true });
  if (r.code !== 0) throw new Error(`add-media exited ${r.code}: ${r.stderr}`);
  if (r.peakRss === undefined) throw new Error("add-media: no peak RSS reported");
  return { ms: r.wallMs, peakRss: r.peakRss };
}

async function uploadWithCurl(sb: SandboxChild, callId: string, file: string): Promise<number> {
  await flushDisk();
  const r = await runCommand(CURL, [
    "-sS",
    "--fail-with-body",
    "-o",
    "/dev/null",
    "-X",
    "PUT",
    "-u",
    `${sb.accessKey}:${sb.accessKeySecret}`,
    "-F",
    `mediaFile=@${file}`,
    `${sb.baseUrl}/v2/calls/${callId}/media`,
  ]);
  if (r.code !== 0) throw new Error(`curl exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.wallMs;
}

interface OneUpload {
  ms: number;
  peakRss?: number;
  sandboxPeakRss: number;
  byteExact: boolean;
}

/** One upload into its own fresh sandbox child (so no upload pays for an earlier one), checked byte for byte. */
async function uploadToFreshSandbox(
  label: string,
  file: string,
  bytes: number,
  sha256: string,
  send: (sb: SandboxChild, callId: string) => Promise<{ ms: number; peakRss?: number }>,
): Promise<OneUpload> {
  const sb = await startSandboxChild({ ratePerSecond: 0, ratePerDay: 0 });
  try {
    const callId = await createCall(sb.baseUrl, sb.accessKey, sb.accessKeySecret, label);
    const sent = await send(sb, callId);
    const sandboxPeakRss = sb.peakRss();
    const media = await mediaOf(sb, callId);
    return { ...sent, sandboxPeakRss, byteExact: media.sha256 === sha256 && media.size === bytes };
  } finally {
    await sb.close();
  }
}

/** One run at one size: one CLI upload and one curl upload, each into a fresh sandbox child (order alternates by run). */
async function measureOnce(file: string, bytes: number, sha256: string, run: number): Promise<UploadSample> {
  const withCli = () =>
    uploadToFreshSandbox(`bench-upload-cli-${run}-${bytes}`, file, bytes, sha256, (sb, id) => uploadWithCli(sb, id, file));
  const withCurl = () =>
    uploadToFreshSandbox(`bench-upload-curl-${run}-${bytes}`, file, bytes, sha256, async (sb, id) => ({ ms: await uploadWithCurl(sb, id, file) }));
  let cli: OneUpload;
  let curl: OneUpload;
  if (run % 2 === 0) {
    cli = await withCli();
    curl = await withCurl();
  } else {
    curl = await withCurl();
    cli = await withCli();
  }
  const help = await runCli(["--help"], { measureRss: true });
  return {
    bytes,
    cliMs: cli.ms,
    curlMs: curl.ms,
    cliPeakRss: cli.peakRss ?? 0,
    helpPeakRss: help.peakRss ?? 0,
    sandboxPeakRss: Math.max(cli.sandboxPeakRss, curl.sandboxPeakRss),
    byteExact: cli.byteExact && curl.byteExact,
  };
}

/** The large size: 1.5 GB when the disk holds the file and the sandbox's two copies with room to spare, else 1 GB. */
export async function largeSize(dir: string): Promise<number> {
  const free = await freeDiskBytes(dir);
  return free > 1_500_000_000 * 3 + 2e9 ? 1_500_000_000 : 1_000_000_000;
}

export async function uploadBench(opts: BenchOptions): Promise<UploadResult> {
  const small = opts.smoke ? 100_000 : 10_000_000;
  const large = opts.smoke ? 2_000_000 : Number(process.env.BENCH_UPLOAD_BYTES ?? 0) || (await largeSize(opts.tmpDir));
  // An even number of runs, so that each tool goes first equally often: an upload's place in the run moves its speed
  // by up to a third, either way. Sixteen runs, because single 1.5 GB uploads on a shared 2-core machine spread by ±25 %
  // (the page cache's writeback to the virtual disk decides much of it), and ten runs moved the ratio by ±0.05.
  const runs = opts.smoke ? opts.runs : Math.max(opts.runs, 16);
  const samples: UploadSample[] = [];
  const files: string[] = [];
  try {
    const fileOf = new Map<number, { path: string; sha256: string }>();
    for (const bytes of [small, large]) {
      const path = join(opts.tmpDir, `bench-${bytes}.wav`);
      files.push(path);
      opts.log(`upload: writing ${size(bytes)} test file`);
      fileOf.set(bytes, { path, sha256: await writeMediaFile(path, bytes) });
    }
    for (let run = 0; run < runs; run++) {
      for (const bytes of [small, large]) {
        const f = fileOf.get(bytes);
        if (f === undefined) throw new Error("missing file");
        const s = await measureOnce(f.path, bytes, f.sha256, run);
        opts.log(
          `upload run ${run + 1}/${runs} ${size(bytes)}: cli ${mbps(bytes / (s.cliMs / 1000))} (peak ${mb(s.cliPeakRss)}), ` +
            `curl ${mbps(bytes / (s.curlMs / 1000))}, sandbox peak ${mb(s.sandboxPeakRss)}, byte-exact ${s.byteExact}`,
        );
        samples.push(s);
      }
    }
  } finally {
    for (const f of files) await rm(f, { force: true });
  }
  return { section: { ...uploadSection(samples, small, large), runs }, samples };
}

function uploadSection(samples: readonly UploadSample[], small: number, large: number): BenchSection {
  const at = (bytes: number): UploadSample[] => samples.filter((s) => s.bytes === bytes);
  const big = at(large);
  const little = at(small);
  const cliTp = big.map((s) => large / (s.cliMs / 1000));
  const curlTp = big.map((s) => large / (s.curlMs / 1000));
  const ratios = big.map((s) => s.curlMs / s.cliMs);
  const cliGrowth = big.map((s, i) => s.cliPeakRss - (little[i]?.cliPeakRss ?? 0));
  const sbGrowth = big.map((s, i) => s.sandboxPeakRss - (little[i]?.sandboxPeakRss ?? 0));
  const exact = samples.filter((s) => s.byteExact).length;
  // Ratio of the medians over the same, order-balanced runs; the per-run ratios are listed beside it.
  const ratio = median(cliTp) / median(curlTp);
  const cliPeakBig = median(big.map((s) => s.cliPeakRss));
  const cliPeakSmall = median(little.map((s) => s.cliPeakRss));
  const sbPeakBig = median(big.map((s) => s.sandboxPeakRss));
  const helpPeak = median(samples.map((s) => s.helpPeakRss));
  const sbPeakSmall = median(little.map((s) => s.sandboxPeakRss));
  const figures: Figure[] = [
    { name: `add-media throughput, ${size(large)}`, value: mbps(median(cliTp)), raw: median(cliTp), runs: cliTp.map((v) => mbps(v)) },
    { name: `curl -F mediaFile=@file throughput, ${size(large)} (reference)`, value: mbps(median(curlTp)), raw: median(curlTp), runs: curlTp.map((v) => mbps(v)) },
    { name: "throughput ratio add-media ÷ curl", value: fixed(ratio), raw: ratio, target: "≥ 0.9", ok: ratio >= 0.9, runs: ratios.map((v) => fixed(v)) },
    { name: "median of the per-run ratios (each pair measured back to back)", value: fixed(median(ratios)), raw: median(ratios) },
    { name: `CLI peak RSS, ${size(large)}`, value: mb(cliPeakBig), raw: cliPeakBig, target: "< 100 MB", ok: cliPeakBig < 100 * MB, runs: big.map((s) => mb(s.cliPeakRss)) },
    { name: `CLI peak RSS, ${size(small)}`, value: mb(cliPeakSmall), raw: cliPeakSmall, runs: little.map((s) => mb(s.cliPeakRss)) },
    { name: "CLI peak RSS of `--help` (loading the CLI, no upload)", value: mb(helpPeak), raw: helpPeak, runs: samples.map((s) => mb(s.helpPeakRss)) },
    {
      name: `CLI peak RSS growth, ${size(large)} − ${size(small)}`,
      value: mbDelta(median(cliGrowth)),
      raw: median(cliGrowth),
      target: "< 20 MB",
      ok: median(cliGrowth) < 20 * MB,
      runs: cliGrowth.map((v) => mbDelta(v)),
    },
    { name: `sandbox peak RSS receiving ${size(large)}`, value: mb(sbPeakBig), raw: sbPeakBig, runs: big.map((s) => mb(s.sandboxPeakRss)) },
    { name: `sandbox peak RSS receiving ${size(small)}`, value: mb(sbPeakSmall), raw: sbPeakSmall, runs: little.map((s) => mb(s.sandboxPeakRss)) },
    {
      name: `sandbox peak RSS growth, ${size(large)} − ${size(small)}`,
      value: mbDelta(median(sbGrowth)),
      raw: median(sbGrowth),
      target: "< 20 MB",
      ok: median(sbGrowth) < 20 * MB,
      runs: sbGrowth.map((v) => mbDelta(v)),
    },
    { name: "uploads stored byte-exact (sha256 and size)", value: `${exact * 2} / ${samples.length * 2} uploads`, raw: exact * 2, target: "all", ok: exact === samples.length },
  ];
  return {
    id: "upload",
    title: "1. Upload",
    method:
      `A ${size(large)} and a ${size(small)} WAV file (random bytes after a WAV header) are uploaded, each upload into its own ` +
      `fresh sandbox child (rate limit off, so no upload pays for an earlier one): once with ` +
      `\`gong-connector add-media --call-id ID --file FILE --quiet\` and once with \`curl -X PUT -u key:secret -F mediaFile=@FILE\` ` +
      `(the reference), the order alternating between runs, with \`sync\` before each upload. Throughput is file bytes ÷ process ` +
      `wall time (the CLI's start-up included); the ratio is the median add-media throughput ÷ the median curl throughput over ` +
      `the same runs, half of them with each tool going first (per-run ratios listed). The sandbox's peak RSS is the larger of ` +
      `its two children's in a run. Byte-exactness: the sandbox's sha256 and size of each stored file.`,
    figures,
    headline: [
      { label: `Upload ${size(large)}: add-media ÷ curl throughput (ratio of medians)`, value: fixed(ratio) },
      { label: `CLI peak RSS uploading ${size(large)} (growth over ${size(small)})`, value: `${mb(cliPeakBig)} (${mbDelta(median(cliGrowth))})` },
      { label: `Sandbox peak RSS receiving ${size(large)} (growth over ${size(small)})`, value: `${mb(sbPeakBig)} (${mbDelta(median(sbGrowth))})` },
    ],
  };
}

