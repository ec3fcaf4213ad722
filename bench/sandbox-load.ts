/**
 * Target 4 — the sandbox under load: autocannon posting valid calls at concurrency 50 for 20 s (requests/s, p50/p99
 * latency, errors, peak RSS), then 20 concurrent uploads (byte-exact, memory flat across file sizes).
 */
import autocannon from "autocannon";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { GongClient } from "@gong-connector/client";
import { createCall, validCall } from "./lib/calls.js";
import { writeMediaFile } from "./lib/files.js";
import { RssSampler } from "./lib/proc.js";
import type { BenchOptions, BenchSection, Figure } from "./lib/report.js";
import { startSandboxChild, type SandboxChild } from "./lib/sandbox.js";
import { int, mb, mbDelta, mbps, median, ms, MB, size } from "./lib/stats.js";

export interface LoadSample {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total2xx: number;
  peakRss: number;
  idleRss: number;
  smallUploadPeak: number;
  largeUploadPeak: number;
  uploadRssBefore: number;
  uploads: number;
  byteExact: number;
  largeUploadMs: number;
}

export interface LoadResult {
  section: BenchSection;
  samples: LoadSample[];
}

interface AdminCall {
  call: { media: { sha256: string | null; size: number | null } };
}

async function postLoad(sb: SandboxChild, connections: number, seconds: number, run: number): Promise<Pick<LoadSample, "requestsPerSecond" | "p50" | "p99" | "errors" | "non2xx" | "total2xx" | "peakRss">> {
  const sampler = new RssSampler(sb.pid).start();
  let n = 0;
  const result = await autocannon({
    url: sb.baseUrl,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: "/v2/calls",
        setupRequest: (req) => ({
          ...req,
          method: "POST",
          path: "/v2/calls",
          headers: {
            authorization: `Basic ${Buffer.from(`${sb.accessKey}:${sb.accessKeySecret}`).toString("base64")}`,
            "content-type": "application/json",
          },
          body: JSON.stringify(validCall(`bench-load-${run}-${n++}`, n)),
        }),
      },
    ],
  });
  const peakRss = Math.max(sampler.stop(), sb.peakRss());
  return {
    requestsPerSecond: result["2xx"] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total2xx: result["2xx"],
    peakRss,
  };
}

/** Uploads `files` concurrently, one call each, through the library client; returns peak sandbox RSS, time and exact count. */
async function concurrentUploads(
  sb: SandboxChild,
  files: readonly { path: string; sha256: string; bytes: number }[],
  tag: string,
): Promise<{ peak: number; ms: number; exact: number }> {
  const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: false });
  const callIds: string[] = [];
  for (let i = 0; i < files.length; i++) callIds.push(await createCall(sb.baseUrl, sb.accessKey, sb.accessKeySecret, `bench-upload-${tag}-${i}`));
  const sampler = new RssSampler(sb.pid).start();
  const started = process.hrtime.bigint();
  await Promise.all(files.map((f, i) => client.uploadMedia(callIds[i] ?? "", f.path)));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  const peak = sampler.stop();
  let exact = 0;
  for (let i = 0; i < files.length; i++) {
    const media = ((await sb.admin("GET", `/calls/${callIds[i] ?? ""}`)) as AdminCall).call.media;
    if (media.sha256 === files[i]?.sha256 && media.size === files[i]?.bytes) exact++;
  }
  return { peak, ms: elapsed, exact };
}

export async function sandboxLoadBench(opts: BenchOptions): Promise<LoadResult> {
  const connections = opts.smoke ? 5 : 50;
  const seconds = opts.smoke ? 1 : 20;
  const uploads = opts.smoke ? 3 : 20;
  const smallBytes = opts.smoke ? 100_000 : 5_000_000;
  const largeBytes = opts.smoke ? 1_000_000 : 50_000_000;
  const samples: LoadSample[] = [];
  const made: string[] = [];
  try {
    const small: { path: string; sha256: string; bytes: number }[] = [];
    const large: { path: string; sha256: string; bytes: number }[] = [];
    opts.log(`load: writing ${uploads} × ${size(largeBytes)} and ${uploads} × ${size(smallBytes)} files`);
    for (let i = 0; i < uploads; i++) {
      for (const [list, bytes] of [
        [small, smallBytes],
        [large, largeBytes],
      ] as const) {
        const path = join(opts.tmpDir, `load-${bytes}-${i}.wav`);
        made.push(path);
        list.push({ path, bytes, sha256: await writeMediaFile(path, bytes) });
      }
    }
    for (let run = 0; run < opts.runs; run++) {
      const sb = await startSandboxChild({ ratePerSecond: 0, ratePerDay: 0 });
      try {
        const idleRss = sb.rss();
        const load = await postLoad(sb, connections, seconds, run);
        opts.log(
          `load run ${run + 1}/${opts.runs}: ${int(load.requestsPerSecond)} req/s, p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, ` +
            `${load.errors} errors, ${load.non2xx} non-2xx, peak ${mb(load.peakRss)}`,
        );
        const uploadRssBefore = sb.rss();
        const a = await concurrentUploads(sb, small, `small-${run}`);
        const b = await concurrentUploads(sb, large, `large-${run}`);
        opts.log(
          `load run ${run + 1}/${opts.runs}: ${uploads} × ${size(smallBytes)} peak ${mb(a.peak)}, ${uploads} × ${size(largeBytes)} peak ${mb(b.peak)} ` +
            `in ${ms(b.ms)}, byte-exact ${a.exact + b.exact}/${uploads * 2}`,
        );
        samples.push({
          ...load,
          idleRss,
          smallUploadPeak: a.peak,
          largeUploadPeak: b.peak,
          uploadRssBefore,
          uploads: uploads * 2,
          byteExact: a.exact + b.exact,
          largeUploadMs: b.ms,
        });
      } finally {
        await sb.close();
      }
    }
  } finally {
    for (const f of made) await rm(f, { force: true });
  }
  return { section: loadSection(samples, { connections, seconds, uploads, smallBytes, largeBytes }), samples };
}

