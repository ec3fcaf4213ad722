/**
 * Hostile manifests, case by case: files that are not manifests, CSV syntax and header errors, paths that reach
 * Object.prototype, media paths outside the manifest's directory. The properties over random input are in
 * importer-input.test.ts. What the CLI says about such files and about --media-root runs in-process in
 * packages/cli/test/import-input.test.ts; here the built CLI runs as a user who cannot read the manifest, and a
 * process of its own measures the memory a 100 MB line costs.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GongClient } from "@gong-connector/client";
import {
  ManifestError,
  readManifest,
  runImport,
  senderFromClient,
  validateManifest,
  type RawManifestRow,
  type ValidManifestRow,
} from "@gong-connector/importer";
import { adminCalls, callRequest, CLI, HOST, ROOT, writeJsonl } from "../../test-support/importer.js";
import { importFixture, mediaTree, type MediaTree } from "../../test-support/import-fixtures.js";

const fx = importFixture("gc-hostile-input-");
const dir = fx.dir;

async function collect(path: string): Promise<RawManifestRow[]> {
  const out: RawManifestRow[] = [];
  for await (const r of readManifest(path)) out.push(r);
  return out;
}

async function manifestError(path: string): Promise<string> {
  try {
    await validateManifest(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as Error).message;
  }
  throw new Error(`${path} was accepted`);
}

function polluted(): unknown[] {
  const probe = {} as Record<string, unknown>;
  return ["x", "y", "z", "polluted"].map((k) => probe[k]).filter((v) => v !== undefined);
}

const CSV_HEAD = "clientUniqueId,actualStart,primaryUser,direction,parties[0].userId";
const csvRow = (id: string, minute = 0) => `${id},2026-03-01T10:${String(minute).padStart(2, "0")}:00Z,${HOST},Inbound,${HOST}`;

describe("files that are not manifests", () => {
  it("names the file and the problem: missing, a directory, empty, no rows, NUL bytes, not UTF-8", async () => {
    const cases: [string, string | Buffer | null, RegExp][] = [
      ["missing.jsonl", null, /^manifest .*missing\.jsonl: no such file$/],
      ["empty.jsonl", "", /^manifest .*empty\.jsonl: is empty$/],
      ["blank.jsonl", "\n\n  \n# only a comment\n", /^manifest .*blank\.jsonl: has no rows/],
      ["empty.csv", "", /^manifest .*empty\.csv: is empty$/],
      ["blank.csv", "\r\n\r\n", /^manifest .*blank\.csv: is empty \(no header row\)$/],
      ["header.csv", `${CSV_HEAD}\n`, /^manifest .*header\.csv: has a header row but no rows$/],
      ["nul.jsonl", Buffer.concat([Buffer.from(`${JSON.stringify(callRequest(1))}\n{"a":1}`), Buffer.from([0]), Buffer.from("\n")]), /^manifest .*nul\.jsonl line 2: has a NUL byte: not a text file$/],
      ["latin1.csv", Buffer.concat([Buffer.from(`${CSV_HEAD},title\n${csvRow("l-1")},caf`), Buffer.from([0xe9]), Buffer.from("\n")]), /^manifest .*latin1\.csv line 2: is not UTF-8 text/],
      ["png.jsonl", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), /^manifest .*png\.jsonl line 1: (has a NUL byte|is not UTF-8)/],
    ];
    for (const [name, content, message] of cases) {
      const p = join(dir, name);
      if (content !== null) writeFileSync(p, content);
      expect(await manifestError(p), name).toMatch(message);
    }
    mkdirSync(join(dir, "folder.jsonl"));
    expect(await manifestError(join(dir, "folder.jsonl"))).toMatch(/^manifest .*folder\.jsonl: is a directory, not a file$/);
  });

  it("the built CLI, run as a user who cannot read the manifest, says so in one line and exits 2, nothing sent", async () => {
    writeFileSync(join(dir, "secret.jsonl"), `${JSON.stringify(callRequest(1, "unr"))}\n`);
    chmodSync(join(dir, "secret.jsonl"), 0o000);
    chmodSync(dir, 0o755);
    const before = (await adminCalls(fx.sb())).length;
    // root reads any file: the unreadable case runs the CLI as nobody.
    const r = spawnSync(process.execPath, [CLI, "import", join(dir, "secret.jsonl"), "--journal", join(tmpdir(), `gc-nobody-${process.pid}.sqlite`)], {
      uid: 65534,
      gid: 65534,
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...fx.env() },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^gong-connector: manifest .*secret\.jsonl: permission denied$/m);
    expect(r.stderr).not.toMatch(/ENOENT|\n\s+at /);
    expect((await adminCalls(fx.sb())).length).toBe(before);
  });

  it("accepts a BOM, CRLF line ends, blank lines and a last line without a newline, with the right line numbers", async () => {
    const jsonl = join(dir, "crlf.jsonl");
    writeFileSync(jsonl, `\uFEFF${JSON.stringify(callRequest(1, "crlf"))}\r\n\r\n\r\n${JSON.stringify(callRequest(2, "crlf"))}`);
    const rows = await collect(jsonl);
    expect(rows.map((r) => [r.line, r.request?.clientUniqueId, r.readIssues])).toEqual([[1, "crlf-00001", []], [4, "crlf-00002", []]]);
    expect((await validateManifest(jsonl)).valid).toBe(2);

    const csv = join(dir, "crlf.csv");
    writeFileSync(csv, `\uFEFF\r\n${CSV_HEAD},title\r\n${csvRow("c-1")},"two\r\nlines"\r\n\r\n${csvRow("c-2", 1)},last`);
    const check = await validateManifest(csv);
    expect(check.invalid).toEqual([]);
    expect((await collect(csv)).map((r) => [r.line, r.request?.title])).toEqual([[3, "two\nlines"], [6, "last"]]);
  });

  it("refuses a 100 MB line with a clear message, in bounded memory", async () => {
    const p = join(dir, "huge.jsonl");
    const fd = openSync(p, "w");
    writeSync(fd, `${JSON.stringify(callRequest(1))}\n{"title":"`);
    const block = Buffer.alloc(1024 * 1024, "a");
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, `"}\n`);
    closeSync(fd);
    const small = join(dir, "small.jsonl");
    writeJsonl(small, [callRequest(1)]);
    // A child process (the built package: the e2e setup keeps dist/ fresh) reports its peak RSS after validating.
    const measure = async (path: string): Promise<{ error: string; maxRssMb: number }> => {
      const script = `
        import { validateManifest } from "@gong-connector/importer";
        let error = "";
        try { await validateManifest(${JSON.stringify(path)}); } catch (err) { error = err.message; }
        process.stdout.write(JSON.stringify({ error, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
      `;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      const code = await new Promise((res) => child.on("close", res));
      expect(code, err).toBe(0);
      return JSON.parse(out) as { error: string; maxRssMb: number };
    };
    const huge = await measure(p);
    const base = await measure(small);
    expect(huge.error).toMatch(/^manifest .*huge\.jsonl line 2: is longer than 10 MB/);
    expect(base.error).toBe("");
    // At most the 10 MB cap (plus a read buffer and slack) over reading a one-line manifest; the line is 100 MB.
    expect(huge.maxRssMb - base.maxRssMb).toBeLessThan(40);
  });
});

describe("CSV syntax and header", () => {
  it("names line and column: ragged rows (more or fewer cells than the header)", async () => {
    const p = join(dir, "ragged.csv");
    writeFileSync(p, `${CSV_HEAD},title\n${csvRow("r-1")},t\n${csvRow("r-2", 1)},t,extra,more\n${csvRow("r-3", 2)}\n`);
    const check = await validateManifest(p);
    expect(check.valid).toBe(1);
    expect(check.invalid.map((r) => [r.line, r.issues[0]?.path, r.issues[0]?.rule])).toEqual([
      [3, "(row)", "has 8 cells but the header has 6 columns (cells 7–8 have no column)"],
      [4, "(row)", 'has 5 cells but the header has 6 columns (column 6 "title" missing)'],
    ]);
  });

  it("refuses the manifest as a whole, naming line and column: duplicate, unknown, malformed, overlapping, reserved columns", async () => {
    const cases: [string, RegExp][] = [
      [`${CSV_HEAD},title,title`, /line 1, column 7 "title": duplicate column \(also column 6\)/],
      [`${CSV_HEAD},parties[0].nmae`, /line 1, column 6 "parties\[0\]\.nmae": unknown field "nmae" in parties\[0\] \(fields: userId, /],
      [`${CSV_HEAD},actualStrat`, /line 1, column 6 "actualStrat": unknown field "actualStrat"/],
      [`${CSV_HEAD},flowContext.taskId.more`, /column 6 "flowContext\.taskId\.more": flowContext\.taskId is a single value: it has no field "more"/],
      [`${CSV_HEAD},parties.name`, /column 6 "parties\.name": parties is a list: it needs an index, e.g\. parties\[0\]\.name/],
      [`${CSV_HEAD},title[0]`, /column 6 "title\[0\]": title is not a list/],
      [`${CSV_HEAD},parties[0].name[`, /column 6 "parties\[0\]\.name\[": not a field path/],
      [`${CSV_HEAD},parties[123456].name`, /index \[123456\] of parties is too large/],
      [`parties,${CSV_HEAD}`, /line 1, column 6 "parties\[0\]\.userId": overlaps column 1 "parties"/],
      [`\n\n${CSV_HEAD},x y`, /line 3, column 6 "x y": not a field path/],
    ];
    for (const [header, message] of cases) {
      const p = join(dir, "header.csv");
      writeFileSync(p, `${header}\n${csvRow("h-1")},x\n`);
      expect(await manifestError(p), header).toMatch(message);
    }
  });

  it("refuses bad quoting, naming the line (and column)", async () => {
    const cases: [string, RegExp][] = [
      [`${CSV_HEAD},title\n${csvRow("q-1")},ok\n${csvRow("q-2", 1)},"never closed\nstill\n`, /line 3: a quoted cell of the row starting here is never closed \(a " is missing; the file ends at line 4\)/],
      [`${CSV_HEAD},title\n${csvRow("q-1")},"bad"quote\n`, /line 2, column 6: a " inside a quoted cell must be doubled/],
      [`${CSV_HEAD},title\n${csvRow("q-1")},in"side\n`, /line 2, column 6: a " in a cell that does not start with one/],
    ];
    for (const [text, message] of cases) {
      const p = join(dir, "quotes.csv");
      writeFileSync(p, text);
      expect(await manifestError(p)).toMatch(message);
    }
  });
});

describe("prototype pollution", () => {
  it("refuses CSV column paths through __proto__, constructor or prototype; nothing is polluted", async () => {
    for (const column of ["flowContext.__proto__.x", "__proto__.polluted", "constructor.prototype.x", "parties[0].__proto__", "speakersTimeline.constructor"]) {
      const p = join(dir, "proto.csv");
      writeFileSync(p, `${CSV_HEAD},${column}\n${csvRow("p-1")},yes\n${csvRow("p-2", 1)},\n`);
      const message = await manifestError(p);
      expect(message, column).toMatch(/line 1, column 6 ".*": "(__proto__|constructor|prototype)" is not allowed in a column path \(a reserved name\)|unknown field "(__proto__|constructor)"/);
      expect(polluted()).toEqual([]);
    }
  });

  it("reads CSV rows onto null-prototype objects that validate, journal and import like any other", async () => {
    const p = join(dir, "nullproto.csv");
    writeFileSync(p, `${CSV_HEAD},flowContext.taskId,context[0].system,context[0].objects[0].objectType,context[0].objects[0].objectId\n${csvRow("np-1")},t-1,Generic,Account,a-1\n`);
    const [row] = await collect(p);
    expect(Object.getPrototypeOf(row?.request)).toBeNull();
    const sb = fx.sb();
    const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: { perSecond: 100 } });
    const result = await runImport({ manifest: p, sender: senderFromClient(client) });
    expect(result.summary).toMatchObject({ total: 1, done: 1, failed: 0, invalid: 0 });
    expect((await adminCalls(sb)).filter((c) => c.clientUniqueId === "np-1").length).toBe(1);
  });

  it("JSONL: __proto__ keys (top level, in a party, in context fields) make the row invalid, pollute nothing, and the rest imports", async () => {
    const p = join(dir, "proto.jsonl");
    const ok = JSON.stringify(callRequest(1, "pj"));
    const top = JSON.stringify(callRequest(2, "pj")).replace(/^\{/, '{"__proto__":{"x":1},');
    const party = JSON.stringify(callRequest(3, "pj")).replace('"parties":[{', '"parties":[{"__proto__":{"y":1},');
    const fields = JSON.stringify({
      ...callRequest(4, "pj"),
      context: [{ system: "Generic", objects: [{ objectType: "Account", objectId: "a", fields: [{ name: "n", value: 1 }] }] }],
    }).replace('"fields":[{', '"fields":[{"__proto__":{"z":1},');
    writeFileSync(p, [ok, top, party, fields].join("\n"));
    const sb = fx.sb();
    const client = new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret }, rateLimit: { perSecond: 100 } });
    const report = join(dir, "proto-report.jsonl");
    const result = await runImport({ manifest: p, sender: senderFromClient(client), skipInvalid: true, report });
    expect(polluted()).toEqual([]);
    expect(result.summary).toMatchObject({ total: 4, done: 1, invalid: 3 });
    const paths = Object.fromEntries(result.invalid.map((r) => [r.line, r.issues.map((i) => i.path)]));
    expect(paths[2]).toContain("__proto__");
    expect(paths[3]).toContain("parties[0].__proto__");
    expect(paths[4]).toContain("context[0].objects[0].fields[0].__proto__");
    const lines = readFileSync(report, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number; status: string });
    expect(lines.map((l) => [l.line, l.status])).toEqual([[2, "invalid"], [3, "invalid"], [4, "invalid"]]);
    expect((await adminCalls(sb)).filter((c) => c.clientUniqueId.startsWith("pj-")).map((c) => c.clientUniqueId)).toEqual(["pj-00001"]);
  });

  it("refuses JSON nested deeper than 64 levels without parsing it (a 1 MB line of brackets)", async () => {
    const p = join(dir, "deep.jsonl");
    const deep = `${"[".repeat(500_000)}${"]".repeat(500_000)}`;
    writeFileSync(p, `${JSON.stringify(callRequest(1))}\n{"customData":${deep}}\n`);
    const check = await validateManifest(p);
    expect(check.invalid.map((r) => [r.line, r.issues[0]?.rule])).toEqual([[2, "JSON nests deeper than 64 levels"]]);
    const csv = join(dir, "deep.csv");
    writeFileSync(csv, `${CSV_HEAD},context[0].objects[0].fields\n${csvRow("d-1")},"${deep}"\n`);
    const c2 = await validateManifest(csv);
    expect(c2.invalid[0]?.issues[0]).toEqual({ path: "context[0].objects[0].fields", rule: "JSON in cell nests deeper than 64 levels" });
  });
});

describe("media paths", () => {
  let tree: MediaTree;
  beforeAll(() => {
    tree = mediaTree(dir);
  });

  it("refuses files outside the manifest's directory (../, absolute, symlinks out), naming row, field and rule", async () => {
    const { man, rows } = tree;
    const p = join(man, "calls.jsonl");
    writeJsonl(p, rows());
    const valid: ValidManifestRow[] = [];
    const check = await validateManifest(p, { onValid: (r) => { valid.push(r); } });
    expect(valid.map((r) => [r.line, r.mediaFile])).toEqual([
      [1, join(man, "media", "rec-0.wav")],
      [5, join(man, "media", "rec-0.wav")],
      [8, join(man, "media", "rec-0.wav")],
    ]);
    const rule = `must be inside the manifest's directory (${man}); give --media-root DIR to allow another directory`;
    expect(check.invalid.map((r) => [r.line, r.issues])).toEqual([
      [2, [{ path: "mediaFile", rule }]],
      [3, [{ path: "mediaFile", rule }]],
      [4, [{ path: "mediaFile", rule }]],
      [6, [{ path: "mediaFile", rule }]],
      [7, [{ path: "mediaFile", rule }]],
      // outdir/.. is base (the kernel's reading), so base/media/missing.wav: outside.
      [9, [{ path: "mediaFile", rule }]],
    ]);
  });

  it("--media-root DIR allows files inside DIR only (after realpath); a missing DIR is refused", async () => {
    const { base, man, outside, rows } = tree;
    const p = join(man, "calls.jsonl");
    writeJsonl(p, rows());
    const check = await validateManifest(p, { mediaRoot: outside });
    const rule = `must be inside --media-root (${outside})`;
    expect(check.invalid.filter((r) => r.issues[0]?.rule === rule).map((r) => r.line)).toEqual([1, 5, 7, 8, 9]);
    expect(check.valid).toBe(4);
    await expect(validateManifest(p, { mediaRoot: join(base, "nowhere") })).rejects.toThrow(/--media-root .*nowhere: no such directory/);
  });
});
