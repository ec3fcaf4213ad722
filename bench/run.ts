/**
 * `npm run bench` — runs every benchmark and rewrites BENCHMARKS.md.
 *   --smoke          tiny sizes, short durations (prints the report, does not write BENCHMARKS.md unless --write)
 *   --only a,b       run some of: upload, import, validation, startup, load, scale, relay
 *   --runs N         repetitions (default 3; every figure is the median)
 *   --out FILE       where to write (default BENCHMARKS.md)
 *   --no-build       use dist/ as it is
 *   --rows N         rows of the importer-at-scale run (default 1,000,000; the reported figure is 1,000,000)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { importPaceBench } from "./import-pace.js";
import { importScaleBench } from "./import-scale.js";
import { relayBench } from "./relay.js";
import { ensureBuilt, ROOT } from "./lib/proc.js";
import { benchmarksMarkdown, machineInfo, sectionMarkdown, type BenchOptions, type BenchSection } from "./lib/report.js";
import { sandboxLoadBench } from "./sandbox-load.js";
import { startupBench } from "./startup.js";
import { uploadBench } from "./upload.js";
import { validationBench } from "./validation.js";

export const BENCHES = {
  upload: async (o: BenchOptions) => (await uploadBench(o)).section,
  import: async (o: BenchOptions) => (await importPaceBench(o)).section,
  validation: async (o: BenchOptions) => (await validationBench(o)).section,
  startup: async (o: BenchOptions) => (await startupBench(o)).section,
  load: async (o: BenchOptions) => (await sandboxLoadBench(o)).section,
  scale: async (o: BenchOptions) => (await importScaleBench(o)).section,
  relay: async (o: BenchOptions) => (await relayBench(o)).section,
} as const satisfies Record<string, (o: BenchOptions) => Promise<BenchSection>>;

export type BenchName = keyof typeof BENCHES;

function isBenchName(name: string): name is BenchName {
  return Object.hasOwn(BENCHES, name);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      smoke: { type: "boolean", default: false },
      only: { type: "string" },
      runs: { type: "string" },
      out: { type: "string" },
      write: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      rows: { type: "string" },
    },
    strict: true,
  });
  const names = values.only === undefined ? (Object.keys(BENCHES) as BenchName[]) : values.only.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !isBenchName(n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark(s): ${unknown.join(", ")} (known: ${Object.keys(BENCHES).join(", ")})\n`);
    return 2;
  }
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write("bench: --runs must be a positive integer\n");
    return 2;
  }
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  if (rows !== undefined && (!Number.isInteger(rows) || rows < 1)) {
    process.stderr.write("bench: --rows must be a positive integer\n");
    return 2;
  }
  const started = Date.now();
  const machine = machineInfo();
  process.stderr.write(`bench: building dist/ ...\n`);
  await ensureBuilt(!values["no-build"]);
  const tmpDir = await mkdtemp(join(tmpdir(), "gong-bench-"));
  const sections: BenchSection[] = [];
  const log = (m: string): void => {
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  };
  try {
    for (const name of names.filter(isBenchName)) {
      log(`${name}: start`);
      const section = await BENCHES[name]({ smoke: values.smoke, runs, tmpDir, log, ...(rows !== undefined && { rows }) });
      sections.push(section);
      process.stderr.write(`\n${sectionMarkdown(section, runs)}\n`);
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const markdown = benchmarksMarkdown(machine, sections, runs, command, (Date.now() - started) / 1000);
  if (!values.smoke || values.write) {
    const out = values.out ?? join(ROOT, "BENCHMARKS.md");
    await writeFile(out, markdown);
    log(`wrote ${out}`);
  } else {
    process.stdout.write(markdown);
  }
  return 0;
}

process.exitCode = await main();
