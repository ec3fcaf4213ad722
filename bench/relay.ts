/**
 * Target 7 — the relay's intake: accepted calls per second with each call committed to disk before its 202 (goal
 * ≥ 1,000/s, p99 < 50 ms), against the same HTTP stack answering 202 without committing, and the relay's RSS as the
 * queue grows to 100,000 calls.
 */
import autocannon from "autocannon";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { validCall } from "./lib/calls.js";
import { childEnv, procStatusBytes, ROOT } from "./lib/proc.js";
import type { BenchOptions, BenchSection, Figure } from "./lib/report.js";
import { fixed, int, mb, mbDelta, median, ms } from "./lib/stats.js";

type Mode = "relay" | "reference";

interface Child {
  url: string;
  token: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/relay-child.js in `mode` on `dataDir`; resolves once it printed its URL. */
async function startChild(mode: Mode, dataDir: string): Promise<Child> {
  mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, "bench", "relay-child.js"), mode, dataDir], {
    cwd: ROOT,
    env: childEnv({ NODE_ENV: "production" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d.slice(0, 4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => { resolve(); }));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout ?? process.stdin });
    rl.once("line", (l) => {
      rl.close();
      resolve(l);
    });
    void exited.then(() => { reject(new Error(`relay-child ${mode} exited before it listened:\n${stderr}`)); });
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return {
    url,
    token,
    pid: child.pid ?? 0,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** CPU time (user + system) a process has used, in ms, from /proc (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

interface LoadResult {
  /** CPU time of the server process per call answered 202 (ms). */
  cpuPerCall: number;
  /** The clientUniqueIds answered 202. */
  acceptedIds: string[];
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
}

/** autocannon POSTing distinct valid calls: for `seconds`, or `amount` requests. */
async function load(c: Child, prefix: string, connections: number, limit: { seconds: number } | { amount: number }): Promise<LoadResult> {
  let n = 0;
  const acceptedIds: string[] = [];
  const cpuBefore = cpuMs(c.pid);
  const result = await autocannon({
    url: c.url,
    connections,
    ...("seconds" in limit ? { duration: limit.seconds } : { amount: limit.amount }),
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: "/v1/calls",
        setupRequest: (req) => {
          n++;
          return {
            ...req,
            method: "POST",
            path: "/v1/calls",
            headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
            body: JSON.stringify(validCall(`${prefix}-${String(n)}`, n)),
          };
        },
        onResponse: (status, body) => {
          if (status === 202) acceptedIds.push((JSON.parse(body) as { clientUniqueId: string }).clientUniqueId);
        },
      },
    ],
  });
  const accepted = result.statusCodeStats["202"]?.count ?? 0;
  return {
    cpuPerCall: (cpuMs(c.pid) - cpuBefore) / Math.max(1, accepted),
    acceptedIds,
    perSecond: accepted / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: accepted,
    other: result.non2xx + (result["2xx"] - accepted),
    errors: result.errors + result.timeouts,
  };
}

/** Rows committed in a stopped relay's outbox, and how many of `ids` have none. */
function committedRows(dataDir: string, ids: readonly string[] = []): { rows: number; missing: number } {
  const db = new Database(join(dataDir, "outbox.db"), { readonly: true });
  try {
    const rows = (db.prepare("SELECT COUNT(*) AS n FROM calls").get() as { n: number }).n;
    const get = db.prepare("SELECT 1 FROM calls WHERE client_unique_id = ?");
    const missing = ids.filter((id) => get.get(id) === undefined).length;
    return { rows, missing };
  } finally {
    db.close();
  }
}

export interface RelayThroughputSample {
  relay: LoadResult;
  reference: LoadResult;
  /** Rows in the outbox after the run (warm-up included; also calls in flight when the load stopped). */
  committed: number;
  /** 202s the relay gave (warm-up included). */
  answered202: number;
  /** 202s whose call has no row in the outbox (must be 0). */
  missing: number;
}

export interface RelayMemorySample {
  queued: number;
  rss: number;
}

export interface RelayBenchResult {
  section: BenchSection;
  throughput: RelayThroughputSample[];
  memory: RelayMemorySample[];
}

