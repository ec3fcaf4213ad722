/**
 * import --check-users, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP: the rows
 * whose primary user Gong would refuse are refused before anything is sent. e2e/importer/cli.test.ts runs import and
 * worker through the built CLI.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SEED_USERS } from "@gong-connector/sandbox";
import { callRequest, lastJson, writeJsonl } from "../../../test-support/importer.js";
import { importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-check-users-");

describe("gong-connector import (CLI)", () => {
  it("--check-users refuses, before anything is sent, the rows whose primary user Gong would refuse", async () => {
    const manifest = join(fx.dir, "users.jsonl");
    const withUser = (i: number, id: string) => ({ ...callRequest(i, "cu"), primaryUser: id, parties: [{ userId: id }, { name: "Customer" }] });
    writeJsonl(manifest, [callRequest(1, "cu"), withUser(2, SEED_USERS.recordingDisabled), withUser(3, SEED_USERS.inactive), withUser(4, "1234567890")]);
    const env = fx.env();
    const dry = await runInProcess(["import", manifest, "--check-users", "--dry-run"], { env: env });
    expect(dry.code).toBe(2);
    expect(lastJson(dry.stdout)).toMatchObject({ total: 4, valid: 1, invalid: 3 });
    expect(dry.stderr).toContain(`line 2 (cu-00002): primaryUser: user ${SEED_USERS.recordingDisabled} is not enabled for call import`);
    expect(dry.stderr).toContain(`line 3 (cu-00003): primaryUser: user ${SEED_USERS.inactive} is not active in Gong`);
    expect(dry.stderr).toContain("line 4 (cu-00004): primaryUser: no Gong user has the id 1234567890");
    const refused = await runInProcess(["import", manifest, "--check-users"], { env: env });
    expect(refused.code).toBe(2);
    expect(await fx.count("cu-")).toBe(0);
    const skipped = await runInProcess(["import", manifest, "--check-users", "--skip-invalid"], { env: env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(lastJson(skipped.stdout)).toMatchObject({ total: 4, invalid: 3, done: 1, failed: 0 });
    expect(await fx.count("cu-")).toBe(1);
  });
});
