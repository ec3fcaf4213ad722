/** --help as a user reads it from the built CLI: the program's lists every command; a command's has examples, exit 0, each default said once. */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../packages/cli/src/program.js";
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
      const r = await runCli([name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("Examples:");
      expect(r.stdout).toContain(`$ gong-connector ${name}`);
      // An option's help is its line plus indented continuation lines, up to the next option.
      const options = r.stdout.split(/\n(?= {2}-)/);
      for (const option of options) expect(option.match(/\(default[ :]/g)?.length ?? 0, option).toBeLessThanOrEqual(1);
    });
  }
});
