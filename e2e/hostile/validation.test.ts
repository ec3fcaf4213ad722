/**
 * Hostile Add call requests: validation costs time and memory linear in the input and reports a bounded number of
 * issues (the first 100, then one "…and N more issues" line with the exact count), in the library, the sandbox (over
 * real HTTP) and the CLI's --dry-run (a real process).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  addCallJsonSchema,
  capIssues,
  MAX_REPORTED_ISSUES,
  validateAddCallRequest,
  validateServerAddCallRequest,
  type ValidationIssue,
} from "@gong-connector/schema";
import { runCli } from "../../test-support/run-cli.js";
import { withSandbox } from "../../test-support/sandbox.js";

const HOST = "7782342274025937895";
const MB = 1024 * 1024;

function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { clientUniqueId: "hostile-1", actualStart: "2024-05-01T10:00:00Z", primaryUser: HOST, direction: "Inbound", ...extra };
}

/** 16,000 parties and 16,000 segments that each name a party nobody has: about 1.5 MB of JSON. */
function unknownPartyRequest(n = 16_000): Record<string, unknown> {
  const parties: Record<string, unknown>[] = Array.from({ length: n }, (_, i) => ({ name: `Party ${i}`, partyId: `p${i}` }));
  parties[0] = { userId: HOST, name: "Host", partyId: "p0" };
  const speechSegments = Array.from({ length: n }, (_, i) => ({ fromTime: i * 10, toTime: i * 10 + 5, partyIds: [`nobody-${i}`] }));
  return base({ clientUniqueId: `hostile-${Date.now()}-${Math.random()}`, parties, speakersTimeline: { speechSegments } });
}

/** Runs `fn` and returns its result with the growth of the JS heap it left behind at its peak (sampled after). */
function heapGrowth<T>(fn: () => T): { result: T; grownBytes: number } {
  const before = process.memoryUsage().heapUsed;
  const result = fn();
  const after = process.memoryUsage().heapUsed;
  return { result, grownBytes: after - before };
}

function expectCapped(issues: readonly ValidationIssue[], total: number): void {
  expect(issues).toHaveLength(MAX_REPORTED_ISSUES + 1);
  const last = issues.at(-1);
  expect(last?.path).toBe("(root)");
  expect(last?.message).toBe(`…and ${total - MAX_REPORTED_ISSUES} more issues`);
  const size = issues.reduce((n, i) => n + i.message.length, 0);
  expect(size).toBeLessThan(64 * 1024);
}

