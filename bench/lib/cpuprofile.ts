/** Summarises a V8 .cpuprofile (from `node --cpu-prof`) into self time by function and by module. */
import { readFile } from "node:fs/promises";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileRow[];
  modules: ProfileRow[];
}

function isProfile(v: unknown): v is CpuProfile {
  return typeof v === "object" && v !== null && Array.isArray((v as { nodes?: unknown }).nodes);
}

/** Where a frame's code lives: a package, a part of ours, Node's internals, or V8's pseudo-frames. */
export function moduleOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") {
    const name = frame.functionName;
    if (name === "(garbage collector)" || name === "(idle)" || name === "(program)" || name === "(root)") return name;
    return "(native)";
  }
  if (url.startsWith("node:")) {
    const m = /^node:(?:internal\/)?([^/]+)/.exec(url);
    return `node:${m?.[1] ?? url.slice(5)}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  const ours = /\/dist\/([^/]+)\//.exec(url);
  if (ours?.[1] !== undefined) return `gong-connector ${ours[1]}`;
  return url.replace(/^file:\/\//, "");
}

function functionLabel(frame: CallFrame): string {
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  if (frame.url === "") return name;
  const file = frame.url.replace(/^file:\/\/.*\/(node_modules|dist)\//, "$1/").replace(/^file:\/\//, "");
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

function top(map: Map<string, number>, totalMs: number, n: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, selfMs]) => ({ name, selfMs, share: totalMs > 0 ? selfMs / totalMs : 0 }));
}

export async function summarizeCpuProfile(path: string, topN = 12): Promise<ProfileSummary> {
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  if (!isProfile(parsed)) throw new Error(`${path} is not a .cpuprofile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = parsed.samples ?? [];
  const deltas = parsed.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Each sample's time is the delta to the next sample.
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] ?? 0;
      const dt = deltas[i + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = parsed.endTime - parsed.startTime;
    const hits = parsed.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    for (const n of parsed.nodes) selfUs.set(n.id, hits > 0 ? ((n.hitCount ?? 0) / hits) * total : 0);
  }
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    totalUs += us;
    const label = functionLabel(node.callFrame);
    fns.set(label, (fns.get(label) ?? 0) + us / 1000);
    const mod = moduleOf(node.callFrame);
    mods.set(mod, (mods.get(mod) ?? 0) + us / 1000);
  }
  const totalMs = totalUs / 1000;
  return { totalMs, functions: top(fns, totalMs, topN), modules: top(mods, totalMs, topN) };
}

export function profileMarkdown(summary: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const rows = (list: readonly ProfileRow[]): string[] => list.map((r) => `| ${r.name.replace(/\|/g, "\\|")} | ${r.selfMs.toFixed(0)} ms | ${pct(r.share)} |`);
  return [
    `CPU profile of the importer process (\`--cpu-prof\`, ${summary.totalMs.toFixed(0)} ms sampled), self time by module:`,
    "",
    "| Module | Self time | Share |",
    "|---|---|---|",
    ...rows(summary.modules),
    "",
    "Top functions by self time:",
    "",
    "| Function | Self time | Share |",
    "|---|---|---|",
    ...rows(summary.functions),
  ].join("\n");
}
