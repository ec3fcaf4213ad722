/**
 * import --check-users, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP: the rows
 * whose primary user Gong would refuse are refused before anything is sent. e2e/importer/cli.test.ts runs import and
 * worker through the built CLI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";
import type { RunningSandbox } from "@gong-connector/sandbox";
import { adminCalls, callRequest, lastJson, sandboxEnv, startTestSandbox, writeJsonl } from "../../../test-support/importer.js";

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), "gc-check-users-"));

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

async function count(prefix: string): Promise<number> {
  return (await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith(prefix)).length;
}

describe("gong-connector import (CLI)", () => {
  it("--check-users refuses, before anything is sent, the rows whose primary user Gong would refuse", async () => {
    const manifest = join(dir, "users.jsonl");
    const { SEED_USERS } = await import("../../sandbox/src/index.js");
    const withUser = (i: number, id: string) => ({ ...callRequest(i, "cu"), primaryUser: id, parties: [{ userId: id }, { name: "Customer" }] });
    writeJsonl(manifest, [callRequest(1, "cu"), withUser(2, SEED_USERS.recordingDisabled), withUser(3, SEED_USERS.inactive), withUser(4, "1234567890")]);
    const env = sandboxEnv(sb);
    const dry = await runInProcess(["import", manifest, "--check-users", "--dry-run"], { env: env });
    expect(dry.code).toBe(2);
    expect(lastJson(dry.stdout)).toMatchObject({ total: 4, valid: 1, invalid: 3 });
    expect(dry.stderr).toContain(`line 2 (cu-00002): primaryUser: user ${SEED_USERS.recordingDisabled} is not enabled for call import`);
    expect(dry.stderr).toContain(`line 3 (cu-00003): primaryUser: user ${SEED_USERS.inactive} is not active in Gong`);
    expect(dry.stderr).toContain("line 4 (cu-00004): primaryUser: no Gong user has the id 1234567890");
    const refused = await runInProcess(["import", manifest, "--check-users"], { env: env });
    expect(refused.code).toBe(2);
    expect(await count("cu-")).toBe(0);
    const skipped = await runInProcess(["import", manifest, "--check-users", "--skip-invalid"], { env: env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(lastJson(skipped.stdout)).toMatchObject({ total: 4, invalid: 3, done: 1, failed: 0 });
    expect(await count("cu-")).toBe(1);
  });
});