const tmp = mkdtempSync(join(tmpdir(), "hostile-validation-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe("validation of hostile requests is linear and bounded", () => {
  it("16,000 parties × 16,000 segments naming unknown parties: 100 issues and one exact '…and 15900 more issues'", () => {
    const request = unknownPartyRequest();
    expect(JSON.stringify(request).length).toBeGreaterThan(1.4 * 1000 * 1000);
    for (const validate of [validateAddCallRequest, validateServerAddCallRequest]) {
      const { result, grownBytes } = heapGrowth(() => validate(request));
      if (result.ok) expect.fail("accepted segments naming unknown parties");
      expectCapped(result.issues, 16_000);
      const first = result.issues[0];
      expect(first?.path).toBe("speakersTimeline.speechSegments[0].partyIds[0]");
      // The rule names a few known partyIds and counts the rest, instead of listing all 16,000 for every segment.
      expect(first?.rule).toBe("must name a party's partyId; known: p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 15990 more");
      // Listing every partyId per issue held 16,000 × ~110 KB strings (1.7 GB); the bounded text stays far below.
      expect(grownBytes).toBeLessThan(300 * MB);
    }
  });

  it("100,000 unknown fields: each named once, capped, with the exact count", () => {
    const request = base({ parties: [{ userId: HOST, name: "Host" }] });
    for (let i = 0; i < 100_000; i++) request[`extra${i}`] = i;
    const result = validateAddCallRequest(request);
    if (result.ok) expect.fail("accepted unknown fields");
    expectCapped(result.issues, 100_000);
    expect(result.issues[0]?.message).toBe("extra0: is not a field of this object (check the spelling)");
    expect(result.issues[99]?.path).toBe("extra99");
  });

  it("20,000 parties sharing one partyId, or naming nobody: linear, capped", () => {
    const shared = base({ parties: [{ userId: HOST, name: "Host", partyId: "same" }, ...Array.from({ length: 20_000 }, () => ({ name: "x", partyId: "same" }))] });
    const r1 = validateAddCallRequest(shared);
    if (r1.ok) expect.fail("accepted duplicate partyIds");
    expectCapped(r1.issues, 20_000);
    expect(r1.issues[0]?.message).toBe("parties[1].partyId: must be unique in the call (parties[0] has it too)");

    const anonymous = base({ parties: [{ userId: HOST }, ...Array.from({ length: 20_000 }, () => ({}))] });
    const r2 = validateServerAddCallRequest(anonymous);
    if (r2.ok) expect.fail("accepted parties naming nobody");
    expectCapped(r2.issues, 20_000);
  });

  it("multi-megabyte strings in regex- and URL-checked fields are refused with short messages", () => {
    const long = "9".repeat(4 * MB);
    const request = base({
      actualStart: `2024-05-01T10:00:00${"0".repeat(4 * MB)}`,
      primaryUser: long,
      meetingUrl: "a:".repeat(MB),
      downloadMediaUrl: `http://${"x".repeat(4 * MB)}`,
      purpose: "😀".repeat(MB),
      parties: [{ userId: long, name: "Host", partyId: "a".repeat(MB) }],
      speakersTimeline: { speechSegments: [{ fromTime: 0, toTime: 1, partyIds: ["b".repeat(MB)] }] },
    });
    const result = validateAddCallRequest(request);
    if (result.ok) expect.fail("accepted hostile strings");
    const paths = result.issues.map((i) => i.path);
    for (const field of ["actualStart", "primaryUser", "meetingUrl", "purpose", "parties[0].userId", "speakersTimeline.speechSegments[0].partyIds[0]"]) {
      expect(paths).toContain(field);
    }
    // No message quotes a megabyte of input back: the known partyId is cut to 40 characters.
    for (const issue of result.issues) expect(issue.message.length, issue.path).toBeLessThan(1000);
  });

  it("capIssues keeps up to 100 unchanged and counts the rest exactly", () => {
    const make = (n: number): ValidationIssue[] => Array.from({ length: n }, (_, i) => ({ path: `f${i}`, rule: "r", message: `f${i}: r` }));
    expect(capIssues(make(100))).toHaveLength(100);
    const one = capIssues(make(101));
    expect(one.at(-1)?.message).toBe("…and 1 more issue");
    expect(one[99]?.path).toBe("f99");
  });
});

describe("the sandbox and the CLI refuse the 1.5 MB request with bounded errors", () => {
  const sandbox = withSandbox();

  it("POST /v2/calls answers 400 with 101 errors, and keeps answering", async () => {
    const sb = sandbox();
    const res = await sb.api<{ errors: string[]; requestId: string }>("POST", "/v2/calls", { body: unknownPartyRequest() });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(res.body.errors.at(-1)).toBe("…and 15900 more issues");
    expect(res.text.length).toBeLessThan(64 * 1024);
    expect((await sb.api("GET", "/v2/workspaces")).status).toBe(200);
  });

  it("add-call --dry-run exits 2 with the capped list, in bounded memory", async () => {
    const input = join(tmp, "hostile.json");
    writeFileSync(input, JSON.stringify(unknownPartyRequest()));
    const r = await runCli(["add-call", "--dry-run", "--input", input], { measureRss: true });
    expect(r.code, r.stderr.slice(0, 2000)).toBe(2);
    expect(r.stderr).toContain("…and 15900 more issues");
    expect(r.stderr.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(r.stdout).toBe("");
    // It died at 3.9 GB before; a linear pass over 1.5 MB fits in a few hundred MB.
    expect(r.peakRss ?? Infinity).toBeLessThan(400 * MB);
  });
});

describe("JSON Schema of the date-time fields", () => {
  it("says format date-time and that a zone is required", () => {
    const schema = addCallJsonSchema() as { properties: Record<string, { format?: string; description?: string }> };
    for (const field of ["actualStart", "scheduledStart", "scheduledEnd"]) {
      const prop = schema.properties[field];
      expect(prop?.format, field).toBe("date-time");
      expect(prop?.description, field).toMatch(/with a zone \(Z or ±hh:mm\).*without a zone is refused/);
    }
  });
});