export async function relayBench(opts: BenchOptions): Promise<RelayBenchResult> {
  const connections = opts.smoke ? 4 : 32;
  const seconds = opts.smoke ? 1 : 10;
  const warmSeconds = opts.smoke ? 1 : 2;
  const stages = opts.smoke ? [200, 500, 1000] : [10_000, 50_000, 100_000];
  const throughput: RelayThroughputSample[] = [];
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const measuredAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

  for (let run = 0; run < opts.runs; run++) {
    const order: Mode[] = run % 2 === 0 ? ["relay", "reference"] : ["reference", "relay"];
    const got: Partial<Record<Mode, LoadResult>> = {};
    let committed = 0;
    let answered202 = 0;
    let missing = 0;
    let ids: string[] = [];
    for (const mode of order) {
      const dataDir = join(opts.tmpDir, `relay-${mode}-${String(run)}`);
      const c = await startChild(mode, dataDir);
      try {
        const warm = await load(c, `warm-${mode}-${String(run)}`, connections, { seconds: warmSeconds });
        got[mode] = await load(c, `bench-${mode}-${String(run)}`, connections, { seconds });
        if (mode === "relay") ids = [...warm.acceptedIds, ...(got.relay?.acceptedIds ?? [])];
      } finally {
        await c.stop();
      }
      if (mode === "relay") {
        ({ rows: committed, missing } = committedRows(dataDir, ids));
        answered202 = ids.length;
      }
    }
    const relay = got.relay;
    const reference = got.reference;
    if (relay === undefined || reference === undefined) throw new Error("a relay bench run produced no result");
    throughput.push({ relay, reference, committed, answered202, missing });
    opts.log(
      `relay run ${String(run + 1)}/${String(opts.runs)}: ${int(relay.perSecond)}/s committed (p99 ${ms(relay.p99)}), reference ${int(reference.perSecond)}/s (p99 ${ms(reference.p99)}); ` +
        `${int(committed)} rows for ${int(answered202)} 202s`,
    );
  }

  // Memory as the queue grows: one relay, calls added in stages, RSS read after each.
  const memory: RelayMemorySample[] = [];
  const memDir = join(opts.tmpDir, "relay-memory");
  const c = await startChild("relay", memDir);
  let fillRate = 0;
  try {
    let queued = 0;
    const startedAt = Date.now();
    for (const stage of stages) {
      const r = await load(c, `mem-${String(stage)}`, connections, { amount: stage - queued });
      if (r.ok !== stage - queued) throw new Error(`memory fill: ${String(r.ok)} of ${String(stage - queued)} calls accepted (${String(r.other)} other answers, ${String(r.errors)} errors)`);
      queued = stage;
      await new Promise((res) => setTimeout(res, 500));
      memory.push({ queued, rss: procStatusBytes(c.pid, "VmRSS") ?? 0 });
      opts.log(`relay memory: ${int(queued)} queued, RSS ${mb(memory.at(-1)?.rss ?? 0)}`);
    }
    fillRate = queued / ((Date.now() - startedAt - 500 * stages.length) / 1000);
  } finally {
    await c.stop();
  }
  const { rows } = committedRows(memDir);

  const rate = median(throughput.map((t) => t.relay.perSecond));
  const p99 = median(throughput.map((t) => t.relay.p99));
  const p50 = median(throughput.map((t) => t.relay.p50));
  const refRate = median(throughput.map((t) => t.reference.perSecond));
  const refP99 = median(throughput.map((t) => t.reference.p99));
  const ratio = rate / refRate;
  const cpu = median(throughput.map((t) => t.relay.cpuPerCall));
  const refCpu = median(throughput.map((t) => t.reference.cpuPerCall));
  const lost = throughput.reduce((n, t) => n + t.missing, 0);
  const refused = throughput.reduce((n, t) => n + t.relay.other + t.relay.errors, 0);
  const first = memory[0];
  const last = memory.at(-1);
  const growth = first !== undefined && last !== undefined ? last.rss - first.rss : Number.NaN;
  const flatLimit = 30 * 1024 * 1024;
  const figures: Figure[] = [
    {
      name: `accepted calls per second, committed before the 202 (${String(connections)} connections)`,
      value: `${int(rate)}/s`,
      raw: rate,
      target: "≥ 1,000/s",
      ok: rate >= 1000,
      runs: throughput.map((t) => int(t.relay.perSecond)),
    },
    { name: "latency p50", value: ms(p50), raw: p50, runs: throughput.map((t) => ms(t.relay.p50)) },
    { name: "latency p99", value: ms(p99), raw: p99, target: "< 50 ms", ok: p99 < 50, runs: throughput.map((t) => ms(t.relay.p99)) },
    { name: "reference: the same stack answering 202 without committing", value: `${int(refRate)}/s, p99 ${ms(refP99)}`, raw: refRate, runs: throughput.map((t) => int(t.reference.perSecond)) },
    { name: "relay ÷ reference (calls per second)", value: fixed(ratio), raw: ratio, runs: throughput.map((t) => fixed(t.relay.perSecond / t.reference.perSecond)) },
    {
      name: "CPU time of the relay process per accepted call (user + system; 1,000 ÷ it = calls/s one core can commit)",
      value: `${fixed(cpu, 3)} ms (${int(1000 / cpu)}/s per core)`,
      raw: cpu,
      runs: throughput.map((t) => fixed(t.relay.cpuPerCall, 3)),
    },
    { name: "the same for the reference", value: `${fixed(refCpu, 3)} ms (${int(1000 / refCpu)}/s per core)`, raw: refCpu, runs: throughput.map((t) => fixed(t.reference.cpuPerCall, 3)) },
    { name: "202s without a committed row (all runs)", value: int(lost), raw: lost, target: "0", ok: lost === 0 },
    { name: "answers other than 202, and errors (all runs)", value: int(refused), raw: refused, target: "0", ok: refused === 0 },
    ...memory.map((m): Figure => ({ name: `relay RSS with ${int(m.queued)} calls queued`, value: mb(m.rss), raw: m.rss })),
    {
      name: `RSS growth, ${int(first?.queued ?? 0)} → ${int(last?.queued ?? 0)} queued`,
      value: mbDelta(growth),
      raw: growth,
      target: "< 30 MB (flat)",
      ok: growth < flatLimit,
    },
    { name: `rows in the outbox after the fill`, value: int(rows), raw: rows, target: int(last?.queued ?? 0), ok: rows === (last?.queued ?? -1) },
    { name: "fill rate (one run, the queue growing)", value: `${int(fillRate)}/s`, raw: fillRate },
  ];
  const loadAtEnd = loadavg()[0] ?? Number.NaN;
  const cores = cpus().length;
  const busy = Math.max(loadAtStart, loadAtEnd) > cores;
  const section: BenchSection = {
    id: "relay",
    extra:
      `Measured ${measuredAt}. Load average (1 min) of the machine when this bench started and ended: ${fixed(loadAtStart)} and ${fixed(loadAtEnd)} on ` +
      `${String(cores)} cores.` +
      (busy
        ? " Other work was running: calls per second and latencies (of the relay and of the reference alike) follow the CPU" +
          " share left to the bench and vary between runs; the CPU time per accepted call is the steadier figure."
        : ""),
    title: "7. Relay intake",
    method:
      `Per run, a fresh relay process (bench/relay-child.js: \`startRelay\` from the built package, delivery off so the figure is ` +
      `intake alone, a fresh data directory) and the reference, the same fastify stack with the same body limit, token check ` +
      `and Add call validation answering the same 202 without committing (the order alternating between runs). autocannon, ` +
      `in the bench process on the same cores, posts valid Add call requests with distinct clientUniqueIds over ` +
      `${String(connections)} keep-alive connections: ${String(warmSeconds)} s warm-up, then ${String(seconds)} s measured. ` +
      `Each 202 comes after the call's row is committed (SQLite WAL, synchronous FULL: an fsync per commit; calls arriving ` +
      `together share one commit); after the run the relay is stopped and the clientUniqueId of every 202 is looked up in its outbox. ` +
      `Memory: one relay filled to ${stages.map(int).join(", ")} queued calls, its RSS (/proc VmRSS) read 0.5 s after each stage.`,
    figures,
    headline: [
      { label: `Relay intake: calls accepted per second, each committed before the 202 (÷ the same server not committing)`, value: `${int(rate)}/s, p99 ${ms(p99)} (${fixed(ratio)})` },
      { label: `Relay RSS at ${stages.map(int).join(" / ")} queued calls`, value: memory.map((m) => mb(m.rss)).join(" / ") },
    ],
  };
  return { section, throughput, memory };
}
