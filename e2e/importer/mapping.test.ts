/**
 * `import --map`: an export that is not in Gong's shape (its own column names with spaces, local 12-hour times, one
 * row per leg, extensions, durations as hh:mm:ss, numbers as dialled, unanswered calls) imported end to end into the
 * sandbox through a mapping written for it; --dry-run; a wrong mapping; an unknown extension.
 * The import runs the built CLI; the rerun, --dry-run and the refusals run the CLI's run() in this process
 * (runInProcess: the same sandbox over HTTP, the same files and journal), as they need no process of their own.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient, listUsers } from "@gong-connector/client";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { lastJson, runCli, sandboxEnv, sha256File, startTestSandbox, writeWavs } from "../../test-support/importer.js";
import { runInProcess } from "../../test-support/run-in-process.js";

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), "gc-mapping-e2e-"));
const NY = "America/New_York";

const MAPPING = `# ACME dialer export -> Gong Add call
formats:
  acme: MM/dd/yyyy h:mm a
values:
  direction: {in: Inbound, out: Outbound}
groupBy: '\`Call ID\`'
filters:
  - reason: not answered
    skip: $not("ANSWERED" in $rows.Result)
  - reason: no recording
    skip: $count($rows[Recording != ""]) = 0
fields:
  clientUniqueId: '"acme-" & \`Call ID\`'
  actualStart: {from: all, expr: '$sort($map(Started, function($s) { $localTime($s, "acme") }))[0]'}
  duration: {from: {where: 'Recording != ""'}, expr: '$duration(\`Talk Time\`)'}
  direction: $mapValue(Direction, "direction")
  primaryUser: $userByExtension(\`Agent Ext\`)
  parties: |
    [
      {"userId": $userByExtension(\`Agent Ext\`)},
      {"phoneNumber": $phone(\`Other Party\`), "name": \`Other Name\`}
    ]
  title: '$mapValue(Direction, "direction") & " call with " & (\`Other Name\` ? \`Other Name\` : $phone(\`Other Party\`))'
  mediaFile: {from: {where: 'Recording != ""'}, expr: '"recordings/" & Recording'}
`;

const HEADER = "Call ID,Started,Leg,Agent Ext,Direction,Other Party,Other Name,Talk Time,Result,Recording";
const EXPORT = [
  HEADER,
  "1001,12/01/2026 3:04 PM,1,101,in,(212) 555-0123,Ann Lee,00:00:12,ANSWERED,",
  "1002,12/01/2026 3:10 PM,1,102,out,646-555-0188,,00:00:00,NO ANSWER,",
  "1001,12/01/2026 3:05 PM,2,101,in,(212) 555-0123,Ann Lee,00:05:32,ANSWERED,rec-0.wav",
  "1003,11/01/2026 3:30 AM,1,102,out,+44 20 7946 0958,,1:02:03,ANSWERED,rec-1.wav",
  "1004,07/04/2026 10:00 AM,1,101,in,2125550199,,00:01:00,ANSWERED,",
];

let users: { host: string; rep: string };

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } });
  const list = await listUsers(client);
  const email = (id: string): string => list.find((u) => u.id === id)?.emailAddress ?? "";
  users = { host: email(SEED_USERS.host), rep: email(SEED_USERS.rep) };
  writeFileSync(join(dir, "mapping.yaml"), MAPPING);
  writeFileSync(join(dir, "extensions.csv"), `extension,email\n101,${users.host.toUpperCase()}\n102,${users.rep}\n`);
  writeFileSync(join(dir, "calls.csv"), `${EXPORT.join("\r\n")}\r\n`);
  mkdirSync(join(dir, "recordings"));
  writeWavs(join(dir, "recordings"), 2);
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function args(input: string, ...rest: string[]): string[] {
  return ["import", join(dir, input), "--map", join(dir, "mapping.yaml"), "--timezone", NY, "--user-map", join(dir, "extensions.csv"), ...rest];
}

async function postedCalls(): Promise<number> {
  return (await sb.requests(10_000)).filter((r) => r.method === "POST" && r.path === "/v2/calls").length;
}

describe("import --map", () => {
  it("--dry-run prints the first rows as the Add call requests they become, and sends nothing", async () => {
    const r = await runInProcess(args("calls.csv", "--dry-run", "--journal", join(dir, "dry.journal.sqlite")), { env: sandboxEnv(sb) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = lastJson(r.stdout);
    expect(out).toMatchObject({ total: 4, valid: 2, invalid: 0, withMedia: 2, filtered: 2, filteredByReason: { "not answered": 1, "no recording": 1 } });
    expect(out.requests).toEqual([
      {
        line: 2,
        request: {
          clientUniqueId: "acme-1001",
          actualStart: "2026-12-01T20:04:00Z",
          duration: 332,
          direction: "Inbound",
          primaryUser: SEED_USERS.host,
          parties: [{ userId: SEED_USERS.host }, { phoneNumber: "+12125550123", name: "Ann Lee" }],
          title: "Inbound call with Ann Lee",
        },
        mediaFile: join(dir, "recordings", "rec-0.wav"),
      },
      {
        line: 5,
        request: {
          clientUniqueId: "acme-1003",
          // The day the clocks go back: 3:30 AM is after the change, EST (-05:00).
          actualStart: "2026-11-01T08:30:00Z",
          duration: 3723,
          direction: "Outbound",
          primaryUser: SEED_USERS.rep,
          parties: [{ userId: SEED_USERS.rep }, { phoneNumber: "+442079460958" }],
          title: "Outbound call with +442079460958",
        },
        mediaFile: join(dir, "recordings", "rec-1.wav"),
      },
    ]);
    expect(await postedCalls()).toBe(0);
  });

  it("imports the calls with the right times, users, parties and recordings; skipped rows counted and reported", async () => {
    const report = join(dir, "report.csv");
    const r = await runCli(args("calls.csv", "--report", report, "--quiet"), sandboxEnv(sb));
    expect(r.code).toBe(0);
    const summary = lastJson(r.stdout);
    expect(summary).toMatchObject({ total: 4, done: 2, failed: 0, invalid: 0, created: 2, mediaUploaded: 2, filtered: 2, filteredByReason: { "not answered": 1, "no recording": 1 } });
    const calls = (await sb.calls()).filter((c) => c.clientUniqueId.startsWith("acme-")).sort((a, b) => a.clientUniqueId.localeCompare(b.clientUniqueId));
    expect(calls.map((c) => [c.clientUniqueId, c.started, c.primaryUserId, c.title])).toEqual([
      ["acme-1001", "2026-12-01T20:04:00Z", SEED_USERS.host, "Inbound call with Ann Lee"],
      ["acme-1003", "2026-11-01T08:30:00Z", SEED_USERS.rep, "Outbound call with +442079460958"],
    ]);
    expect(calls[0]?.request).toMatchObject({ direction: "Inbound", duration: 332, parties: [{ userId: SEED_USERS.host }, { phoneNumber: "+12125550123", name: "Ann Lee" }] });
    expect(calls.map((c) => c.media.sha256)).toEqual([sha256File(join(dir, "recordings", "rec-0.wav")), sha256File(join(dir, "recordings", "rec-1.wav"))]);
    const lines = readFileSync(report, "utf8").trim().split(/\r?\n/);
    expect(lines.slice(1)).toEqual([
      "3,acme-1002,filtered,filtered,not answered,,,skipped by the mapping's filter: not answered",
      "6,acme-1004,filtered,filtered,no recording,,,skipped by the mapping's filter: no recording",
    ]);
    // A rerun sends nothing: the journal has both calls done.
    const again = await runInProcess(args("calls.csv", "--quiet"), { env: sandboxEnv(sb) });
    expect(again.code).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ done: 0, skipped: 2, created: 0 });
    expect((await sb.calls()).filter((c) => c.clientUniqueId.startsWith("acme-"))).toHaveLength(2);
  });

  it("a wrong mapping: exit 2 with the mapping's line and field, nothing read or sent", async () => {
    const before = await postedCalls();
    writeFileSync(join(dir, "wrong.yaml"), MAPPING.replace("  direction: $mapValue(Direction", "  directoin: $mapValue(Direction").replace('"acme")', '"acmee")'));
    const r = await runInProcess(["import", join(dir, "calls.csv"), "--map", join(dir, "wrong.yaml"), "--timezone", NY, "--user-map", join(dir, "extensions.csv")], { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`mapping ${join(dir, "wrong.yaml")} line 14, fields.actualStart: $localTime: unknown format "acmee" (did you mean "acme"?)`);
    expect(r.stderr).toContain(`mapping ${join(dir, "wrong.yaml")} line 16, fields.directoin: unknown field "directoin"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(await postedCalls()).toBe(before);
  });

  it("an unknown extension makes its row invalid, named before anything is sent (exit 2)", async () => {
    const before = await postedCalls();
    writeFileSync(join(dir, "unknown-ext.csv"), [HEADER, "2001,12/02/2026 9:00 AM,1,101,in,2125550123,,00:01:00,ANSWERED,rec-0.wav", "2002,12/02/2026 9:30 AM,1,105,out,2125550124,,00:02:00,ANSWERED,rec-1.wav"].join("\n"));
    const r = await runInProcess(args("unknown-ext.csv", "--quiet"), { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`line 3 (acme-2002): primaryUser: extension "105" is not in --user-map ${join(dir, "extensions.csv")}`);
    expect(r.stderr).toContain("nothing was sent");
    expect(lastJson(r.stdout)).toMatchObject({ total: 2, invalid: 1, done: 0 });
    expect(await postedCalls()).toBe(before);
  });

  it("the mapping options without --map are a usage error", async () => {
    const r = await runInProcess(["import", join(dir, "calls.csv"), "--timezone", NY], { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--timezone goes with --map");
  });
});
