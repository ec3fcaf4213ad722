/**
 * `import --preset freepbx` end to end against the sandbox: a FreePBX cdr export (columns in another order than
 * FreePBX's, multi-leg calls through a ring group, an unanswered call, an outbound call, an internal call, the day
 * the clocks go back) with recordings under monitor/YYYY/MM/DD and one elsewhere under monitor/. The import runs the
 * built CLI; --dry-run and the unknown preset run the CLI's run() in this process (runInProcess).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient, listUsers } from "@gong-connector/client";
import { generateConversationWav, SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { lastJson, runCli, sandboxEnv, sha256File, startTestSandbox } from "../../test-support/importer.js";
import { runInProcess } from "../../test-support/run-in-process.js";

let sb: RunningSandbox;
const dir = mkdtempSync(join(tmpdir(), "gc-freepbx-"));

const COLUMNS = "uniqueid,linkedid,calldate,clid,src,dst,dcontext,channel,dstchannel,lastapp,lastdata,duration,billsec,disposition,amaflags,accountcode,userfield,did,recordingfile,cnum,cnam,outbound_cnum,outbound_cnam,dst_cnam,peeraccount,sequence";

interface Leg {
  uniqueid: string;
  linkedid: string;
  calldate: string;
  clid?: string;
  src: string;
  dst: string;
  dcontext: string;
  dstchannel?: string;
  billsec: number;
  disposition: string;
  recordingfile?: string;
  cnum?: string;
  cnam?: string;
  dst_cnam?: string;
}

function csvLine(leg: Leg): string {
  const cells: Record<string, string> = {
    ...Object.fromEntries(COLUMNS.split(",").map((c) => [c, ""])),
    ...Object.fromEntries(Object.entries(leg).map(([k, v]) => [k, String(v)])),
    duration: String(leg.billsec + 5),
    channel: `PJSIP/trunk-0000${leg.uniqueid.slice(-2)}`,
    lastapp: "Dial",
    amaflags: "3",
  };
  return COLUMNS.split(",")
    .map((c) => {
      const v = cells[c] ?? "";
      return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(",");
}

const LEGS: Leg[] = [
  // Inbound through ring group 600: 101 rings unanswered, 102 answers and is recorded.
  { uniqueid: "1764619445.101", linkedid: "1764619445.101", calldate: "2026-12-01 15:04:05", clid: '"Ann Lee" <2125550123>', src: "2125550123", dst: "600", dcontext: "from-trunk", dstchannel: "PJSIP/101-0000002a", billsec: 0, disposition: "NO ANSWER", cnum: "2125550123", cnam: "Ann Lee" },
  { uniqueid: "1764619445.102", linkedid: "1764619445.101", calldate: "2026-12-01 15:04:06", clid: '"Ann Lee" <2125550123>', src: "2125550123", dst: "600", dcontext: "from-trunk", dstchannel: "PJSIP/102-0000002b", billsec: 332, disposition: "ANSWERED", recordingfile: "in-2125550123-600-20261201-150405-1764619445.101.wav", cnum: "2125550123", cnam: "Ann Lee" },
  // Outbound from 101, recorded.
  { uniqueid: "1764619800.130", linkedid: "1764619800.130", calldate: "2026-12-01 15:10:00", clid: '"Dana" <101>', src: "101", dst: "6465550188", dcontext: "from-internal", dstchannel: "PJSIP/trunk-00000031", billsec: 61, disposition: "ANSWERED", recordingfile: "out-6465550188-101-20261201-151000-1764619800.130.wav", cnum: "101", cnam: "Dana", dst_cnam: "Acme Corp" },
  // Inbound, unanswered.
  { uniqueid: "1764620000.140", linkedid: "1764620000.140", calldate: "2026-12-01 15:13:20", clid: '"" <3125550100>', src: "3125550100", dst: "101", dcontext: "ext-did-0001", dstchannel: "PJSIP/101-00000033", billsec: 0, disposition: "NO ANSWER", cnum: "3125550100" },
  // The day the clocks go back: 1:30 AM happens twice in New York; 3:30 AM does not. Inbound via a DID context.
  { uniqueid: "1793511000.150", linkedid: "1793511000.150", calldate: "2026-11-01 03:30:00", clid: "<4155550111>", src: "4155550111", dst: "101", dcontext: "ext-did-0002", dstchannel: "SIP/101-00000040", billsec: 45, disposition: "ANSWERED", recordingfile: "in-4155550111-101-20261101-033000-1793511000.150.wav", cnum: "4155550111" },
];

let emails: { host: string; rep: string };

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  const list = await listUsers(new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } }));
  const email = (id: string): string => list.find((u) => u.id === id)?.emailAddress ?? "";
  emails = { host: email(SEED_USERS.host), rep: email(SEED_USERS.rep) };
  writeFileSync(join(dir, "extensions.csv"), `extension,email\n101,${emails.host}\n102,${emails.rep}\n`);
  writeFileSync(join(dir, "cdr.csv"), `${COLUMNS}\n${LEGS.map(csvLine).join("\n")}\n`);
  // Two recordings where FreePBX puts them (by the call's local date), one moved elsewhere under monitor/.
  const places: [string, string][] = [
    ["2026/12/01", LEGS[1]?.recordingfile ?? ""],
    ["2026/12/01", LEGS[2]?.recordingfile ?? ""],
    ["archive", LEGS[4]?.recordingfile ?? ""],
  ];
  places.forEach(([sub, name], i) => {
    mkdirSync(join(dir, "monitor", sub), { recursive: true });
    writeFileSync(join(dir, "monitor", sub, name), generateConversationWav({ speakers: 2, turns: 2 + i, turnMs: 60, gapMs: 10, sampleRate: 8000 }).wav);
  });
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("import --preset freepbx", () => {
  it("imports each answered, recorded call once, with its time, direction, rep, other side and recording", async () => {
    const args = ["import", join(dir, "cdr.csv"), "--preset", "freepbx", "--timezone", "America/New_York", "--user-map", join(dir, "extensions.csv"), "--recordings", join(dir, "monitor"), "--quiet"];
    const dry = await runInProcess([...args, "--dry-run"], { env: sandboxEnv(sb) });
    expect(dry.stderr).toBe("");
    expect(lastJson(dry.stdout)).toMatchObject({ total: 4, valid: 3, invalid: 0, filtered: 1, filteredByReason: { "not answered": 1 } });

    const r = await runCli(args, sandboxEnv(sb));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ total: 4, done: 3, created: 3, mediaUploaded: 3, invalid: 0, failed: 0, filtered: 1 });
    const calls = (await sb.calls()).filter((c) => c.clientUniqueId.startsWith("freepbx-")).sort((a, b) => a.started.localeCompare(b.started));
    expect(calls.map((c) => [c.clientUniqueId, c.started, c.request.direction, c.primaryUserId, c.title])).toEqual([
      ["freepbx-1793511000.150", "2026-11-01T08:30:00Z", "Inbound", SEED_USERS.host, "Inbound call with +14155550111"],
      ["freepbx-1764619445.101", "2026-12-01T20:04:05Z", "Inbound", SEED_USERS.rep, "Inbound call with Ann Lee"],
      ["freepbx-1764619800.130", "2026-12-01T20:10:00Z", "Outbound", SEED_USERS.host, "Outbound call with Acme Corp"],
    ]);
    expect(calls.map((c) => c.request.parties)).toEqual([
      [{ userId: SEED_USERS.host }, { phoneNumber: "+14155550111" }],
      [{ userId: SEED_USERS.rep }, { phoneNumber: "+12125550123", name: "Ann Lee" }],
      [{ userId: SEED_USERS.host }, { phoneNumber: "+16465550188", name: "Acme Corp" }],
    ]);
    expect(calls.map((c) => c.request.duration)).toEqual([45, 332, 61]);
    expect(calls.map((c) => c.media.sha256)).toEqual([
      sha256File(join(dir, "monitor", "archive", LEGS[4]?.recordingfile ?? "")),
      sha256File(join(dir, "monitor", "2026/12/01", LEGS[1]?.recordingfile ?? "")),
      sha256File(join(dir, "monitor", "2026/12/01", LEGS[2]?.recordingfile ?? "")),
    ]);
  });

  it("an unknown preset is a usage error naming the presets", async () => {
    const r = await runInProcess(["import", join(dir, "cdr.csv"), "--preset", "asterisk"], { env: sandboxEnv(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--preset asterisk: unknown preset (presets: freepbx, twilio)");
  });
});
