/**
 * Queue mode with a mapping: `import --preset freepbx … --queue redis://…` with a `worker` (a real redis-server)
 * adds the same calls as the direct import would (its --dry-run requests), each exactly once, recordings included;
 * a rerun sends nothing. The import and the worker are processes of the built CLI; the dry run and the rerun run the
 * CLI's run() in this process (runInProcess), with the same files given by their absolute paths.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { generateRecordings } from "../../examples/freepbx/generate-recordings.js";
import { lastJson, ROOT, sandboxEnv, sha256File, startCli, startRedis, startTestSandbox, type RedisServer } from "../../test-support/importer.js";
import { runInProcess } from "../../test-support/run-in-process.js";

const example = join(ROOT, "examples", "freepbx");
const dir = mkdtempSync(join(tmpdir(), "gc-mapping-queue-"));
let sb: RunningSandbox;
let redis: RedisServer;

const IMPORT = ["import", "cdr.csv", "--preset", "freepbx", "--timezone", "America/New_York", "--user-map", "extensions.csv", "--recordings", "monitor/", "--skip-invalid"];

function run(args: readonly string[]): ReturnType<typeof startCli> {
  return startCli(args, sandboxEnv(sb), dir);
}

/** IMPORT with the paths made absolute (runInProcess runs in the test's working directory). */
function absolute(args: readonly string[]): string[] {
  return args.map((a) => (/^(cdr\.csv|extensions\.csv|monitor\/)$/.test(a) ? join(dir, a) : a));
}

beforeAll(async () => {
  [sb, redis] = await Promise.all([startTestSandbox({ ratePerSecond: 0 }), startRedis()]);
  copyFileSync(join(example, "cdr.csv"), join(dir, "cdr.csv"));
  copyFileSync(join(example, "extensions.csv"), join(dir, "extensions.csv"));
  generateRecordings(join(dir, "cdr.csv"), join(dir, "monitor"));
});
afterAll(async () => {
  await Promise.all([sb.close(), redis.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

interface DryRow {
  line: number;
  request: Record<string, unknown> & { clientUniqueId: string; actualStart: string; primaryUser: string };
  mediaFile?: string;
}

describe("import --preset freepbx --queue with a worker", () => {
  it("adds the direct import's calls and recordings exactly once; a rerun sends nothing", async () => {
    const dry = await runInProcess(absolute([...IMPORT, "--dry-run"]), { env: sandboxEnv(sb) });
    // The row in the repeated hour of 2026-11-01 is invalid: a dry run says so (exit 2) and lists the others.
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain('line 14 (freepbx-1793511000.120): actualStart: local time "2026-11-01 01:30:00" is ambiguous');
    const expected = lastJson(dry.stdout).requests as DryRow[];
    expect(expected).toHaveLength(6);

    // The worker runs until the import has gathered every result, then is stopped (SIGTERM: exit 130).
    const worker = run(["worker", "--queue", redis.url]);
    const imp = await run([...IMPORT, "--queue", redis.url]).done;
    worker.child.kill("SIGTERM");
    const w = await worker.done;
    expect(imp.stderr).toContain("import: 6/6 done, 0 failed");
    expect(imp.code).toBe(0);
    expect(w.code).toBe(130);
    expect(lastJson(imp.stdout)).toMatchObject({ total: 11, done: 6, created: 6, mediaUploaded: 6, invalid: 1, failed: 0, filtered: 4, queue: redis.url });

    const calls = await sb.calls();
    expect(calls.map((c) => c.clientUniqueId).sort()).toEqual(expected.map((e) => e.request.clientUniqueId).sort());
    for (const e of expected) {
      const call = calls.find((c) => c.clientUniqueId === e.request.clientUniqueId);
      const { actualStart, primaryUser, ...rest } = e.request;
      expect(call?.started).toBe(actualStart);
      expect(call?.primaryUserId).toBe(primaryUser);
      expect(call?.request).toMatchObject(rest);
      expect(call?.media.sha256).toBe(sha256File(e.mediaFile ?? ""));
    }

    const again = await runInProcess(absolute([...IMPORT, "--queue", redis.url]), { env: sandboxEnv(sb) });
    expect(again.code).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ total: 11, created: 0, failed: 0 });
    expect((await sb.calls()).length).toBe(6);
  }, 180_000);
});
