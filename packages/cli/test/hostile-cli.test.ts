/**
 * The command line under hostile input, run in-process (`run(argv)` of the CLI's sources): terminal control
 * characters from a file name, a manifest, an option or a server's answer reach stderr and stdout escaped (`\x1b`),
 * never raw; a missing option and an unknown command are named. e2e/hostile/cli.test.ts runs a request with controls,
 * a misspelt option and bad option values through the built CLI.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliEnv, CONTROLS, minimalRequest, NASTY, withCountingServer, withTempDir } from "../../../test-support/cli-fixtures.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const { dir, file } = withTempDir("gc-hostile-cli-");
/** NASTY without NUL, which no command-line argument can hold. */
const NASTY_ARG = NASTY.replace("\u0000", "");
/** A local server that answers each request as the test tells it. */
const server = withCountingServer();
const env = () => cliEnv(server.baseUrl());
const valid = minimalRequest("hostile-cli-1", "7782342274025937895");

describe("escaping terminal controls", () => {
  it("a file name with controls is escaped in the error", async () => {
    const r = await runInProcess(["add-call", "--input", join(dir, `missing${NASTY_ARG}.json`)], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("file not found");
    expect(r.stderr).toContain("\\x1b[2J");
    expect(r.stderr).toContain("\\u202eevil");
    expect(r.stderr).not.toMatch(CONTROLS);
  });

  it("a server's error answer with controls is escaped (message, errors, requestId)", async () => {
    server.answer((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ requestId: `req${NASTY}`, errors: [`bad thing ${NASTY}`] }));
    });
    const input = file("valid.json", JSON.stringify(valid));
    const r = await runInProcess(["add-call", "--input", input], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad thing \\(x1b|u001b)\[2J/);
    expect(r.stderr).not.toMatch(CONTROLS);
  });

  it("a server's list with controls in names reaches stdout as escaped JSON of the same values", async () => {
    server.answer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ requestId: "r", records: { totalRecords: 1 }, users: [{ id: "1", firstName: NASTY, lastName: "Rep", emailAddress: "a@b.c" }] }));
    });
    const r = await runInProcess(["users"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(CONTROLS);
    expect((JSON.parse(r.stdout) as { name: string }[])[0]?.name).toBe(`${NASTY} Rep`);
  });

  it("a manifest's invalid rows with controls are escaped in the import's report on stderr", async () => {
    const manifest = file("nasty.jsonl", `${JSON.stringify({ ...valid, clientUniqueId: `cuid${NASTY}`, direction: NASTY })}\n`);
    const r = await runInProcess(["import", manifest, "--dry-run"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cuid\\x1b[2J");
    expect(r.stderr).not.toMatch(CONTROLS);
    expect(r.stdout).not.toMatch(CONTROLS);
  });

  it("an unknown option with controls is escaped in commander's message", async () => {
    const r = await runInProcess(["add-call", `--inp${NASTY_ARG}`], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option");
    expect(r.stderr).not.toMatch(CONTROLS);
  });
});

describe("missing options and unknown commands", () => {
  it("a missing required option is still named, once the options are known", async () => {
    const r = await runInProcess(["add-call"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: required option '-i, --input <file>' not specified");
    const m = await runInProcess(["add-media", "--file", "x.wav"], { env: env() });
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("error: required option '-c, --call-id <id>' not specified");
  });

  it("an unknown command is named with a suggestion, exit 2", async () => {
    const r = await runInProcess(["add-cal"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'add-cal'");
    expect(r.stderr).toContain("(Did you mean add-call?)");
  });
});

