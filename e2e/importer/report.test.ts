import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { REPORT_COLUMNS, writeFailureReport, type FailureRecord } from "@gong-connector/importer";
import { failuresToCsv, failuresToJsonl } from "../../packages/importer/src/internal/report.js";
import { ROOT } from "../../test-support/importer.js";

const dir = mkdtempSync(join(tmpdir(), "gc-report-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function record(line: number, over: Partial<FailureRecord> = {}): FailureRecord {
  return {
    line,
    clientUniqueId: `t-${String(line).padStart(6, "0")}`,
    stage: "create",
    status: 400,
    errors: ["primaryUser: unknown"],
    requestId: `req-${line}`,
    message: "GongBadRequestError: refused",
    ...over,
  };
}

function tempFiles(d: string): string[] {
  return readdirSync(d).filter((f) => f.endsWith(".tmp"));
}

const LEADERS = ["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"];

describe("CSV report", () => {
  it("prefixes every cell that starts with a formula leader with ' in every column, and round-trips the rest", async () => {
    const records: FailureRecord[] = LEADERS.map((c, i) => ({
      line: i + 1,
      clientUniqueId: `${c}HYPERLINK("http://evil.example","x")`,
      stage: "create",
      status: 409,
      errors: [`${c}cmd|' /C calc'!A0`, "second"],
      requestId: `${c}1+1`,
      callId: `${c}SUM(A1:A9)`,
      message: `${c}2+5, "quoted"\nnext line`,
    }));
    const path = join(dir, "formulas.csv");
    expect(await writeFailureReport(path, records)).toBe(records.length);
    const rows = parse(readFileSync(path, "utf8"), { relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual([...REPORT_COLUMNS]);
    expect(rows.length).toBe(records.length + 1);
    records.forEach((r, i) => {
      const row = rows[i + 1] ?? [];
      expect(row).toEqual([
        String(r.line),
        `'${r.clientUniqueId}`,
        "create",
        "409",
        `'${r.errors.join(" | ")}`,
        `'${r.requestId ?? ""}`,
        `'${r.callId ?? ""}`,
        `'${r.message}`,
      ]);
    });
    for (const row of rows) for (const cell of row) expect(LEADERS).not.toContain(cell[0]);
  });

  it("leaves ordinary cells as they are (commas, quotes, newlines quoted per RFC 4180)", () => {
    const r = record(7, { clientUniqueId: 'a,b"c', message: "two\nlines", errors: ["x: y", "z: w"] });
    const text = failuresToCsv([r]);
    const rows = parse(text) as string[][];
    expect(rows[1]).toEqual(["7", 'a,b"c', "create", "400", "x: y | z: w", "req-7", "", "two\nlines"]);
  });
});

describe("JSONL report", () => {
  it("writes one JSON object per line with no raw control characters", async () => {
    const nasty = "a\u0000b\u0007c\nd\re\u001bf\u007fg\u0085h\u2028i\u2029j";
    const records = [record(1, { message: nasty, clientUniqueId: nasty, errors: [nasty] }), record(2)];
    const path = join(dir, "r.jsonl");
    await writeFailureReport(path, records);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines.length).toBe(2);
    // eslint-disable-next-line no-control-regex
    for (const l of lines) expect(l).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(records);
    expect(failuresToJsonl(records)).toBe(text);
  });
});

describe("writeFailureReport", () => {
  it("sorts an array by line; writes an iterable or async iterable in the order given", async () => {
    const p1 = join(dir, "sorted.jsonl");
    await writeFailureReport(p1, [record(3), record(1), record(2)]);
    expect(readFileSync(p1, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as FailureRecord).line)).toEqual([1, 2, 3]);

    function* gen(): Generator<FailureRecord> {
      yield record(5);
      yield record(4);
    }
    const p2 = join(dir, "iter.csv");
    expect(await writeFailureReport(p2, gen())).toBe(2);
    expect((parse(readFileSync(p2, "utf8")) as string[][]).slice(1).map((r) => r[0])).toEqual(["5", "4"]);

    async function* agen(): AsyncGenerator<FailureRecord> {
      for (let i = 1; i <= 3; i++) {
        await new Promise((r) => setImmediate(r));
        yield record(i);
      }
    }
    const p3 = join(dir, "async.jsonl");
    expect(await writeFailureReport(p3, agen())).toBe(3);
    expect(readFileSync(p3, "utf8").split("\n").filter(Boolean).length).toBe(3);
  });

  it("streams: records reach the temporary file while the source is still producing, and the report appears only at the end", async () => {
    const path = join(dir, "stream.csv");
    const old = "line,clientUniqueId,stage,status,errors,requestId,callId,message\n1,old,create,400,,,,old report\n";
    writeFileSync(path, old);
    const total = 60_000;
    let seenWhileProducing = 0;
    let targetUntouched = true;
    async function* source(): AsyncGenerator<FailureRecord> {
      for (let i = 1; i <= total; i++) {
        if (i % 20_000 === 0) {
          await new Promise((r) => setTimeout(r, 20));
          const temps = tempFiles(dir);
          expect(temps.length).toBe(1);
          seenWhileProducing = statSync(join(dir, temps[0] ?? "")).size;
          if (readFileSync(path, "utf8") !== old) targetUntouched = false;
        }
        yield record(i);
      }
    }
    expect(await writeFailureReport(path, source())).toBe(total);
    expect(targetUntouched).toBe(true);
    // At 40,000 of 60,000 records produced, more than a third of the final file was already on disk.
    const finalSize = statSync(path).size;
    expect(seenWhileProducing).toBeGreaterThan(finalSize / 3);
    expect(readFileSync(path, "utf8").split("\n").length).toBe(total + 2);
    expect(tempFiles(dir)).toEqual([]);
  });

  it("keeps the earlier report and leaves no temporary file when the source fails midway", async () => {
    const path = join(dir, "fails.jsonl");
    const earlier = '{"line":1,"clientUniqueId":"e","stage":"create","errors":[],"message":"earlier"}\n';
    writeFileSync(path, earlier);
    function* source(): Generator<FailureRecord> {
      for (let i = 1; i <= 5000; i++) {
        if (i === 4000) throw new Error("journal went away");
        yield record(i);
      }
    }
    await expect(writeFailureReport(path, source())).rejects.toThrow("journal went away");
    expect(readFileSync(path, "utf8")).toBe(earlier);
    expect(tempFiles(dir)).toEqual([]);
  });

  it("keeps the earlier report when the writing process is killed with SIGKILL midway", async () => {
    const sub = mkdtempSync(join(dir, "kill-"));
    const path = join(sub, "failures.csv");
    const earlier = "line,clientUniqueId,stage,status,errors,requestId,callId,message\n1,e,create,400,,,,earlier\n";
    writeFileSync(path, earlier);
    const script = `
      import { writeFailureReport } from "@gong-connector/importer";
      async function* source() {
        for (let i = 1; ; i++) {
          if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 5));
          yield { line: i, clientUniqueId: "k-" + i, stage: "create", status: 400, errors: ["x"], message: "m" };
        }
      }
      await writeFailureReport(${JSON.stringify(path)}, source());
    `;
    // The built package (the e2e setup keeps dist/ fresh), as a program that uses it runs it.
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, signal) => { res(signal); }));
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the writing process ended before it was killed (exit ${String(child.exitCode)}): ${stderr}`);
      const temps = tempFiles(sub);
      if (temps.length > 0 && statSync(join(sub, temps[0] ?? "")).size > 100_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(readFileSync(path, "utf8")).toBe(earlier);
  });

  it("writes nothing when there is no record, and removes a report left by an earlier run", async () => {
    const path = join(dir, "none.csv");
    expect(await writeFailureReport(path, [])).toBe(0);
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, "line,clientUniqueId,stage,status,errors,requestId,callId,message\n1,stale,create,400,,,,stale\n");
    expect(await writeFailureReport(path, (function* () {})())).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(tempFiles(dir)).toEqual([]);
  });
});