interface LoadShape {
  connections: number;
  seconds: number;
  uploads: number;
  smallBytes: number;
  largeBytes: number;
}

function loadSection(samples: readonly LoadSample[], shape: LoadShape): BenchSection {
  const m = (f: (s: LoadSample) => number): number => median(samples.map(f));
  const rps = m((s) => s.requestsPerSecond);
  const errors = samples.reduce((s, x) => s + x.errors + x.non2xx, 0);
  const exact = samples.reduce((s, x) => s + x.byteExact, 0);
  const total = samples.reduce((s, x) => s + x.uploads, 0);
  const growth = samples.map((s) => s.largeUploadPeak - s.smallUploadPeak);
  const aggregate = m((s) => (shape.uploads * shape.largeBytes) / (s.largeUploadMs / 1000));
  const figures: Figure[] = [
    { name: `POST /v2/calls requests/s (${shape.connections} connections, ${shape.seconds} s)`, value: `${int(rps)}/s`, raw: rps, runs: samples.map((s) => int(s.requestsPerSecond)) },
    { name: "latency p50", value: ms(m((s) => s.p50)), raw: m((s) => s.p50), runs: samples.map((s) => ms(s.p50)) },
    { name: "latency p99", value: ms(m((s) => s.p99)), raw: m((s) => s.p99), runs: samples.map((s) => ms(s.p99)) },
    { name: "errors + non-2xx answers (all runs)", value: int(errors), raw: errors, target: "0", ok: errors === 0 },
    { name: "calls created per run", value: int(m((s) => s.total2xx)), raw: m((s) => s.total2xx) },
    { name: "sandbox RSS idle → peak under load", value: `${mb(m((s) => s.idleRss))} → ${mb(m((s) => s.peakRss))}`, raw: m((s) => s.peakRss), runs: samples.map((s) => mb(s.peakRss)) },
    {
      name: `${shape.uploads} concurrent uploads of ${size(shape.largeBytes)}: aggregate throughput`,
      value: mbps(aggregate),
      raw: aggregate,
    },
    { name: "uploads stored byte-exact (sha256 and size, all runs)", value: `${exact} / ${total}`, raw: exact, target: "all", ok: exact === total },
    {
      name: `sandbox peak RSS, ${shape.uploads} × ${size(shape.smallBytes)} → ${shape.uploads} × ${size(shape.largeBytes)} concurrent`,
      value: `${mb(m((s) => s.smallUploadPeak))} → ${mb(m((s) => s.largeUploadPeak))}`,
      raw: m((s) => s.largeUploadPeak),
      runs: samples.map((s) => mb(s.largeUploadPeak)),
    },
    {
      name: `sandbox peak RSS growth for 10× the bytes (${shape.uploads} × ${size(shape.largeBytes)} − ${shape.uploads} × ${size(shape.smallBytes)})`,
      value: mbDelta(median(growth)),
      raw: median(growth),
      target: "flat (< 20 MB)",
      ok: median(growth) < 20 * MB,
      runs: growth.map((g) => mbDelta(g)),
    },
  ];
  return {
    id: "load",
    title: "4. Sandbox under load",
    method:
      `Per run, a fresh sandbox child (rate limit off). autocannon, in the bench process on the same 2 cores, posts valid Add call ` +
      `requests (distinct clientUniqueIds, two parties, speakers timeline, context) with ${shape.connections} connections for ` +
      `${shape.seconds} s. Then the library client uploads ${shape.uploads} files of ${size(shape.smallBytes)} at once, then ` +
      `${shape.uploads} of ${size(shape.largeBytes)} at once (distinct random files, one call each); the sandbox's sha256 and ` +
      `size of each stored file are compared with the originals, and its RSS is sampled every 20 ms during each batch.`,
    figures,
    headline: [
      {
        label: `Sandbox: POST /v2/calls at concurrency ${shape.connections}`,
        value: `${int(rps)} req/s, p50 ${ms(m((s) => s.p50))}, p99 ${ms(m((s) => s.p99))}, ${errors} errors`,
      },
      {
        label: `Sandbox: ${shape.uploads} concurrent ${size(shape.largeBytes)} uploads`,
        value: `${exact}/${total} byte-exact, peak RSS ${mb(m((s) => s.largeUploadPeak))} (${mbDelta(median(growth))} vs ${size(shape.smallBytes)} files)`,
      },
    ],
  };
}


