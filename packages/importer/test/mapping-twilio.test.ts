/**
 * The twilio preset: examples/twilio (a call log as Twilio's Calls list writes it, newest first, parent calls and
 * their <Dial> legs) imported into the sandbox; the same calls from other spellings of the columns (snake_case JSON
 * lines, spaced names with UTC times); recordings by call SID (.wav, else .mp3); a missing column.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import { SEED_USERS, type RunningSandbox } from "@gong-connector/sandbox";
import { directoryUsers, loadMapping, loadUserMap, mappingReader, presetPath, runImport, senderFromClient, type DirectoryUser, type RawManifestRow } from "../src/index.js";
import { generateRecordings } from "../../../examples/twilio/generate-recordings.js";
import { sha256File, startTestSandbox } from "../../../test-support/importer.js";

const example = join(import.meta.dirname, "..", "..", "..", "examples", "twilio");
const dir = mkdtempSync(join(tmpdir(), "gc-twilio-"));
const recordings = join(dir, "recordings");
let sb: RunningSandbox;
let client: GongClient;
let users: DirectoryUser[];

const T1 = "CA83f1535f99ab0bf4e9d02dfd85d3e3f7";
const T2 = "CA0f826a89cf68c399c5f4cf320c1a5842";
const T3 = "CA0b8854ad38f0a6c65807928d28195609";
const T4 = "CA1051527638b9da6fe99e4242795a10ea";
const T5 = "CAdf2184f4b46de3ddf02f74fb03810020";
const T6 = "CAa77cca9bd375665b36f4239eeda0c996";
const T7 = "CA3685708fd594a6861aa73f181e657dc5";

async function reader(path: string): Promise<RawManifestRow[]> {
  const read = mappingReader(await loadMapping(presetPath("twilio")), {
    userMap: await loadUserMap(join(dir, "agents.csv")),
    users: () => Promise.resolve(users),
    recordings,
    format: path.endsWith(".jsonl") ? "jsonl" : "csv",
  });
  const out: RawManifestRow[] = [];
  for await (const r of read(path)) out.push(r);
  return out;
}

const shape = (rows: readonly RawManifestRow[]): unknown[] =>
  rows.map((r) => [r.request?.clientUniqueId, r.filtered ?? (r.readIssues.length > 0 ? r.readIssues : r.request)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

beforeAll(async () => {
  sb = await startTestSandbox({ ratePerSecond: 0 });
  client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } });
  users = await directoryUsers(client);
  for (const f of ["calls.csv", "agents.csv", "recordings.txt"]) copyFileSync(join(example, f), join(dir, f));
  generateRecordings(join(dir, "recordings.txt"), recordings);
});
afterAll(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("twilio preset", () => {
  it("imports examples/twilio: one call per parent call, with its agent, direction, other side, talk time and recording", async () => {
    const result = await runImport({
      manifest: join(dir, "calls.csv"),
      reader: mappingReader(await loadMapping(presetPath("twilio")), {
        userMap: await loadUserMap(join(dir, "agents.csv")),
        users: () => directoryUsers(client),
        recordings,
      }),
      journal: join(dir, "calls.journal.sqlite"),
      sender: senderFromClient(client),
      mediaRoot: recordings,
      skipInvalid: true,
    });
    expect(result.summary).toMatchObject({ total: 7, done: 4, created: 4, mediaUploaded: 4, invalid: 1, failed: 0, filtered: 2, filteredByReason: { "not answered": 1, "no recording": 1 } });
    const { host, rep, example: dana } = SEED_USERS;
    const calls = [...(await sb.calls())].sort((a, b) => a.started.localeCompare(b.started));
    expect(calls.map((c) => [c.clientUniqueId, c.started, c.request.duration, c.request.direction, c.primaryUserId, c.request.parties, c.title])).toEqual([
      [`twilio-${T1}`, "2026-10-30T13:12:03Z", 332, "Inbound", rep, [{ userId: rep }, { phoneNumber: "+12125550123", name: "ANN LEE" }], "Inbound call with ANN LEE"],
      [`twilio-${T2}`, "2026-10-30T14:05:40Z", 61, "Outbound", dana, [{ userId: dana }, { phoneNumber: "+16465550188" }], "Outbound call with +16465550188"],
      [`twilio-${T3}`, "2026-10-30T15:20:09Z", 128, "Outbound", host, [{ userId: host }, { phoneNumber: "+13105550142" }], "Outbound call with +13105550142"],
      [`twilio-${T6}`, "2026-10-30T18:02:01Z", 412, "Inbound", host, [{ userId: host }, { phoneNumber: "+14155550111", name: "PRIYA NAIR" }], "Inbound call with PRIYA NAIR"],
    ]);
    expect(calls.map((c) => c.media.sha256)).toEqual([T1, T2, T3, T6].map((sid) => sha256File(join(recordings, `${sid}.wav`))));
  });

  it("names what cannot be imported: an agent not in the user map; what was skipped and why", async () => {
    const rows = await reader(join(dir, "calls.csv"));
    const byId = new Map(rows.map((r) => [r.request?.clientUniqueId, r]));
    expect(byId.get(`twilio-${T4}`)?.filtered).toBe("not answered");
    expect(byId.get(`twilio-${T5}`)?.filtered).toBe("no recording");
    expect(byId.get(`twilio-${T7}`)?.readIssues).toEqual([
      { path: "primaryUser", rule: `extension "carol" is not in --user-map ${join(dir, "agents.csv")}` },
      { path: "parties", rule: `extension "carol" is not in --user-map ${join(dir, "agents.csv")}` },
    ]);
  });

  it("reads the same log from snake_case JSON lines (the REST API's fields) and from spaced column names with UTC times", async () => {
    const csv = parse(readFileSync(join(dir, "calls.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    const snake = (k: string): string => k.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
    writeFileSync(join(dir, "calls.jsonl"), csv.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), v])))).join("\n"));
    const spaced = Object.keys(csv[0] ?? {}).map((k) => k.replace(/([a-z])([A-Z])/g, "$1 $2"));
    const utc = (v: string): string => (/^[A-Z][a-z]{2}, /.test(v) ? `${new Date(v).toISOString().slice(0, 19).replace("T", " ")} UTC` : v);
    writeFileSync(
      join(dir, "calls-spaced.csv"),
      [spaced.join(","), ...csv.map((r) => Object.values(r).map((v) => (/[,"]/.test(utc(v)) ? `"${utc(v)}"` : utc(v))).join(","))].join("\n"),
    );
    const expected = shape(await reader(join(dir, "calls.csv")));
    expect(expected).toHaveLength(7);
    expect(shape(await reader(join(dir, "calls.jsonl")))).toEqual(expected);
    expect(shape(await reader(join(dir, "calls-spaced.csv")))).toEqual(expected);
  });

  it("a recording saved as .mp3 is found when there is no .wav; a log without a needed column is refused, naming it", async () => {
    mkdirSync(join(recordings, "mp3"), { recursive: true });
    const mp3 = join(recordings, "mp3", "CA00000000000000000000000000000009.mp3");
    writeFileSync(mp3, "ID3");
    const path = join(dir, "one.csv");
    writeFileSync(
      path,
      "Sid,ParentCallSid,To,From,Status,StartTime,Duration,Direction\nCA00000000000000000000000000000009,,+16465550188,+12125559001,completed,\"Fri, 30 Oct 2026 14:05:40 +0000\",61,outbound-api\n",
    );
    expect((await reader(path))[0]?.mediaFile).toBe(mp3);
    const missing = join(dir, "missing.csv");
    writeFileSync(missing, "Sid,To,From,StartTime,Duration,Direction\nCA1,+1,+2,x,1,inbound\n");
    await expect(reader(missing)).rejects.toThrow(`input ${missing} line 1: no column "status" (the mapping needs it;`);
  });
});
