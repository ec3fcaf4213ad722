/**
 * With VITEST_CPU_LOG=<file>, each test file appends one line to that file: its path and the CPU seconds (user +
 * system) its worker and the processes it started and reaped (CLIs, sandboxes, npm) used while it ran, biggest
 * first with `sort -t$'\t' -k2 -rn <file>`. Vite's transforms run in vitest's main process and are not counted.
 * Linux only (/proc/self/stat); without the variable it does nothing.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { afterAll, expect } from "vitest";

const log = process.env.VITEST_CPU_LOG;

/** CPU seconds of this process and of its reaped children: utime, stime, cutime, cstime of /proc/self/stat. */
function cpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is the state (field 3 of proc(5)), so utime (field 14) is fields[11].
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

if (log !== undefined && log !== "") {
  // Setup files run again before each test file (also in workers shared by files), so this is when the file starts.
  const start = cpuSeconds();
  afterAll(() => {
    const file = relative(process.cwd(), expect.getState().testPath ?? "?");
    appendFileSync(log, `${file}\t${(cpuSeconds() - start).toFixed(2)}\n`);
  });
}
