/**
 * A mapping over an export: grouping, filters, users by e-mail and extension (against the sandbox's GET /v2/users),
 * hostile input; and the mapped rows through the importer's one path (validation, journal, report).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import {
  directoryUsers,
  loadUserMap,
  MappingError,
  mappingReader,
  parseMapping,
  runImport,
  senderFromClient,
  validateManifest,
  type MappingReaderOptions,
  type RawManifestRow,
} from "../src/index.js";
import { startTestSandbox } from "../../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-mapping-"));
let sb: RunningSandbox;
let client: GongClient;
/** The sandbox's users as GET /v2/users gives them (read here without the code under test). */
let seeded: { id: string; emailAddress: string; emailAliases: string[]; active: boolean }[];

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: { perSecond: 200 } });
  const auth = Buffer.from(`${sb.accessKey}:${sb.accessKeySecret}`).toString("base64");
  seeded = [];
  let cursor: string | undefined;
  do {
    const res = await fetch(`${sb.baseUrl}/v2/users${cursor === undefined ? "" : `?cursor=${encodeURIComponent(cursor)}`}`, { headers: { authorization: `Basic ${auth}` } });
    const page = (await res.json()) as { users: typeof seeded; records: { cursor?: string } };
    seeded.push(...page.users);
    cursor = page.records.cursor;
  } while (cursor !== undefined);
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function user(id: string): { id: string; emailAddress: string; emailAliases: string[]; active: boolean } {
  const u = seeded.find((x) => x.id === id);
  if (u === undefined) throw new Error(`no seeded user ${id}`);
  return u;
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function rows(reader: (path: string) => AsyncIterable<RawManifestRow>, path: string): Promise<RawManifestRow[]> {
  const out: RawManifestRow[] = [];
  for await (const r of reader(path)) out.push(r);
  return out;
}

const BASE_FIELDS = [
  "  actualStart: $localTime(start)",
  '  primaryUser: \'"1"\'',
  "  parties: '[{\"userId\": \"1\"}]'",
  "  direction: {const: Inbound}",
];

function mapping(lines: readonly string[], options: MappingReaderOptions = {}) {
  return mappingReader(parseMapping(["timezone: America/New_York", ...lines].join("\n"), "m.yaml"), options);
}

describe("groupBy", () => {
  const cdr = file(
    "legs.csv",
    [
      "call,start,leg,billsec,rec",
      "A,2026-12-01 10:00:05,1,0,", // line 2
      "B,2026-12-01 10:01:00,1,30,b.wav",
      "A,2026-12-01 10:00:00,2,40,a.wav",
      "C,2026-12-01 10:02:00,1,10,",
      "A,2026-12-01 10:00:09,3,5,", // line 6: A's last row
      "B,2026-12-01 10:01:30,2,0,",
    ].join("\n"),
  );
  const grouped = [
    "groupBy: call",
    "fields:",
    "  clientUniqueId: '\"g-\" & call'",
    "  actualStart: {from: all, expr: '$sort(start)[0] ~> $localTime()'}",
    "  duration: {from: {where: 'rec != \"\"'}, expr: $number(billsec)}",
    "  title: {from: last, expr: '\"last leg \" & leg'}",
    "  purpose: '$string($count($rows)) & \" legs from line \" & $string($line)'",
    '  primaryUser: \'"1"\'',
    "  parties: '[{\"userId\": \"1\"}]'",
    "  direction: {const: Inbound}",
  ];

  it("makes one call of the rows sharing a key, wherever they are, with first/last/all/where rules", async () => {
    const out = await rows(mapping(grouped), cdr);
    // A call is mapped when its last row is read (C on line 5, A on line 6, B on line 7), named by its first line.
    expect(out.map((r) => [r.line, r.request?.clientUniqueId])).toEqual([
      [5, "g-C"],
      [2, "g-A"],
      [3, "g-B"],
    ]);
    const byId = Object.fromEntries(out.map((r) => [String(r.request?.clientUniqueId), r.request]));
    expect(byId["g-A"]).toEqual({
      clientUniqueId: "g-A",
      actualStart: "2026-12-01T15:00:00Z",
      duration: 40,
      title: "last leg 3",
      purpose: "3 legs from line 2",
      primaryUser: "1",
      parties: [{ userId: "1" }],
      direction: "Inbound",
    });
    // C has no row with a recording: the `where` rule finds none and the field is left out.
    expect(byId["g-C"]).not.toHaveProperty("duration");
    expect(byId["g-B"]).toMatchObject({ duration: 30, title: "last leg 2", purpose: "2 legs from line 3" });
  });

  it("refuses to hold more rows than maxOpenRows (the file must then be sorted by the key)", async () => {
    await expect(rows(mapping(grouped, { maxOpenRows: 2 }), cdr)).rejects.toThrow(/line 4: groupBy holds more than 2 rows of calls not yet complete; sort the file by the group key \(call\)/);
    const sorted = file("sorted.csv", "call,start,leg,billsec,rec\nA,2026-12-01 10:00:00,1,1,x\nA,2026-12-01 10:00:01,2,1,\nB,2026-12-01 11:00:00,1,1,\n");
    expect((await rows(mapping(grouped, { maxOpenRows: 1 }), sorted)).map((r) => r.request?.clientUniqueId)).toEqual(["g-A", "g-B"]);
  });

  it("a row whose key is empty is invalid on its own", async () => {
    const path = file("nokey.csv", "call,start,leg,billsec,rec\n,2026-12-01 10:00:00,1,1,\nA,2026-12-01 10:00:00,1,1,\n");
    const out = await rows(mapping(grouped), path);
    expect(out[0]).toMatchObject({ line: 2, request: undefined, readIssues: [{ path: "groupBy", rule: "the key is empty for this row" }] });
    expect(out[1]?.request?.clientUniqueId).toBe("g-A");
  });
});

describe("filters", () => {
  const path = file(
    "filtered.csv",
    ["id,start,status,rec", "1,2026-12-01 10:00:00,ANSWERED,a.wav", "2,2026-12-01 10:05:00,NO ANSWER,", "3,2026-12-01 10:06:00,ANSWERED,", "4,2026-12-01 10:07:00,BUSY,", "5,2026-12-01 10:08:00,ANSWERED,x"].join("\n"),
  );
  const lines = [
    "filters:",
    "  - reason: not answered",
    '    skip: status != "ANSWERED"',
    "  - reason: no recording",
    '    skip: rec = ""',
    "fields:",
    "  clientUniqueId: '\"f-\" & id'",
    ...BASE_FIELDS,
  ];

  it("skips rows with the first matching reason; the check counts them by reason and never drops one silently", async () => {
    const out = await rows(mapping(lines), path);
    expect(out.map((r) => r.filtered ?? "kept")).toEqual(["kept", "not answered", "no recording", "not answered", "kept"]);
    expect(out[1]).toEqual({ line: 3, request: { clientUniqueId: "f-2" }, readIssues: [], filtered: "not answered" });
    const check = await validateManifest(path, { reader: mapping(lines) });
    expect(check).toMatchObject({ total: 5, valid: 2, invalidCount: 0, filtered: 3 });
    expect({ ...check.filteredByReason }).toEqual({ "not answered": 2, "no recording": 1 });
  });

  it("a filter that fails on a row makes the row invalid, naming the filter", async () => {
    const out = await rows(mapping(["filters:", "  - reason: odd", "    skip: $number(status) > 1", "fields:", "  clientUniqueId: id", ...BASE_FIELDS]), path);
    expect(out[0]?.readIssues[0]).toMatchObject({ path: "filters[0].skip", rule: expect.stringContaining("Unable to cast value to a number") as unknown });
  });

  it("runImport: the kept rows are created, the skipped ones counted in the summary and listed in the report", async () => {
    const report = join(dir, "filtered-report.jsonl");
    const result = await runImport({
      manifest: path,
      reader: mapping(["filters:", "  - reason: not answered", '    skip: status != "ANSWERED"', "fields:", "  clientUniqueId: '\"rf-\" & id'", "  actualStart: $localTime(start)", `  primaryUser: '"${SEED_USERS.host}"'`, `  parties: '[{"userId": "${SEED_USERS.host}"}]'`, "  direction: {const: Outbound}"]),
      journal: join(dir, "filtered.journal.sqlite"),
      report,
      sender: senderFromClient(client),
    });
    expect(result.summary).toMatchObject({ total: 5, done: 3, failed: 0, invalid: 0, filtered: 2, filteredByReason: { "not answered": 2 } });
    const calls = (await sb.calls()).filter((c) => c.clientUniqueId.startsWith("rf-"));
    expect(calls.map((c) => [c.clientUniqueId, c.started]).sort()).toEqual([
      ["rf-1", "2026-12-01T15:00:00Z"],
      ["rf-3", "2026-12-01T15:06:00Z"],
      ["rf-5", "2026-12-01T15:08:00Z"],
    ]);
    const listed = readFileSync(report, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed).toEqual([
      expect.objectContaining({ line: 3, clientUniqueId: "rf-2", stage: "filtered", status: "filtered", errors: ["not answered"] }),
      expect.objectContaining({ line: 5, clientUniqueId: "rf-4", stage: "filtered", status: "filtered", errors: ["not answered"] }),
    ]);
  });
});

describe("users by e-mail and by extension", () => {
  const userLines = (primary: string) => [
    "fields:",
    "  clientUniqueId: id",
    "  actualStart: $localTime(start)",
    `  primaryUser: ${primary}`,
    `  parties: '[{"userId": ${primary}}]'`,
    "  direction: {const: Inbound}",
  ];

  it("matches emailAddress and emailAliases without case, from one walk of GET /v2/users for the whole run", async () => {
    const host = user(SEED_USERS.host);
    expect(host.emailAliases.length).toBeGreaterThan(0);
    const rep = user(SEED_USERS.rep);
    const inactive = user(SEED_USERS.inactive);
    const path = file(
      "emails.csv",
      [
        "id,start,agent",
        `e1,2026-12-01 10:00:00,${host.emailAddress.toUpperCase()}`,
        `e2,2026-12-01 10:00:00,${host.emailAliases[0] ?? ""}`,
        `e3,2026-12-01 10:00:00, ${rep.emailAddress} `,
        "e4,2026-12-01 10:00:00,nobody@nowhere.example",
        `e5,2026-12-01 10:00:00,${inactive.emailAddress}`,
      ].join("\n"),
    );
    let walks = 0;
    await sb.clearRequests();
    const reader = mapping(userLines("$userByEmail(agent)"), {
      users: () => {
        walks++;
        return directoryUsers(client);
      },
    });
    const first = await rows(reader, path);
    const second = await rows(reader, path);
    expect(second).toEqual(first);
    expect(walks).toBe(1);
    const pages = (await sb.requests(1000)).filter((r) => r.path === "/v2/users");
    expect(pages.length).toBe(Math.ceil(seeded.length / 100));
    expect(first.map((r) => r.request?.primaryUser)).toEqual([SEED_USERS.host, SEED_USERS.host, SEED_USERS.rep, undefined, undefined]);
    expect(first[3]?.readIssues).toEqual([
      { path: "primaryUser", rule: 'no Gong user has the e-mail "nobody@nowhere.example" (as emailAddress or in emailAliases)' },
      { path: "parties", rule: 'no Gong user has the e-mail "nobody@nowhere.example" (as emailAddress or in emailAliases)' },
    ]);
    expect(first[4]?.readIssues[0]).toEqual({ path: "primaryUser", rule: `the Gong user with the e-mail "${inactive.emailAddress}" (id ${SEED_USERS.inactive}) is not active` });
  });

  it("by extension through a user map; an unknown extension makes the row invalid, before anything is sent", async () => {
    const rep = user(SEED_USERS.rep);
    const map = file("ext.csv", `extension,email\n101,${user(SEED_USERS.host).emailAddress}\n102 , ${rep.emailAddress}\n103,gone@nowhere.example\n`);
    const path = file("ext-calls.csv", "id,start,ext\nx1,2026-12-01 10:00:00,101\nx2,2026-12-01 10:00:00,102\nx3,2026-12-01 10:00:00,105\nx4,2026-12-01 10:00:00,103\n");
    const reader = mapping(userLines("$userByExtension(ext)"), { userMap: await loadUserMap(map), users: () => directoryUsers(client) });
    const check = await validateManifest(path, { reader });
    expect(check).toMatchObject({ total: 4, valid: 2, invalidCount: 2 });
    expect(check.invalid.map((r) => [r.line, r.clientUniqueId, r.issues[0]])).toEqual([
      [4, "x3", { path: "primaryUser", rule: `extension "105" is not in --user-map ${map}` }],
      [5, "x4", { path: "primaryUser", rule: 'extension 103 → gone@nowhere.example: no Gong user has the e-mail "gone@nowhere.example" (as emailAddress or in emailAliases)' }],
    ]);
  });

  it("the walk of the users is made before the first row: a slow walk does not count against an expression's time limit; a failed walk stops the read with its own error", async () => {
    const path = file("slow.csv", `id,start,agent\ns1,2026-12-01 10:00:00,${user(SEED_USERS.host).emailAddress}\n`);
    const slow = mapping(userLines("$userByEmail(agent)"), {
      timeoutMs: 100,
      users: async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return directoryUsers(client);
      },
    });
    expect((await rows(slow, path))[0]).toMatchObject({ readIssues: [], request: { primaryUser: SEED_USERS.host } });
    const wrongKey = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: "nope", accessKeySecret: "nope" }, maxRetries: 0 });
    const failing = mapping(userLines("$userByEmail(agent)"), { users: () => directoryUsers(wrongKey) });
    await expect(rows(failing, path)).rejects.toMatchObject({ status: 403 }); // access denied on /v2/users is 403 (CONTRACT.md §1)
  });

  it("a user map that cannot be used is refused with its lines", async () => {
    await expect(loadUserMap(file("bad-ext.csv", "101,a@x.example\n102\n,b@x.example\n103,not-an-email\n101,c@x.example\n"))).rejects.toThrow(
      [
        `--user-map ${join(dir, "bad-ext.csv")} line 2: has 1 cells; a line is extension,email`,
        `--user-map ${join(dir, "bad-ext.csv")} line 3: the extension is empty`,
        `--user-map ${join(dir, "bad-ext.csv")} line 4: "not-an-email" is not an e-mail address`,
        `--user-map ${join(dir, "bad-ext.csv")} line 5: extension 101 is already mapped to a@x.example (line 1)`,
      ].join("\n"),
    );
    await expect(loadUserMap(join(dir, "none.csv"))).rejects.toThrow(/--user-map .*none\.csv: no such file/);
  });

  it("what the mapping uses must be given before any row is read", () => {
    const m = parseMapping(["fields:", "  clientUniqueId: id", "  actualStart: $localTime(start)", "  primaryUser: $userByExtension(ext)", "  parties: '[{\"userId\": \"1\"}]'", "  direction: {const: Inbound}"].join("\n"), "m.yaml");
    expect(() => mappingReader(m, { timezone: "Mars/Olympus" })).toThrow(MappingError);
    try {
      mappingReader(m, { defaultCountry: "USA" });
    } catch (err) {
      expect((err as Error).message.split("\n")).toEqual([
        "mapping m.yaml, timezone: the mapping reads local times ($localTime) but no time zone is given: add timezone: to the mapping or give --timezone",
        'mapping m.yaml, --default-country: "USA" is not a country code (two capital letters, e.g. US, GB)',
        "mapping m.yaml, --user-map: the mapping finds users by extension ($userByExtension): give --user-map FILE (a CSV of extension,email)",
        "mapping m.yaml, users: the mapping finds Gong users by e-mail or extension, which needs the list of Gong users (credentials)",
      ]);
    }
  });
});

