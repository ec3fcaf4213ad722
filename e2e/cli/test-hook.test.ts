/**
 * GONG_CONNECTOR_TEST_TIME_SCALE, the CLI's test hook: it shortens the waits the CLI chooses (retry back-off, the
 * pause before a look-up after an ambiguous failure) and nothing else; a bad value is a usage error before anything
 * is sent (each kind of command is refused in-process: packages/cli/test/test-hook.test.ts). Measured on the sandbox's request log (when each answer left) and the client's --verbose retry lines.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiRequests } from "../../test-support/cli-fixtures.js";
import { runCli, type CliResult } from "../../test-support/run-cli.js";
import { withSandbox, type TestSandbox } from "../../test-support/sandbox.js";
import { FAST_WAITS, TIME_SCALE_VARIABLE } from "../../test-support/test-hooks.js";

const sandbox = withSandbox();
const dir = mkdtempSync(join(tmpdir(), "gc-test-hook-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The retry waits the client logged (--verbose), in order. */
function retryWaits(r: CliResult): number[] {
  return [...r.stderr.matchAll(/gong retry (\{.*\})/g)].map((m) => (JSON.parse(m[1] ?? "{}") as { waitMs: number }).waitMs);
}

/**
 * Add call fails ambiguously (500), its look-up is refused once (503, retried after a back-off), the look-up finds
 * nothing, Add call is sent again: returns the gaps between those four answers in the sandbox's log.
 */
async function ambiguousAddCall(sb: TestSandbox, env: Record<string, string>): Promise<{ r: CliResult; gaps: number[] }> {
  const request = sb.validCall();
  const input = join(dir, `${request.clientUniqueId as string}.json`);
  writeFileSync(input, JSON.stringify(request));
  await sb.admin.setFaults({
    script: [
      { fault: "500", method: "POST", path: "/v2/calls", count: 1 },
      { fault: "503", method: "GET", path: "/v2/calls", count: 1 },
    ],
  });
  const before = (await apiRequests(sb)).length;
  const r = await runCli(["add-call", "--verbose", "--input", input], { env: { ...sb.env, ...env } });
  expect(r.code, r.stderr).toBe(0);
  const calls = (await sb.admin.calls()).filter((c) => c.clientUniqueId === request.clientUniqueId);
  expect(calls.map((c) => c.id)).toEqual([(JSON.parse(r.stdout) as { callId: string }).callId]);
  const log = (await apiRequests(sb)).slice(0, -before || undefined).reverse();
  // The look-up finds nothing: 404 when no call lies in its time range, else 200 with other calls.
  expect(log.map((q) => `${q.method} ${q.status === 404 ? 200 : q.status}`)).toEqual(["POST 500", "GET 503", "GET 200", "POST 200"]);
  const times = log.map((q) => Date.parse(q.at));
  return { r, gaps: times.slice(1).map((t, i) => t - (times[i] ?? t)) };
}

describe(TIME_SCALE_VARIABLE, () => {
  it("unset, the CLI waits as in production: 2 s before the look-up, a back-off of 0.75–1 s before retrying it", async () => {
    const { r, gaps } = await ambiguousAddCall(sandbox(), {});
    const [beforeLookup = 0, backoff = 0, beforeResend = 0] = gaps;
    expect(beforeLookup).toBeGreaterThanOrEqual(1990);
    expect(backoff).toBeGreaterThanOrEqual(740);
    expect(beforeResend).toBeGreaterThanOrEqual(1990);
    const waits = retryWaits(r);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(750);
    expect(waits[0]).toBeLessThanOrEqual(1000);
  }, 30_000);

  it("at 0.01 the same run waits 20 ms before the look-up and a back-off of 7.5–10 ms, with the same requests", async () => {
    const { r, gaps } = await ambiguousAddCall(sandbox(), FAST_WAITS);
    // Production pauses 2,000 ms before the look-up and before the resend: any gap under that is the hook at work
    // (the rest of a gap is the CLI's own work, which a loaded machine stretches).
    const [beforeLookup = 0, , beforeResend = 0] = gaps;
    expect(beforeLookup).toBeLessThan(1990);
    expect(beforeResend).toBeLessThan(1990);
    const waits = retryWaits(r);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7);
    expect(waits[0]).toBeLessThanOrEqual(10);
  });

  // Each kind of command refuses a bad value in-process (packages/cli/test/test-hook.test.ts); one through the built CLI.
  it("refuses a value that is not a number in (0, 1] with exit 2, naming the variable, before anything is sent", async () => {
    const sb = sandbox();
    const before = (await apiRequests(sb)).length;
    const input = join(dir, "refused.json");
    writeFileSync(input, JSON.stringify(sb.validCall()));
    const r = await runCli(["add-call", "--input", input], { env: { ...sb.env, [TIME_SCALE_VARIABLE]: "0" } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${TIME_SCALE_VARIABLE} (a test hook) must be a number greater than 0 and at most 1`);
    expect(r.stderr).toContain(JSON.stringify("0"));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await apiRequests(sb)).length).toBe(before);
  });
});
