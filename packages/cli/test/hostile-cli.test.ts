/**
 * The command line under hostile input, run in-process (`run(argv)` of the CLI's sources): terminal control
 * characters from a file name, a manifest, an option or a server's answer reach stderr and stdout escaped (`\x1b`),
 * never raw; a missing option and an unknown command are named. e2e/hostile/cli.test.ts runs a request with controls,
 * a misspelt option and bad option values through the built CLI.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test-support/run-in-process.js";

const dir = mkdtempSync(join(tmpdir(), "gc-hostile-cli-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every character a terminal may act on: C0 (but \n, \t), DEL, C1, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const NASTY = "\u001b[2J\u001b]0;pwned\u0007\r\u0085\u009b31m\u202eevil\u2066\u2028x\u0000";
/** The same without NUL, which no command-line argument can hold. */
const NASTY_ARG = NASTY.replace("\u0000", "");

/** A local server that answers each request with `answer`. */
let server: Server;
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
let baseUrl = "";
const env = () => ({ GONG_BASE_URL: baseUrl, GONG_ACCESS_KEY: "key-1", GONG_ACCESS_KEY_SECRET: "secret-1" });

beforeAll(async () => {
  server = createServer((req, res) => {
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
  it("a file name with controls is escaped in the error", async () => {
    const r = await runInProcess(["add-call", "--input", join(dir, `missing${NASTY_ARG}.json`)], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("file not found");
    expect(r.stderr).toContain("\\x1b[2J");
    expect(r.stderr).toContain("\\u202eevil");
    expect(r.stderr).not.toMatch(CONTROLS);
  });

  it("a server's error answer with controls is escaped (message, errors, requestId)", async () => {
    answer = (_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ requestId: `req${NASTY}`, errors: [`bad thing ${NASTY}`] }));
    };
    const input = join(dir, "valid.json");
    writeFileSync(input, JSON.stringify(valid));
    const r = await runInProcess(["add-call", "--input", input], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad thing \\(x1b|u001b)\[2J/);
    expect(r.stderr).not.toMatch(CONTROLS);
  });

  it("a server's list with controls in names reaches stdout as escaped JSON of the same values", async () => {
    answer = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ requestId: "r", records: { totalRecords: 1 }, users: [{ id: "1", firstName: NASTY, lastName: "Rep", emailAddress: "a@b.c" }] }));
    };
    const r = await runInProcess(["users"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(CONTROLS);
    expect((JSON.parse(r.stdout) as { name: string }[])[0]?.name).toBe(`${NASTY} Rep`);
  });

  it("a manifest's invalid rows with controls are escaped in the import's report on stderr", async () => {
    const manifest = join(dir, "nasty.jsonl");
    writeFileSync(manifest, `${JSON.stringify({ ...valid, clientUniqueId: `cuid${NASTY}`, direction: NASTY })}\n`);
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