describe("phone numbers and warnings", () => {
  it("E.164 with the default country; an invalid number kept as written, warned about once per run", async () => {
    const path = file("phones.csv", "id,start,other\np1,2026-12-01 10:00:00,(212) 555-0123\np2,2026-12-01 10:00:00,0123\n");
    const warnings: unknown[] = [];
    const reader = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS.slice(0, 2), '  parties: \'[{"userId": "1"}, {"phoneNumber": $phone(other)}]\'', "  direction: {const: Inbound}"], {
      onWarning: (w) => warnings.push(w),
    });
    const first = await rows(reader, path);
    await rows(reader, path);
    expect(first.map((r) => (r.request?.parties as { phoneNumber?: string }[])[1]?.phoneNumber)).toEqual(["+12125550123", "0123"]);
    expect(warnings).toEqual([{ line: 3, field: "parties", message: '"0123" is not a valid phone number (default country US); kept as written' }]);
  });
});

describe("hostile input", () => {
  const lines = ["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  title: notes"];

  it("a huge cell makes its row invalid, naming the column; the rows around it are mapped", async () => {
    const path = file("huge.csv", `id,start,notes\nh1,2026-12-01 10:00:00,ok\nh2,2026-12-01 10:00:00,${"x".repeat(2_000_000)}\nh3,2026-12-01 10:00:00,ok\n`);
    const out = await rows(mapping(lines), path);
    expect(out.map((r) => r.request?.clientUniqueId)).toEqual(["h1", undefined, "h3"]);
    expect(out[1]?.readIssues).toEqual([{ path: "notes", rule: "the value is 2000000 characters long; at most 100000 are read" }]);
  });

  it("JSONL rows: __proto__ keys refused, nothing reaches Object.prototype", async () => {
    const path = file("proto.jsonl", ['{"id":"j1","start":"2026-12-01 10:00:00","notes":"ok"}', '{"id":"j2","start":"2026-12-01 10:00:00","__proto__":{"polluted":true}}', '{"id":"j3","start":"2026-12-01 10:00:00","notes":{"__proto__":{"polluted":true}}}'].join("\n"));
    const out = await rows(mapping(lines), path);
    expect(out[0]?.request?.title).toBe("ok");
    expect(out[1]?.readIssues).toEqual([{ path: "__proto__", rule: "is not allowed (a reserved name)" }]);
    expect(out[2]?.readIssues).toEqual([{ path: "notes.__proto__", rule: "is not allowed (a reserved name)" }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("an expression that loops or recurses forever is stopped, and the row is invalid", async () => {
    const path = file("loop.csv", "id,start,notes\nl1,2026-12-01 10:00:00,x\n");
    const loop = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  title: '($f := function($n) { $n > 0 ? $f($n) : 0 }; $string($f(1)))'"], { timeoutMs: 300 });
    expect((await rows(loop, path))[0]?.readIssues).toEqual([{ path: "title", rule: "the expression ran longer than 300 ms and was stopped" }]);
    const deep = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  title: '($f := function($n) { 1 + $f($n + 1) }; $string($f(1)))'"]);
    expect((await rows(deep, path))[0]?.readIssues).toEqual([{ path: "title", rule: "the expression nested or recursed deeper than 300 levels and was stopped" }]);
    const big = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  title: '$string($count([1..100000000]))'"]);
    expect((await rows(big, path))[0]?.readIssues[0]?.rule).toMatch(/must not exceed 1e7|maximum sequence length/);
  });

  it("an expression that gives an object with reserved keys or a function", async () => {
    const path = file("reserved.csv", "id,start,notes\nr1,2026-12-01 10:00:00,x\n");
    const out = await rows(mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS.slice(0, 3), '  speakersTimeline: \'{"constructor": {"x": 1}}\'', "  title: $uppercase", "  direction: {const: Inbound}"]), path);
    expect(out[0]?.readIssues).toEqual([
      { path: "speakersTimeline.constructor", rule: "is not allowed (a reserved name)" },
      { path: "title", rule: "the expression gave a function, not a value" },
    ]);
  });
});

describe("variables, $isExtension and $recording", () => {
  it("variables are computed once per call and seen by every field; $isExtension reads the user map", async () => {
    const map = file("ext-vars.csv", "101,a@x.example\n");
    const path = file("vars.csv", "id,start,src,dst\nv1,2026-12-01 10:00:00,101,2125550123\nv2,2026-12-01 10:00:00,2125550123,101\n");
    const reader = mapping(
      [
        "variables:",
        '  direction: \'$isExtension(src) ? "Outbound" : "Inbound"\'',
        '  other: \'$direction = "Outbound" ? dst : src\'',
        "fields:",
        "  clientUniqueId: id",
        "  actualStart: $localTime(start)",
        '  primaryUser: \'"1"\'',
        '  parties: \'[{"userId": "1"}, {"phoneNumber": $phone($other)}]\'',
        "  direction: $direction",
        "  title: '$direction & \" call with \" & $other'",
      ],
      { userMap: await loadUserMap(map) },
    );
    const out = await rows(reader, path);
    expect(out.map((r) => [r.request?.direction, r.request?.title])).toEqual([
      ["Outbound", "Outbound call with 2125550123"],
      ["Inbound", "Inbound call with 2125550123"],
    ]);
  });

  it("$recording: DIR/YYYY/MM/DD/name for the call's date, else the one file of that name under DIR; none, several or a path are refused", async () => {
    const rec = join(dir, "monitor");
    for (const [sub, name] of [["2026/12/01", "a.wav"], ["old", "b.wav"], ["x", "dup.wav"], ["y", "dup.wav"], ["2026/12/02", "a.wav"]] as const) {
      mkdirSync(join(rec, sub), { recursive: true });
      writeFileSync(join(rec, sub, name), "RIFF");
    }
    const path = file("recs.csv", ["id,start,rec", "r1,2026-12-01 10:00:00,a.wav", "r2,2026-12-01 10:00:00,b.wav", "r3,2026-12-01 10:00:00,c.wav", "r4,2026-12-01 10:00:00,dup.wav", "r5,2026-12-01 10:00:00,../secret.wav"].join("\n"));
    const reader = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  mediaFile: $recording(rec, start)"], { recordings: rec });
    const out = await rows(reader, path);
    expect(out[0]?.mediaFile).toBe(join(rec, "2026/12/01/a.wav"));
    expect(out[1]?.mediaFile).toBe(join(rec, "old/b.wav"));
    expect(out[2]?.readIssues).toEqual([{ path: "mediaFile", rule: `no recording named "c.wav" under --recordings ${rec} (looked in 2026/12/01/ first)` }]);
    expect(out[3]?.readIssues[0]?.rule).toMatch(/^2 files named "dup\.wav" under --recordings/);
    expect(out[4]?.readIssues).toEqual([{ path: "mediaFile", rule: '"../secret.wav" is not a file name (a recording is looked up by its name alone)' }]);
    expect(() => mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  mediaFile: $recording(rec)"])).toThrow(/--recordings: the mapping finds recordings by name/);
  });

  it("the freepbx preset is a valid mapping shipped with the package", async () => {
    const { loadMapping, presetPath, PRESETS } = await import("../src/index.js");
    expect(PRESETS).toEqual(["freepbx", "twilio"]);
    const m = await loadMapping(presetPath("freepbx"));
    expect(m.variables.map((v) => v.name)).toEqual(["callId", "start", "direction", "recorded", "answered", "channelExt", "rep", "repCalled", "other", "otherIsUser", "otherName"]);
    expect(() => presetPath("nope")).toThrow("--preset nope: unknown preset (presets: freepbx, twilio)");
  });
});

describe("regular expressions", () => {
  it("one that backtracks catastrophically on a long cell is stopped after the time limit; the row is invalid, the next row mapped", async () => {
    const path = file("redos.csv", `id,start,x\nr1,2026-12-01 10:00:00,${"a".repeat(50_000)}!\nr2,2026-12-01 10:00:00,PJSIP/101-0000002b\n`);
    const reader = mapping(["fields:", "  clientUniqueId: id", ...BASE_FIELDS, "  title: '$match(x, /(a+)+$/) ? \"a\" : $match(x, /^[A-Za-z]+\\/(\\d+)-/).groups[0]'"], { timeoutMs: 300 });
    const out = await rows(reader, path);
    expect(out[0]?.readIssues).toEqual([{ path: "title", rule: "the regular expression /(a+)+$/ ran longer than 300 ms on a value of 50001 characters and was stopped" }]);
    expect([out[1]?.request?.title, out[1]?.readIssues]).toEqual(["101", []]);
  });

  it("matches as RegExp does: groups, several matches ($replace, $split), flags", async () => {
    const path = file("regex-ok.csv", "id,start,x\nq1,2026-12-01 10:00:00,Ann-LEE--x\n");
    const reader = mapping([
      "fields:",
      "  clientUniqueId: id",
      ...BASE_FIELDS,
      "  title: '$replace(x, /-+/, \" \") & \"|\" & $join($split(x, /-/), \",\") & \"|\" & $match(x, /lee/i).match & \"|\" & $string($count($match(x, /[a-z]/)))'",
    ]);
    expect((await rows(reader, path))[0]?.request?.title).toBe("Ann LEE x|Ann,LEE,,x|LEE|3");
  });
});
