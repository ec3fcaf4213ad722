/**
 * import's answers to its input, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP,
 * real files and a real SQLite journal: invalid rows listed with their line numbers before anything is sent,
 * --skip-invalid, a CSV manifest with media, --dry-run, progress lines, --check-users (the rows whose primary user
 * Gong would refuse, refused before anything is sent), and worker's usage errors.
 * e2e/importer/cli.test.ts runs import and worker through the built CLI (signals, exit codes, worker processes).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SEED_USERS } from "@gong-connector/sandbox";
import { callRequest, HOST, lastJson, writeJsonl, writeWavs } from "../../../test-support/importer.js";
import { importFixture } from "../../../test-support/import-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-cli-");

describe("gong-connector import (in-process)", () => {
  it("lists invalid rows with their line numbers and refuses to start (exit 2); --skip-invalid imports the rest", async () => {
    const manifest = join(fx.dir, "bad.jsonl");
    writeJsonl(manifest, [
      callRequest(1, "bad"),
      { ...callRequest(2, "bad"), direction: "Sideways" },
      callRequest(3, "bad"),
      { ...callRequest(4, "bad"), mediaFile: "nowhere.wav" },
      callRequest(1, "bad"),
    ]);
    const r = await runInProcess(["import", manifest, "--report", join(fx.dir, "bad-report.csv")], { env: fx.env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 invalid row\(s\)/);
    expect(r.stderr).toMatch(/^line 2 \(bad-00002\): direction: /m);
    expect(r.stderr).toMatch(/^line 4 \(bad-00004\): mediaFile: file not found/m);
    expect(r.stderr).toMatch(/^line 5 \(bad-00001\): clientUniqueId: duplicate clientUniqueId \(first on line 1\)/m);
    expect(r.stderr).toMatch(/nothing was sent/);
    const summary = lastJson(r.stdout);
    expect(summary).toMatchObject({ total: 5, invalid: 3, done: 0 });
    expect((summary.invalidRows as { line: number }[]).map((x) => x.line)).toEqual([2, 4, 5]);
    expect(readFileSync(join(fx.dir, "bad-report.csv"), "utf8")).toMatch(/^2,bad-00002,invalid,invalid,"direction: /m);
    expect(await fx.count("bad-")).toBe(0);
    expect(existsSync(`${manifest}.journal.sqlite`)).toBe(false);

    const skip = await runInProcess(["import", manifest, "--skip-invalid"], { env: fx.env() });
    expect(skip.code, skip.stderr).toBe(0);
    expect(lastJson(skip.stdout)).toMatchObject({ total: 5, invalid: 3, done: 2, failed: 0 });
    expect(await fx.count("bad-")).toBe(2);
  });

  it("imports the CSV example with media, prints progress lines and a summary; --dry-run sends nothing", async () => {
    const manifest = join(fx.dir, "calls.csv");
    writeWavs(join(fx.dir, "media"), 2);
    writeFileSync(
      manifest,
      "clientUniqueId,actualStart,primaryUser,direction,parties[0].userId,parties[1].name,parties[1].emailAddress,mediaFile\n" +
        `csv-1,2026-04-01T10:00:00Z,${HOST},Outbound,${HOST},Guest,guest@example.com,media/rec-0.wav\n` +
        `csv-2,2026-04-01T11:00:00Z,${HOST},Inbound,${HOST},Other,,media/rec-1.wav\n` +
        `csv-3,2026-04-01T12:00:00Z,${HOST},Conference,${HOST},,,\n`,
    );
    const dry = await runInProcess(["import", manifest, "--dry-run"], { env: fx.env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(lastJson(dry.stdout)).toMatchObject({ total: 3, valid: 3, invalid: 0, withMedia: 2 });
    expect(await fx.count("csv-")).toBe(0);

    const r = await runInProcess(["import", manifest, "--progress-interval", "0.2"], { env: fx.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^import: 3\/3 done, 0 failed/m);
    expect(lastJson(r.stdout)).toMatchObject({ total: 3, done: 3, failed: 0, mediaUploaded: 2, journal: `${manifest}.journal.sqlite` });
    expect(await fx.count("csv-")).toBe(3);
  });

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

describe("gong-connector worker (in-process)", () => {
  it("a bad --queue URL is a usage error (exit 2)", async () => {
    const bad = await runInProcess(["worker", "--queue", "http://127.0.0.1:1"], { env: fx.env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--queue: must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});
