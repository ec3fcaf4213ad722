/**
 * examples/freepbx, run as its README says: the recordings generated into monitor/YYYY/MM/DD, then
 * `gong-connector import cdr.csv --preset freepbx --timezone America/New_York --user-map extensions.csv --recordings monitor/`
 * in the example's directory, against the sandbox. The call in the repeated hour of 2026-11-01 is refused (exit 2,
 * nothing sent); with --skip-invalid the others are imported: calls, UTC times, directions, users, parties, media.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { generateRecordings } from "../../examples/freepbx/generate-recordings.js";
import { lastJson, ROOT, sandboxEnv, sha256File, startCli, startTestSandbox } from "../../test-support/importer.js";
import { runInProcess } from "../../test-support/run-in-process.js";

const example = join(ROOT, "examples", "freepbx");
const dir = mkdtempSync(join(tmpdir(), "gc-freepbx-example-"));
let sb: RunningSandbox;

const COMMAND = ["import", "cdr.csv", "--preset", "freepbx", "--timezone", "America/New_York", "--user-map", "extensions.csv", "--recordings", "monitor/"];

async function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startCli(args, sandboxEnv(sb), dir).done;
}

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  copyFileSync(join(example, "cdr.csv"), join(dir, "cdr.csv"));
  copyFileSync(join(example, "extensions.csv"), join(dir, "extensions.csv"));
  generateRecordings(join(dir, "cdr.csv"), join(dir, "monitor"));
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** COMMAND with the example's files by their absolute paths, for runInProcess (which runs in the test's directory). */
const ABSOLUTE = COMMAND.map((a) => (/^(cdr\.csv|extensions\.csv|monitor\/)$/.test(a) ? join(dir, a) : a));

describe("examples/freepbx", () => {
  it("refuses the call in the repeated hour by its row, then imports the others with --skip-invalid", async () => {
    // The refusal runs in this process (runInProcess); the import, as the README says it, is the built CLI run in the
    // example's directory.
    const refused = await runInProcess(ABSOLUTE, { env: sandboxEnv(sb) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'line 14 (freepbx-1793511000.120): actualStart: local time "2026-11-01 01:30:00" is ambiguous in America/New_York: it happens twice when the clocks go back (at -04:00 and -05:00)',
    );
    expect(refused.stderr).not.toContain("actualStart: is required");
    expect(refused.stderr).toContain("nothing was sent");
    expect(await sb.calls()).toEqual([]);

    const r = await run([...COMMAND, "--skip-invalid"]);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({
      total: 11,
      created: 6,
      mediaUploaded: 6,
      invalid: 1,
      failed: 0,
      filtered: 4,
      filteredByReason: { "not answered": 2, "no recording": 2 },
    });

    const { host, rep, example: dana } = SEED_USERS;
    const farid = "2812050782486199085"; // farid.haddad5@sandbox.example.com, extension 105
    const calls = [...(await sb.calls())].sort((a, b) => a.started.localeCompare(b.started));
    expect(calls.map((c) => [c.clientUniqueId, c.started, c.request.duration, c.request.direction, c.primaryUserId, c.title])).toEqual([
      ["freepbx-1793365923.41", "2026-10-30T13:12:03Z", 332, "Inbound", rep, "Inbound call with Ann Lee"],
      ["freepbx-1793369140.48", "2026-10-30T14:05:40Z", 61, "Outbound", host, "Outbound call with Globex Corp"],
      ["freepbx-1793384409.80", "2026-10-30T18:20:09Z", 95, "Inbound", dana, "Inbound call with Initech"],
      ["freepbx-1793393100.96", "2026-10-30T20:45:00Z", 301, "Unknown", rep, "Call with Farid Haddad"],
      ["freepbx-1793509110.110", "2026-11-01T04:58:30Z", 4210, "Inbound", farid, "Inbound call with Priya Nair"],
      ["freepbx-1793542500.130", "2026-11-01T14:15:00Z", 182, "Inbound", host, "Inbound call with Ann Lee"],
    ]);
    expect(calls.map((c) => c.request.parties)).toEqual([
      [{ userId: rep }, { phoneNumber: "+12125550123", name: "Ann Lee" }],
      [{ userId: host }, { phoneNumber: "+16465550188", name: "Globex Corp" }],
      [{ userId: dana }, { phoneNumber: "+442079460958", name: "Initech" }],
      [{ userId: rep }, { userId: farid, name: "Farid Haddad" }],
      [{ userId: farid }, { phoneNumber: "+14155550111", name: "Priya Nair" }],
      [{ userId: host }, { phoneNumber: "+12125550123", name: "Ann Lee" }],
    ]);
    const recording = (date: string, linkedid: string, name: string): string => sha256File(join(dir, "monitor", date, `${name}-${linkedid}.wav`));
    expect(calls.map((c) => [c.media.state, c.media.sha256])).toEqual([
      ["ready", recording("2026/10/30", "1793365923.41", "external-600-2125550123-20261030-091203")],
      ["ready", recording("2026/10/30", "1793369140.48", "out-6465550188-101-20261030-100540")],
      ["ready", recording("2026/10/30", "1793384409.80", "in-2125559002-442079460958-20261030-142009")],
      ["ready", recording("2026/10/30", "1793393100.96", "internal-105-102-20261030-164500")],
      ["ready", recording("2026/11/01", "1793509110.110", "in-2125559003-4155550111-20261101-005830")],
      ["ready", recording("2026/11/01", "1793542500.130", "in-2125559000-2125550123-20261101-091500")],
    ]);
  });

  it("an export without a column the preset needs is refused before anything is read or sent (exit 2, naming it)", async () => {
    const [header = "", ...rows] = readFileSync(join(dir, "cdr.csv"), "utf8").split("\n");
    const drop = header.split(",").indexOf("disposition");
    const without = (line: string): string => line.split(",").filter((_, i) => i !== drop).join(",");
    const path = join(dir, "no-disposition.csv");
    // Only the header loses its column (the rows keep their cells): the header alone decides.
    writeFileSync(path, [without(header), ...rows].join("\n"));
    const before = (await sb.calls()).length;
    const r = await runInProcess(["import", path, "--preset", "freepbx", "--timezone", "America/New_York", "--user-map", join(dir, "extensions.csv"), "--recordings", join(dir, "monitor")], { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`input ${path} line 1: no column "disposition" (the mapping needs it; columns: calldate, clid, src,`);
    expect((await sb.calls()).length).toBe(before);
  });
});
