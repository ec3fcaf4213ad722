/** --help as a user reads it from the built CLI: the program's lists every command; a command's has examples, exit 0, each default said once. */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../packages/cli/src/program.js";
import { expectHelp } from "../../test-support/cli-fixtures.js";
import { runCli } from "../../test-support/run-cli.js";

const names = buildProgram().commands.map((c) => c.name());

describe("--help of every command", () => {
  it("the program's help lists every command", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const name of names) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  // Every command's --help is checked in-process (packages/cli/test/usage.test.ts); one through the built CLI.
  for (const name of ["add-call"]) {
    it(`${name} --help: exit 0, examples, no default stated twice`, async () => {
      expectHelp(await runCli([name, "--help"]), name);
    });
  }
});
