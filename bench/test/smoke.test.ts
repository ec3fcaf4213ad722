/**
 * Every benchmark in smoke mode (tiny sizes, about a second or a few each), so the bench code cannot rot. Asserts that
 * figures come out (numbers > 0, byte-exact uploads, nothing failed), never how fast anything is.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importPaceBench } from "../import-pace.js";
import { importScaleBench } from "../import-scale.js";
import { benchmarksMarkdown, machineInfo, type BenchOptions, type BenchSection } from "../lib/report.js";
import { median } from "../lib/stats.js";
import { sandboxLoadBench } from "../sandbox-load.js";
import { startupBench } from "../startup.js";
import { uploadBench } from "../upload.js";
import { validationBench } from "../validation.js";

let tmpDir = "";
const sections: BenchSection[] = [];

function options(): BenchOptions {
  return { smoke: true, runs: 1, tmpDir, log: () => undefined };
}

function expectFigures(section: BenchSection): void {
  expect(section.figures.length).toBeGreaterThan(0);
  for (const f of section.figures) {
    expect(Number.isFinite(f.raw), `${section.id}: ${f.name}`).toBe(true);
    expect(f.value, `${section.id}: ${f.name}`).not.toMatch(/NaN|Infinity|undefined/);
  }
  expect(section.headline.length).toBeGreaterThan(0);
  sections.push(section);
}

beforeAll(() => {
  tmpDir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
}, 300_000);

afterAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
});

describe("bench smoke runs", () => {
  it("median picks the middle value", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("upload: add-media and curl both upload byte-exact, with throughput and peak RSS figures", async () => {
    const r = await uploadBench(options());
    expect(r.samples).toHaveLength(2);
    for (const s of r.samples) {
      expect(s.byteExact).toBe(true);
      expect(s.cliMs).toBeGreaterThan(0);
      expect(s.curlMs).toBeGreaterThan(0);
      expect(s.cliPeakRss).toBeGreaterThan(0);
      expect(s.helpPeakRss).toBeGreaterThan(0);
      expect(s.sandboxPeakRss).toBeGreaterThan(0);
    }
    expectFigures(r.section);
  });

  it("import: paced and unlimited imports finish with nothing failed and a profile", async () => {
    const r = await importPaceBench(options());
    for (const s of [...r.paced, ...r.unlimited]) {
      expect(s.done).toBe(s.calls);
      expect(s.failed).toBe(0);
      expect(s.reportRows).toBe(0);
      expect(s.rate).toBeGreaterThan(0);
    }
    expect(r.profile?.totalMs ?? 0).toBeGreaterThan(0);
    expect(r.section.extra).toContain("Self time");
    expectFigures(r.section);
  });

  it("validation: requests validated per second", async () => {
    const r = await validationBench(options());
    expect(r.validPerSecond).toBeGreaterThan(0);
    expect(r.invalidPerSecond).toBeGreaterThan(0);
    expectFigures(r.section);
  });

  it("startup: --help and node -e wall times", async () => {
    const r = await startupBench(options());
    expect(r.helpMs).toBeGreaterThan(0);
    expect(r.nodeMs).toBeGreaterThan(0);
    expect(r.ratio).toBeGreaterThan(0);
    expectFigures(r.section);
  });

  it("load: autocannon gets 2xx answers and concurrent uploads are byte-exact", async () => {
    const r = await sandboxLoadBench(options());
    for (const s of r.samples) {
      expect(s.requestsPerSecond).toBeGreaterThan(0);
      expect(s.total2xx).toBeGreaterThan(0);
      expect(s.errors).toBe(0);
      expect(s.byteExact).toBe(s.uploads);
      expect(s.peakRss).toBeGreaterThan(0);
    }
    expectFigures(r.section);
  });

  it("scale: every row imported once, the importer's peak RSS, and the quota cost of clean and killed runs", async () => {
    const r = await importScaleBench(options());
    expect(r.scale.inGong).toBe(r.scale.rows);
    expect(r.scale.failed).toBe(0);
    expect(r.scale.peakRss).toBeGreaterThan(0);
    expect(r.costs.map((c) => c.kills)).toEqual([0, 0, 3, 3]);
    // Clean runs send exactly one request per call without media and two with: nothing else.
    expect(r.costs[0]?.ratio).toBe(1);
    expect(r.costs[1]?.ratio).toBe(2);
    for (const c of r.costs) expect(c.requests).toBeGreaterThanOrEqual(c.calls);
    expectFigures(r.section);
  }, 600_000);

  it("writes a BENCHMARKS.md with the machine, the headline and every section", () => {
    const md = benchmarksMarkdown(machineInfo(), sections, 1, "npm run bench -- --smoke", 1);
    expect(md).toContain(`| Node | ${process.version} |`);
    expect(md).toContain("## Headline");
    for (const s of sections) expect(md).toContain(`## ${s.title}`);
  });
});
