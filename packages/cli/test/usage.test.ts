/**
 * Argument parsing of every command, run in-process (`run(argv)`): misspelt options, bad option values and each
 * command's --help. e2e/hostile/cli.test.ts and e2e/cli/help.test.ts run one case of each through the built CLI as a
 * subprocess (exit code and streams of a real process); the rest of the cases are here.
 */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/program.js";
import { cliEnv, expectBadValue, expectHelp, expectUnknownOption, misspell, withCountingServer } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

/** A local server that counts requests: a usage error must send nothing. */
const server = withCountingServer();
const env = () => cliEnv(server.baseUrl());

const commands = buildProgram().commands;
/** Every command a user runs: a command, or each subcommand of a command that has them (`auth login`…). */
const leaves: [string[], (typeof commands)[number]][] = commands.flatMap((c) =>
  c.commands.length > 0 ? c.commands.map((sub): [string[], typeof sub] => [[c.name(), sub.name()], sub]) : [[[c.name()], c] as [string[], typeof c]],
);

describe("unknown options, on every command", () => {
  it("covers every command", () => {
    expect(commands.map((c) => c.name()).sort()).toEqual(
      ["add-call", "add-media", "auth", "call", "calls", "demo", "import", "sandbox", "schema", "serve", "users", "worker", "workspaces"].sort(),
    );
    expect(leaves.map(([words]) => words.join(" "))).toEqual(expect.arrayContaining(["auth login", "auth add-key", "auth status", "auth logout"]));
  });

  for (const [words, command] of leaves) {
    const options = command.options.filter((o) => o.long !== undefined && o.long.length > 5 && o.long !== "--version");
    const target = options.find((o) => o.required) ?? options[0];
    if (target?.long === undefined) continue;
    const wrong = misspell(target.long);
    const right = target.long;
    it(`${words.join(" ")} ${wrong}: names the unknown option, suggests ${target.long}, exit 2, before any other check`, async () => {
      const before = server.requests();
      const r = await runInProcess([...words, wrong, "x"], { env: env() });
      expectUnknownOption(r, wrong, right);
      expect(server.requests()).toBe(before);
    });
  }
});

describe("bad option values, on every command that takes one", () => {
  const cases: [string[], string | RegExp][] = [
    [["demo", "--port", "abc"], "option '-p, --port <port>' argument 'abc' is invalid"],
    [["demo", "--port", "99999"], "option '-p, --port <port>' argument '99999' is invalid"],
    [["sandbox", "--port", "-1"], "--port"],
    [["sandbox", "--rate-per-second", "1e3"], "option '--rate-per-second <n>' argument '1e3' is invalid"],
    [["serve", "--port", "99999"], "option '--port <n>' argument '99999' is invalid. must be a port number (0-65535)"],
    [["serve", "--grace-seconds", "-1"], "option '--grace-seconds <n>' argument '-1' is invalid. must be a whole number ≥ 0"],
    [["serve", "--grace-seconds", "0x10"], "option '--grace-seconds <n>' argument '0x10' is invalid"],
    [["sandbox", "--fault-500", "2"], "option '--fault-500 <share>' argument '2' is invalid"],
    [["sandbox", "--duplicates", "maybe"], "option '--duplicates <mode>' argument 'maybe' is invalid"],
    [["import", "x.jsonl", "--concurrency", "0"], "--concurrency must be a positive integer"],
    [["worker", "--queue", "redis://127.0.0.1:1", "--concurrency", "many"], "--concurrency must be a positive integer"],
    [["calls", "--from", "1 May 2024"], "--from: must be an ISO-8601 date-time with a zone"],
    [["call", "12345678901234567890123"], "must be a Gong id"],
    [["schema", "add-everything"], /action.*: add-call/],
    [["add-call", "--input", "call.json", "extra"], "too many arguments"],
    [["users", "extra"], "too many arguments"],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(" ")}: exit 2, naming the option`, async () => {
      const before = server.requests();
      const r = await runInProcess(args, { env: env() });
      expectBadValue(r, message);
      expect(server.requests()).toBe(before);
    });
  }
});

describe("calls and call: refused options, nothing sent", () => {
  const cases: [string, string[], string, boolean][] = [
    ["a date without a zone", ["calls", "--from", "2025-01-01T00:00:00"], "--from: must be an ISO-8601 date-time with a zone", true],
    ["a word", ["calls", "--to", "yesterday"], "--to: must be an ISO-8601 date-time with a zone", true],
    ["--to before --from", ["calls", "--from", "2025-01-02T00:00:00Z", "--to", "2025-01-01T00:00:00Z"], "--to: must be after --from", true],
    ["a workspace that is no id", ["calls", "--workspace", "Sales"], "option '-w, --workspace <id>' argument 'Sales' is invalid. must be a Gong id", true],
    ["neither a callId nor --client-unique-id", ["call"], "give either a callId or --client-unique-id", false],
    ["both a callId and --client-unique-id", ["call", "123", "-u", "x"], "give either a callId or --client-unique-id", false],
    ["a callId that is no id", ["call", "abc"], "value 'abc' is invalid for argument 'callId'. must be a Gong id", false],
    ["--around with a callId", ["call", "123", "--around", "2025-01-01T00:00:00Z"], "--around: applies only with --client-unique-id", false],
    ["--around without a zone", ["call", "-u", "x", "--around", "2025-01-01 10:00"], "--around: must be an ISO-8601 date-time with a zone", false],
  ];
  for (const [name, args, message, emptyStdout] of cases) {
    it(`${args[0] ?? ""} refuses ${name} with exit 2, sending nothing`, async () => {
      const before = server.requests();
      const r = await runInProcess(args, { env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      if (emptyStdout) expect(r.stdout).toBe("");
      expect(server.requests()).toBe(before);
    });
  }
});

describe("--help of every command", () => {
  for (const name of commands.map((c) => c.name())) {
    it(`${name} --help: exit 0, examples, no default stated twice`, async () => {
      expectHelp(await runInProcess([name, "--help"]), name);
    });
  }
});
