/** Mapping files are checked before any row is read: every problem names the file's line and the field. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMapping, MappingError, parseMapping, type MappingIssue } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "gc-mapping-load-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A valid mapping's text with `fields` (lines 9…) and `extra` top-level text before them. */
function mappingText(fields: string, extra = ""): string {
  return [
    "timezone: America/New_York",
    "formats:",
    "  pbx: MM/dd/yyyy h:mm a",
    "values:",
    "  direction: {in: Inbound, out: Outbound}",
    extra,
    "fields:",
    "  clientUniqueId: '\"acme-\" & id'",
    fields,
    ...(fields.includes("actualStart:") ? [] : ["  actualStart: $localTime(started)"]),
    "  primaryUser: $userByEmail(agent)",
    "  parties: '[{\"userId\": $userByEmail(agent)}]'",
    "  direction: $mapValue(dir, \"direction\")",
  ].join("\n");
}

function issues(text: string): MappingIssue[] {
  try {
    parseMapping(text, "m.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return [...(err as MappingError).issues];
  }
  throw new Error("expected a MappingError");
}

describe("a valid mapping", () => {
  it("is read with its options, fields, helpers and whether it needs a time zone", () => {
    const m = parseMapping(mappingText("  actualStart: $localTime(started, \"pbx\")\n  duration: $duration(talk)"), "m.yaml");
    expect(m.timezone).toBe("America/New_York");
    expect(m.fields.map((f) => f.field)).toEqual(["clientUniqueId", "actualStart", "duration", "primaryUser", "parties", "direction"]);
    expect([...m.uses].sort()).toEqual(["duration", "localTime", "mapValue", "userByEmail"]);
    expect(m.needsTimeZone).toBe(true);
    expect(m.fields[1]?.line).toBe(9);
  });

  it("may be JSON", async () => {
    const path = join(dir, "m.json");
    writeFileSync(
      path,
      JSON.stringify({
        fields: {
          clientUniqueId: "id",
          actualStart: '$localTime(ts, "unix")',
          primaryUser: '"1"',
          parties: '[{"userId": "1"}]',
          direction: { const: "Inbound" },
        },
      }),
    );
    const m = await loadMapping(path);
    expect(m.needsTimeZone).toBe(false);
    expect(m.fields.find((f) => f.field === "direction")?.constant).toBe("Inbound");
  });

  it("accepts field paths (parties[1].phoneNumber), groupBy with from: first/last/all/where, filters", () => {
    const m = parseMapping(
      [
        "groupBy: linkedid",
        "filters:",
        "  - reason: unanswered",
        '    skip: $not("ANSWERED" in $rows.disposition)',
        "fields:",
        "  clientUniqueId: '\"pbx-\" & linkedid'",
        "  actualStart: {from: all, expr: '$sort(calldate)[0] ~> $localTime(\"iso\", \"UTC\")'}",
        "  duration: {from: {where: 'recordingfile != \"\"'}, expr: $number(billsec)}",
        "  title: {from: last, expr: dst}",
        '  primaryUser: \'"1"\'',
        "  parties[0].userId: '\"1\"'",
        "  parties[1].phoneNumber: $phone(src, \"US\")",
        "  direction: {const: Inbound}",
      ].join("\n"),
      "m.yaml",
    );
    expect(m.groupBy?.source).toBe("linkedid");
    expect(m.filters).toMatchObject([{ reason: "unanswered", line: 3 }]);
    expect(m.fields.map((f) => f.from)).toEqual(["first", "all", { where: expect.objectContaining({ source: 'recordingfile != ""' }) as unknown }, "last", "first", "first", "first", "first"]);
    expect(m.needsTimeZone).toBe(false);
  });
});

describe("problems, each with its line and field", () => {
  it("an unknown Add call field, with the fields it could be", () => {
    const found = issues(mappingText("  titel: name"));
    expect(found).toEqual([{ line: 9, field: "fields.titel", problem: expect.stringContaining('unknown field "titel" (fields: clientUniqueId,') as unknown }]);
  });

  it("an unknown field inside a party, a list without index, a reserved name, overlapping paths", () => {
    expect(issues(mappingText("  parties[1].nmae: name"))[0]).toMatchObject({ line: 9, field: "fields.parties[1].nmae", problem: expect.stringContaining('unknown field "nmae" in parties[1]') as unknown });
    expect(issues(mappingText("  context.system: x"))[0]).toMatchObject({ line: 9, problem: expect.stringContaining("is a list: it needs an index") as unknown });
    expect(issues(mappingText("  __proto__: x"))[0]).toMatchObject({ line: 9, problem: "is a reserved name" });
    expect(issues(mappingText("  parties[0].name: x"))).toEqual([{ line: 9, field: "fields.parties[0].name", problem: "overlaps fields.parties (line 12): use one or the other" }]);
  });

  it("a bad expression, at the line of the error inside a block", () => {
    const found = issues(mappingText("  title: |\n    \"Call with \" &\n    (name ? name : )\n  duration: $duration(talk"));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ line: 11, field: "fields.title", problem: expect.stringContaining("invalid expression") as unknown });
    expect(found[1]).toMatchObject({ line: 12, field: "fields.duration", problem: expect.stringContaining("invalid expression") as unknown });
  });

  it("an unknown helper, with the one meant", () => {
    expect(issues(mappingText("  actualStart: $localtime(started)"))).toEqual([
      { line: 9, field: "fields.actualStart", problem: expect.stringMatching(/^unknown function \$localtime \(did you mean \$localTime\?\); helpers: \$localTime, /) as unknown },
    ]);
    expect(issues(mappingText("  title: $frobnicate(name)"))[0]?.problem).toMatch(/^unknown function \$frobnicate; helpers:/);
  });

  it("functions that would make a rerun map a row differently, and $eval", () => {
    expect(issues(mappingText("  title: $string($random())"))[0]).toMatchObject({ line: 9, problem: expect.stringContaining("$random is not allowed in a mapping") as unknown });
    expect(issues(mappingText("  title: $now()"))[0]?.problem).toContain("$now is not allowed");
    expect(issues(mappingText("  title: $eval(code)"))[0]?.problem).toContain("$eval is not allowed");
  });

  it("an unknown variable, but not the ones an expression binds", () => {
    expect(issues(mappingText("  title: $row[0].name"))[0]).toMatchObject({ line: 9, problem: "unknown variable $row (did you mean $rows?)" });
    expect(() => parseMapping(mappingText("  title: '($n := name; $map([1], function($i) { $n & $string($i) & $string($line) }))'"), "m.yaml")).not.toThrow();
  });

  it("bad options of the helpers: a format or value map that does not exist, a country, a zone, arguments", () => {
    expect(issues(mappingText('  actualStart: $localTime(started, "pbxx")'))[0]).toMatchObject({ line: 9, problem: expect.stringContaining('unknown format "pbxx" (did you mean "pbx"?)') as unknown });
    expect(issues(mappingText('  actualStart: $localTime(started, "iso", "Mars/Olympus")'))[0]?.problem).toContain('"Mars/Olympus" is not an IANA time zone');
    expect(issues(mappingText('  title: $mapValue(dir, "directions")'))[0]?.problem).toContain('unknown value map "directions" (did you mean "direction"?)');
    expect(issues(mappingText("  title: $mapValue(dir)"))[0]?.problem).toContain("$mapValue takes 2 argument(s), not 1");
    expect(issues(mappingText('  parties[0].phoneNumber: $phone(x, "USA")'))).toEqual(expect.arrayContaining([expect.objectContaining({ line: 9, problem: expect.stringContaining('"USA" is not a country code') as unknown })]));
    expect(issues(mappingText("  duration: $duration(a, b)"))[0]?.problem).toContain("$duration takes 1 argument(s), not 2");
    // `value ~> $helper(x)` counts the value as the first argument.
    expect(() => parseMapping(mappingText('  actualStart: started ~> $localTime("pbx")'), "m.yaml")).not.toThrow();
  });

  it("bad top-level options", () => {
    const text = mappingText("").replace("timezone: America/New_York", "timezone: Mars/Olympus").replace("  pbx: MM/dd/yyyy h:mm a", "  pbx: MM/dd");
    const found = issues(["defaultCountry: XX", "input: {format: xml}", "colour: red", text].join("\n"));
    expect(found).toEqual([
      { line: 1, field: "defaultCountry", problem: '"XX" is not a country code (two capital letters, e.g. US, GB)' },
      { line: 2, field: "input.format", problem: "must be csv or jsonl" },
      { line: 3, field: "colour", problem: "unknown key; keys: description, input, timezone, defaultCountry, formats, values, groupBy, filters, variables, fields" },
      { line: 4, field: "timezone", problem: '"Mars/Olympus" is not an IANA time zone (e.g. America/New_York)' },
      { line: 6, field: "formats.pbx", problem: expect.stringContaining("has no token for the year") as unknown },
    ]);
  });

  it("a filter without reason, a repeated reason, a from without groupBy, a field without expr", () => {
    const found = issues(
      mappingText(
        "  title: {from: last, expr: name}\n  purpose: {from: first}",
        "filters:\n  - skip: x = 1\n  - reason: r\n    skip: y\n  - reason: r\n    skip: z",
      ),
    );
    expect(found).toEqual([
      { line: 7, field: "filters[0]", problem: "has no reason" },
      { line: 10, field: "filters[2].reason", problem: '"r" is the reason of another filter' },
      { line: 14, field: "fields.title.from", problem: "from: needs groupBy (without it every call is one row)" },
      { line: 15, field: "fields.purpose", problem: "needs either expr or const" },
    ]);
  });

  it("a required Add call field not mapped", () => {
    expect(issues("fields:\n  clientUniqueId: id\n  title: t")).toEqual([
      { line: 1, field: "fields", problem: "actualStart, primaryUser, parties, direction are not mapped (Add call needs clientUniqueId, actualStart, primaryUser, parties, direction)" },
    ]);
  });

  it("YAML that is not YAML, a repeated key, not a map", () => {
    expect(issues("fields:\n  title: x\n  title: y\n")[0]).toMatchObject({ line: 3, field: "(file)", problem: expect.stringContaining("not valid YAML or JSON") as unknown });
    expect(issues("fields: [\n")[0]).toMatchObject({ field: "(file)" });
    expect(issues("- a\n- b\n")).toEqual([{ line: 1, field: "(file)", problem: "must be a map of keys (timezone, fields, …)" }]);
  });

  it("the message names the file, the line and the field, one line per problem", () => {
    try {
      parseMapping(mappingText("  titel: name\n  duration: $duraton(x)"), "acme.yaml");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.split("\n")).toEqual([
        expect.stringMatching(/^mapping acme\.yaml line 9, fields\.titel: unknown field "titel"/) as unknown,
        expect.stringMatching(/^mapping acme\.yaml line 10, fields\.duration: unknown function \$duraton \(did you mean \$duration\?\)/) as unknown,
      ]);
    }
  });

  it("a file that cannot be read", async () => {
    await expect(loadMapping(join(dir, "missing.yaml"))).rejects.toThrow(/mapping .*missing\.yaml, \(file\): no such file/);
    await expect(loadMapping(dir)).rejects.toThrow(/is not a file/);
    const latin1 = join(dir, "latin1.yaml");
    writeFileSync(latin1, Buffer.from([0x66, 0x3a, 0x20, 0xe9, 0x0a]));
    await expect(loadMapping(latin1)).rejects.toThrow(/is not UTF-8 text/);
  });
});

describe("input.columns", () => {
  it("names the columns the export must have", () => {
    expect(parseMapping(mappingText("", "input: {format: csv, columns: [id, started, agent]}"), "m.yaml").columns).toEqual(["id", "started", "agent"]);
  });

  it("must be a list of names, each once", () => {
    expect(issues(mappingText("", "input: {columns: id}"))).toEqual([
      { line: 6, field: "input.columns", problem: "must be a list of column names (the columns the export must have), e.g. [calldate, src, dst]" },
    ]);
    expect(issues(mappingText("", "input: {columns: [id, '', agent]}"))[0]?.field).toBe("input.columns");
    expect(issues(mappingText("", "input: {columns: [id, id]}"))).toEqual([{ line: 6, field: "input.columns", problem: "names a column twice" }]);
    expect(issues(mappingText("", "input: {colums: [id]}"))).toEqual([{ line: 6, field: "input.colums", problem: "unknown key; keys: format, delimiter, columns, looseColumns" }]);
  });
});
