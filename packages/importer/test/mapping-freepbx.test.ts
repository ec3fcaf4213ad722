/**
 * The freepbx preset, rule by rule (issue 15): grouping by linkedid else uniqueid, the filters, clientUniqueId,
 * actualStart, duration, direction, rep, parties, recording, title; columns in any order, an extra column, a missing
 * one; hostile cells. Users come from the sandbox's GET /v2/users.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { directoryUsers, loadMapping, loadUserMap, mappingReader, presetPath, type DirectoryUser, type RawManifestRow } from "../src/index.js";
import { startTestSandbox } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-freepbx-unit-"));
const monitor = join(dir, "monitor");
let sb: RunningSandbox;
let users: DirectoryUser[];

/** FreePBX's 26 cdr columns, in the table's order. */
const COLUMNS = [
  "calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec", "disposition", "amaflags",
  "accountcode", "uniqueid", "userfield", "did", "recordingfile", "cnum", "cnam", "outbound_cnum", "outbound_cnam", "dst_cnam", "linkedid",
  "peeraccount", "sequence",
];

type Leg = Partial<Record<string, string>>;

function cell(v: string): string {
  return /[",\n\r]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A CDR export of these legs with these columns (in this order). */
function cdr(name: string, legs: readonly Leg[], columns: readonly string[] = COLUMNS): string {
  const path = join(dir, name);
  writeFileSync(path, [columns.join(","), ...legs.map((l) => columns.map((c) => cell(l[c] ?? "")).join(","))].join("\r\n") + "\r\n");
  return path;
}

function recording(sub: string, name: string): string {
  mkdirSync(join(monitor, sub), { recursive: true });
  const path = join(monitor, sub, name);
  writeFileSync(path, "RIFF....WAVE");
  return path;
}

let seq = 0;
/** One leg with FreePBX's usual values; `over` replaces any of them. */
function leg(over: Leg): Leg {
  seq++;
  const uniqueid = over.uniqueid ?? `1764619${String(seq).padStart(3, "0")}.${seq}`;
  return {
    uniqueid,
    linkedid: uniqueid,
    calldate: "2026-12-01 10:00:00",
    channel: `PJSIP/trunk-0000${seq}`,
    lastapp: "Dial",
    duration: String(Number(over.billsec ?? "0") + 4),
    billsec: "0",
    disposition: "ANSWERED",
    amaflags: "3",
    sequence: String(seq),
    ...over,
  };
}

async function read(path: string, options: { timezone?: string } = {}): Promise<RawManifestRow[]> {
  const reader = mappingReader(await loadMapping(presetPath("freepbx")), {
    timezone: options.timezone ?? "America/New_York",
    userMap: await loadUserMap(join(dir, "extensions.csv")),
    users: () => Promise.resolve(users),
    recordings: monitor,
  });
  const out: RawManifestRow[] = [];
  for await (const r of reader(path)) out.push(r);
  return out;
}

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  users = await directoryUsers(new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } }));
  const email = (id: string): string => users.find((u) => u.id === id)?.emailAddress ?? "";
  writeFileSync(
    join(dir, "extensions.csv"),
    `extension,email\n101,${email(SEED_USERS.host)}\n102,${email(SEED_USERS.rep)}\n103,${email(SEED_USERS.example)}\n104,${email(SEED_USERS.inactive)}\n`,
  );
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("freepbx preset: calls, filters and ids", () => {
  it("one call per linkedid, else uniqueid (an empty linkedid or no linkedid column); freepbx-<linkedid>", async () => {
    recording("2026/12/01", "g1.wav");
    recording("2026/12/01", "g2.wav");
    const legs = [
      leg({ uniqueid: "100.1", linkedid: "100.1", src: "2125550123", dst: "101", dcontext: "from-trunk", dstchannel: "PJSIP/101-01", disposition: "NO ANSWER" }),
      leg({ uniqueid: "100.2", linkedid: "100.1", src: "2125550123", dst: "102", dcontext: "from-trunk", dstchannel: "PJSIP/102-02", billsec: "30", recordingfile: "g1.wav" }),
      leg({ uniqueid: "200.1", linkedid: "", src: "2125550124", dst: "101", dcontext: "from-trunk", dstchannel: "PJSIP/101-03", billsec: "20", recordingfile: "g2.wav" }),
    ];
    const rows = await read(cdr("group.csv", legs));
    expect(rows.map((r) => [r.line, r.request?.clientUniqueId, r.readIssues])).toEqual([
      [2, "freepbx-100.1", []],
      [4, "freepbx-200.1", []],
    ]);
    // Without the linkedid column (older exports): one call per uniqueid.
    const noLinked = await read(cdr("no-linkedid.csv", legs, COLUMNS.filter((c) => c !== "linkedid")));
    expect(noLinked.map((r) => [r.line, r.request?.clientUniqueId, r.filtered])).toEqual([
      [2, "freepbx-100.1", "not answered"],
      [3, "freepbx-100.2", undefined],
      [4, "freepbx-200.1", undefined],
    ]);
  });

  it("only calls with an ANSWERED leg and a recordingfile: the others are skipped with their reason", async () => {
    recording("2026/12/01", "kept.wav");
    const rows = await read(
      cdr("filters.csv", [
        leg({ uniqueid: "1.1", src: "2125550123", dst: "101", dcontext: "from-trunk", disposition: "NO ANSWER", recordingfile: "x.wav" }),
        leg({ uniqueid: "2.1", src: "2125550123", dst: "101", dcontext: "from-trunk", disposition: "BUSY" }),
        leg({ uniqueid: "3.1", src: "101", dst: "2125550123", dcontext: "from-internal", disposition: "FAILED" }),
        leg({ uniqueid: "4.1", src: "2125550123", dst: "101", dcontext: "from-trunk", dstchannel: "PJSIP/101-1", billsec: "12" }),
        leg({ uniqueid: "5.1", src: "2125550123", dst: "101", dcontext: "from-trunk", dstchannel: "PJSIP/101-1", billsec: "12", disposition: " answered ", recordingfile: " kept.wav " }),
      ]),
    );
    expect(rows.map((r) => [r.request?.clientUniqueId, r.filtered ?? r.readIssues])).toEqual([
      ["freepbx-1.1", "not answered"],
      ["freepbx-2.1", "not answered"],
      ["freepbx-3.1", "not answered"],
      ["freepbx-4.1", "no recording"],
      ["freepbx-5.1", []],
    ]);
    expect(rows[4]?.mediaFile).toBe(join(monitor, "2026/12/01/kept.wav"));
  });
});

