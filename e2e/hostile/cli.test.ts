/**
 * The command line under hostile input, run as a user runs it (the built CLI as a subprocess): a misspelt option, bad
 * option values, and terminal control characters in a request, which must reach the terminal escaped (`\x1b`), never
 * raw. The other cases (controls from a file name, a manifest, an option or a server's answer; missing options,
 * unknown commands) run in-process: packages/cli/test/hostile-cli.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../packages/cli/src/program.js";
import { escapeControls, escapeJsonControls } from "../../packages/cli/src/output.js";
import { runCli } from "../../test-support/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-cli-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every character a terminal may act on: C0 (but \n, \t), DEL, C1, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const NASTY = "\u001b[2J\u001b]0;pwned\u0007\r\u0085\u009b31m\u202eevil\u2066\u2028x\u0000";

/** A local server that counts requests and answers each with `answer`. */
let server: Server;
let requests = 0;
const answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
let baseUrl = "";
const env = () => ({ GONG_BASE_URL: baseUrl, GONG_ACCESS_KEY: "key-1", GONG_ACCESS_KEY_SECRET: "secret-1" });

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => { resolve(); })));

const valid = {
  clientUniqueId: "hostile-cli-1",
  actualStart: "2024-05-01T10:00:00Z",
  primaryUser: "7782342274025937895",
  direction: "Inbound",
  parties: [{ userId: "7782342274025937895" }],
};

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
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...valid, direction: NASTY, parties: [{ userId: NASTY }] }));
    const r = await runCli(["add-call", "--input", bad], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(CONTROLS);

    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ ...valid, title: NASTY }));
    const before = requests;
    const dry = await runCli(["add-call", "--input", good, "--dry-run"], { env: env() });
    expect(dry.code).toBe(0);
    expect(requests).toBe(before);
    expect(dry.stdout).not.toMatch(CONTROLS);
    expect((JSON.parse(dry.stdout) as { title: string }).title).toBe(NASTY);
  });

});

/** A misspelling of a long option: two letters swapped at the end (`--input` → `--inptu`). */
function misspell(long: string): string {
  const name = long.slice(2);
  return `--${name.slice(0, -2)}${name.slice(-1)}${name.slice(-2, -1)}`;
}

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
    const before = requests;
    const r = await runCli(["add-call", "--inptu", "x"], { env: env(), timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--inptu'");
    expect(r.stderr).toContain("(Did you mean --input?)");
    expect(r.stderr).not.toContain("required option");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
    expect(requests).toBe(before);
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
      const before = requests;
      const r = await runCli(args, { env: env(), timeoutMs: 20_000 });
      expect(r.code).toBe(2);
      if (typeof message === "string") expect(r.stderr).toContain(message);
      else expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(requests).toBe(before);
    });
  }
});

