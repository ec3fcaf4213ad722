/**
 * The relay benchmark in smoke mode (tiny sizes), so its code cannot rot: calls are accepted, every 202 has its
 * committed row, the memory stages fill, and every figure is a number. Never asserts how fast anything is.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayBench } from "../relay.js";

let tmpDir = "";

beforeAll(() => {
  tmpDir = mkdtempSync(join(tmpdir(), "bench-relay-"));
});

afterAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
});

describe("relay bench, smoke run", () => {
  it("accepts calls (each 202 a committed row), measures the reference and the RSS as the queue grows", async () => {
    const r = await relayBench({ smoke: true, runs: 1, tmpDir, log: () => undefined });
    expect(r.throughput).toHaveLength(1);
    for (const t of r.throughput) {
      expect(t.relay.ok).toBeGreaterThan(0);
      expect(t.reference.ok).toBeGreaterThan(0);
      expect(t.relay.other + t.relay.errors).toBe(0);
      expect(t.relay.acceptedIds).toHaveLength(t.relay.ok);
      expect(t.answered202).toBeGreaterThan(t.relay.ok); // the warm-up's too
      expect(t.missing).toBe(0);
      expect(t.committed).toBeGreaterThanOrEqual(t.answered202);
    }
    expect(r.memory.map((m) => m.queued)).toEqual([200, 500, 1000]);
    for (const m of r.memory) expect(m.rss).toBeGreaterThan(0);
    expect(r.section.figures.find((f) => f.name.startsWith("rows in the outbox"))?.raw).toBe(1000);
    for (const f of r.section.figures) {
      expect(Number.isFinite(f.raw), f.name).toBe(true);
      expect(f.value, f.name).not.toMatch(/NaN|Infinity|undefined/);
    }
    expect(r.section.headline.length).toBeGreaterThan(0);
  }, 300_000);
});
