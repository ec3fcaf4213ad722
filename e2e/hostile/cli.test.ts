/**
 * The command line under hostile input, run as a user runs it (the built CLI as a subprocess): a misspelt option, bad
 * option values, and terminal control characters in a request, which must reach the terminal escaped (`\x1b`), never
 * raw. The other cases (controls from a file name, a manifest, an option or a server's answer; missing options,
 * unknown commands) run in-process: packages/cli/test/hostile-cli.test.ts.
 */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../packages/cli/src/program.js";
import { escapeControls, escapeJsonControls } from "../../packages/cli/src/output.js";
import { cliEnv, CONTROLS, expectBadValue, expectUnknownOption, minimalRequest, misspell, NASTY, withCountingServer, withTempDir } from "../../test-support/cli-fixtures.js";
import { runCli } from "../../test-support/run-cli.js";

const { writeJson } = withTempDir("gc-hostile-cli-");
/** A local server that counts requests. */
const server = withCountingServer();
const env = () => cliEnv(server.baseUrl());
const valid = minimalRequest("hostile-cli-1", "7782342274025937895");

describe("escaping terminal controls", () => {
  it("escapeControls shows every control visibly and leaves newlines, tabs and other text alone", () => {
    expect(escapeControls("a\u001b[31mb\u0007\r\n\tc")).toBe("a\\x1b[31mb\\x07\\x0d\n\tc");
    expect(escapeControls("\u009b\u0085\u007f\u202e\u2066\u200f\u061c\u2028\u2029")).toBe(
      "\\x9b\\x85\\x7f\\u202e\\u2066\\u200f\\u061c\\u2028\\u2029",
    );
    expect(escapeControls("Zoë 日本 😀 – ok")).toBe("Zoë 日本 😀 – ok");
    expect(escapeControls(NASTY)).not.toMatch(CONTROLS);
  });

  it("escapeJsonControls keeps the JSON value and leaves no raw control", () => {
    const value = { title: NASTY, nested: [NASTY] };
    const json = escapeJsonControls(JSON.stringify(value));
    expect(json).not.toMatch(CONTROLS);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("a request's fields with controls are escaped in the validation errors and on stdout (--dry-run)", async () => {
    const bad = writeJson("bad.json", { ...valid, direction: NASTY, parties: [{ userId: NASTY }] });
    const r = await runCli(["add-call", "--input", bad], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(CONTROLS);

    const good = writeJson("good.json", { ...valid, title: NASTY });
    const before = server.requests();
    const dry = await runCli(["add-call", "--input", good, "--dry-run"], { env: env() });
    expect(dry.code).toBe(0);
    expect(server.requests()).toBe(before);
    expect(dry.stdout).not.toMatch(CONTROLS);
    expect((JSON.parse(dry.stdout) as { title: string }).title).toBe(NASTY);
  });

});

describe("unknown options, on every command", () => {
  // Every command's misspelt option is checked in-process (packages/cli/test/usage.test.ts); one through the built CLI.
  const commands = buildProgram().commands;

  it("covers every command", () => {
    expect(commands.map((c) => c.name()).sort()).toEqual(
      ["add-call", "add-media", "auth", "call", "calls", "demo", "import", "sandbox", "schema", "serve", "users", "worker", "workspaces"].sort(),
    );
  });

  it("add-call --inptu: names the unknown option, suggests --input, exit 2, before any other check", async () => {
    expect(misspell("--input")).toBe("--inptu");
    const before = server.requests();
    const r = await runCli(["add-call", "--inptu", "x"], { env: env(), timeoutMs: 20_000 });
    expectUnknownOption(r, "--inptu", "--input");
    expect(server.requests()).toBe(before);
  });

});

describe("bad option values, on every command that takes one", () => {
  // Every command's bad values are checked in-process (packages/cli/test/usage.test.ts); through the built CLI, one
  // that commander refuses and one that the command's action refuses.
  const cases: [string[], string | RegExp][] = [
    [["demo", "--port", "abc"], "option '-p, --port <port>' argument 'abc' is invalid"],
    [["calls", "--from", "1 May 2024"], "--from: must be an ISO-8601 date-time with a zone"],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(" ")}: exit 2, naming the option`, async () => {
      const before = server.requests();
      const r = await runCli(args, { env: env(), timeoutMs: 20_000 });
      expectBadValue(r, message);
      expect(server.requests()).toBe(before);
    });
  }
});