describe("freepbx preset: times and durations", () => {
  it("actualStart is the earliest calldate of the call in --timezone, as UTC; duration the billsec of the recorded answered leg", async () => {
    recording("2026/07/04", "t.wav");
    const rows = await read(
      cdr("times.csv", [
        leg({ uniqueid: "7.2", linkedid: "7.1", calldate: "2026-07-04 09:15:07", src: "2125550123", dst: "600", dcontext: "from-trunk", dstchannel: "PJSIP/101-1", billsec: "8", disposition: "ANSWERED" }),
        leg({ uniqueid: "7.1", linkedid: "7.1", calldate: "2026-07-04 09:15:02", src: "2125550123", dst: "600", dcontext: "from-trunk", dstchannel: "PJSIP/103-1", disposition: "NO ANSWER" }),
        leg({ uniqueid: "7.3", linkedid: "7.1", calldate: "2026-07-04 09:15:20", src: "2125550123", dst: "600", dcontext: "from-trunk", dstchannel: "PJSIP/102-1", billsec: "421", recordingfile: "t.wav" }),
      ]),
    );
    expect(rows[0]?.readIssues).toEqual([]);
    expect(rows[0]?.request).toMatchObject({ actualStart: "2026-07-04T13:15:02Z", duration: 421, primaryUser: SEED_USERS.rep });
    const winter = await read(cdr("winter.csv", [leg({ uniqueid: "8.1", calldate: "2026-12-01 23:30:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "t.wav" })]));
    expect(winter[0]?.request?.actualStart).toBe("2026-12-02T04:30:00Z");
    const la = await read(cdr("la.csv", [leg({ uniqueid: "9.1", calldate: "2026-12-01 23:30:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "t.wav" })]), { timezone: "America/Los_Angeles" });
    expect(la[0]?.request?.actualStart).toBe("2026-12-02T07:30:00Z");
  });

  it("a calldate in the hour the clocks go back, or skip, is refused with the row and the reason; a bad billsec too", async () => {
    recording("2026/11/01", "d.wav");
    const rows = await read(
      cdr("dst.csv", [
        leg({ uniqueid: "11.1", calldate: "2026-11-01 00:59:59", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "d.wav" }),
        leg({ uniqueid: "12.1", calldate: "2026-11-01 01:30:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "d.wav" }),
        leg({ uniqueid: "13.1", calldate: "2026-11-01 02:00:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "d.wav" }),
        leg({ uniqueid: "14.1", calldate: "2026-03-08 02:30:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "5", recordingfile: "d.wav" }),
        leg({ uniqueid: "15.1", calldate: "2026-11-01 02:10:00", src: "2125550123", dst: "101", dcontext: "from-trunk", billsec: "-4", recordingfile: "d.wav" }),
      ]),
    );
    expect(rows.map((r) => [r.line, r.request?.actualStart, r.readIssues])).toEqual([
      [2, "2026-11-01T04:59:59Z", []],
      [
        3,
        undefined,
        [{ path: "actualStart", rule: 'local time "2026-11-01 01:30:00" is ambiguous in America/New_York: it happens twice when the clocks go back (at -04:00 and -05:00); the export must give an offset or UTC' }],
      ],
      [4, "2026-11-01T07:00:00Z", []],
      [5, undefined, [{ path: "actualStart", rule: 'local time "2026-03-08 02:30:00" does not exist in America/New_York: the clocks go forward at that hour (daylight saving time); the export must give another time or an offset' }]],
      [6, "2026-11-01T07:10:00Z", [{ path: "duration", rule: '"-4" is not a duration (seconds, mm:ss or hh:mm:ss)' }]],
    ]);
  });
});

describe("freepbx preset: direction, rep and parties", () => {
  it("Inbound from from-trunk, from-pstn, from-did-direct and ext-did*; the rep answers (PJSIP/SIP/Local channel, else dst)", async () => {
    recording("2026/12/01", "in.wav");
    const legs = [
      leg({ uniqueid: "21.1", dcontext: "from-trunk", src: "2125550101", dst: "600", dstchannel: "PJSIP/102-0000002a", clid: '"Ann Lee" <2125550101>', cnum: "2125550101", cnam: "Ann Lee", billsec: "9", recordingfile: "in.wav" }),
      leg({ uniqueid: "22.1", dcontext: "from-pstn", src: "2125550102", dst: "4000", dstchannel: "SIP/103-00000001", clid: '"Bo Chen" <2125550102>', cnum: "2125550102", billsec: "9", recordingfile: "in.wav" }),
      leg({ uniqueid: "23.1", dcontext: "from-did-direct", src: "2125550103", dst: "101", dstchannel: "", clid: "2125550103 <2125550103>", cnum: "2125550103", cnam: "2125550103", billsec: "9", recordingfile: "in.wav" }),
      leg({ uniqueid: "24.1", dcontext: "ext-did-0002", src: "+442079460958", dst: "700", dstchannel: "Local/101@from-queue-00000012;1", cnum: "+442079460958", billsec: "9", recordingfile: "in.wav" }),
      leg({ uniqueid: "25.1", dcontext: "from-trunk", src: "2125550105", dst: "102", dstchannel: "PJSIP/trunk-0001", cnum: "", billsec: "9", recordingfile: "in.wav" }),
    ];
    const rows = await read(cdr("inbound.csv", legs));
    const summary = rows.map((r) => [r.request?.direction, r.request?.primaryUser, r.request?.parties, r.request?.title, r.readIssues]);
    const { host, rep, example } = SEED_USERS;
    expect(summary).toEqual([
      ["Inbound", rep, [{ userId: rep }, { phoneNumber: "+12125550101", name: "Ann Lee" }], "Inbound call with Ann Lee", []],
      ["Inbound", example, [{ userId: example }, { phoneNumber: "+12125550102", name: "Bo Chen" }], "Inbound call with Bo Chen", []],
      ["Inbound", host, [{ userId: host }, { phoneNumber: "+12125550103" }], "Inbound call with +12125550103", []],
      ["Inbound", host, [{ userId: host }, { phoneNumber: "+442079460958" }], "Inbound call with +442079460958", []],
      ["Inbound", rep, [{ userId: rep }, { phoneNumber: "+12125550105" }], "Inbound call with +12125550105", []],
    ]);
  });

  it("Outbound from from-internal* to a number that is not an extension: the rep is src (or cnum), the other side dst and dst_cnam", async () => {
    recording("2026/12/01", "out.wav");
    const rows = await read(
      cdr("outbound.csv", [
        leg({ uniqueid: "31.1", dcontext: "from-internal", src: "101", cnum: "101", cnam: "Dana", clid: '"Dana" <101>', dst: "6465550188", dst_cnam: "Acme Corp", dstchannel: "PJSIP/trunk-1", billsec: "61", recordingfile: "out.wav" }),
        leg({ uniqueid: "32.1", dcontext: "from-internal-xfer", src: "+12125550000", cnum: "102", dst: "16465550199", dstchannel: "PJSIP/trunk-2", billsec: "7", recordingfile: "out.wav" }),
      ]),
    );
    const { host, rep } = SEED_USERS;
    expect(rows.map((r) => [r.request?.direction, r.request?.primaryUser, r.request?.parties, r.request?.title, r.request?.duration])).toEqual([
      ["Outbound", host, [{ userId: host }, { phoneNumber: "+16465550188", name: "Acme Corp" }], "Outbound call with Acme Corp", 61],
      ["Outbound", rep, [{ userId: rep }, { phoneNumber: "+16465550199" }], "Outbound call with +16465550199", 7],
    ]);
  });

  it("Unknown otherwise: an internal call between extensions has the caller as rep and the callee as a second user; other contexts too", async () => {
    recording("2026/12/01", "int.wav");
    const rows = await read(
      cdr("unknown.csv", [
        // 101 calls 102 directly.
        leg({ uniqueid: "41.1", dcontext: "from-internal", src: "101", cnum: "101", dst: "102", dst_cnam: "Ben Okafor", dstchannel: "PJSIP/102-00000007", billsec: "40", recordingfile: "int.wav" }),
        // 102 calls 103 (a SIP phone); no name for the callee.
        leg({ uniqueid: "42.1", dcontext: "from-internal", src: "102", cnum: "102", dst: "103", dstchannel: "SIP/103-00000008", billsec: "41", recordingfile: "int.wav" }),
        // A context the rules do not name, from outside: the rep is who answered, the other side the caller's number.
        leg({ uniqueid: "43.1", dcontext: "from-queue", src: "2125550123", cnum: "2125550123", dst: "700", dstchannel: "Local/101@from-queue-00000001;1", billsec: "42", recordingfile: "int.wav" }),
      ]),
    );
    const { host, rep, example } = SEED_USERS;
    expect(rows.map((r) => [r.request?.direction, r.request?.primaryUser, r.request?.parties, r.request?.title, r.readIssues])).toEqual([
      ["Unknown", host, [{ userId: host }, { userId: rep, name: "Ben Okafor" }], "Call with Ben Okafor", []],
      ["Unknown", rep, [{ userId: rep }, { userId: example }], "Call with extension 103", []],
      ["Unknown", host, [{ userId: host }, { phoneNumber: "+12125550123" }], "Call with +12125550123", []],
    ]);
  });

  it("an unknown extension, or one whose Gong user is inactive, makes the call invalid, named before anything is sent", async () => {
    recording("2026/12/01", "u.wav");
    const rows = await read(
      cdr("users.csv", [
        leg({ uniqueid: "51.1", dcontext: "from-trunk", src: "2125550123", dst: "105", dstchannel: "PJSIP/105-1", billsec: "3", recordingfile: "u.wav" }),
        leg({ uniqueid: "52.1", dcontext: "from-trunk", src: "2125550123", dst: "104", dstchannel: "PJSIP/104-1", billsec: "3", recordingfile: "u.wav" }),
        leg({ uniqueid: "53.1", dcontext: "from-internal", src: "5551212", dst: "6465550188", billsec: "3", recordingfile: "u.wav" }),
      ]),
    );
    expect(rows.map((r) => [r.line, r.request?.clientUniqueId, r.readIssues.map((i) => `${i.path}: ${i.rule}`)])).toEqual([
      [2, "freepbx-51.1", [`primaryUser: extension "105" is not in --user-map ${join(dir, "extensions.csv")}`, `parties: extension "105" is not in --user-map ${join(dir, "extensions.csv")}`]],
      [3, "freepbx-52.1", [expect.stringMatching(/^primaryUser: extension 104 → .*: the Gong user with the e-mail .* is not active$/), expect.stringMatching(/^parties: extension 104 → .* is not active$/)]],
      [4, "freepbx-53.1", [`primaryUser: extension "5551212" is not in --user-map ${join(dir, "extensions.csv")}`, `parties: extension "5551212" is not in --user-map ${join(dir, "extensions.csv")}`]],
    ]);
  });
});

describe("freepbx preset: recordings and columns", () => {
  it("the recording under DIR/YYYY/MM/DD of the call's local date, else anywhere under DIR; a full path is read by its name; a missing one is refused", async () => {
    const dated = recording("2026/12/02", "late.wav");
    recording("2026/12/01", "late.wav"); // the UTC date: not the one FreePBX uses
    const moved = recording("archive/old", "moved.wav");
    const rows = await read(
      cdr("recs.csv", [
        leg({ uniqueid: "61.1", calldate: "2026-12-02 00:30:00", dcontext: "from-trunk", src: "2125550123", dst: "101", billsec: "3", recordingfile: "late.wav" }),
        leg({ uniqueid: "62.1", calldate: "2026-12-05 10:00:00", dcontext: "from-trunk", src: "2125550123", dst: "101", billsec: "3", recordingfile: "/var/spool/asterisk/monitor/2026/12/05/moved.wav" }),
        leg({ uniqueid: "63.1", calldate: "2026-12-05 10:00:00", dcontext: "from-trunk", src: "2125550123", dst: "101", billsec: "3", recordingfile: "../../etc/passwd" }),
      ]),
    );
    expect(rows[0]?.mediaFile).toBe(dated);
    expect(rows[1]?.mediaFile).toBe(moved);
    expect(rows[2]?.readIssues).toEqual([{ path: "mediaFile", rule: `no recording named "passwd" under --recordings ${monitor} (looked in 2026/12/05/ first)` }]);
  });

  it("columns in any order, with an extra column; a missing column is refused before any row is read, naming it", async () => {
    recording("2026/12/01", "cols.wav");
    const shuffled = [...COLUMNS].reverse();
    shuffled.splice(5, 0, "note");
    const legs = [leg({ uniqueid: "71.1", dcontext: "from-trunk", src: "2125550123", dst: "101", dstchannel: "PJSIP/101-1", billsec: "3", recordingfile: "cols.wav", note: "a, \"quoted\" note" })];
    const rows = await read(cdr("shuffled.csv", legs, shuffled));
    expect(rows.map((r) => [r.request?.clientUniqueId, r.request?.primaryUser, r.readIssues])).toEqual([["freepbx-71.1", SEED_USERS.host, []]]);
    const path = cdr("missing.csv", legs, COLUMNS.filter((c) => c !== "disposition" && c !== "billsec"));
    await expect(read(path)).rejects.toThrow(`input ${path} line 1: no column "billsec", "disposition" (the mapping needs them; columns: calldate, clid,`);
  });
});
