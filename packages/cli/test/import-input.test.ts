/**
 * import on hostile input, run in-process (`run(argv)` of the CLI's sources) against the sandbox over real HTTP and real
 * files: files that are not manifests and media outside --media-root get one line naming the file and the problem,
 * exit 2, nothing sent; random manifests (fast-check) through --dry-run exit 0 or 2 with messages, never a stack trace
 * or another code. e2e/hostile/importer-input-files.test.ts checks the manifest readers case by case and runs the
 * built CLI as a user who cannot read the manifest; e2e/hostile/importer-input.test.ts checks the readers over random
 * input and runs one junk manifest through the built CLI.
 */
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { adminCalls, lastJson, writeJsonl } from "../../../test-support/importer.js";
import { expectCleanOutcome, importFixture, mediaTree, type MediaTree } from "../../../test-support/import-fixtures.js";
import { csvText, jsonlLine } from "../../../test-support/manifest-arbitraries.js";
import { runInProcess } from "../../../test-support/run-in-process.js";

const fx = importFixture("gc-input-");
let counter = 0;

describe("files that are not manifests (in-process)", () => {
  it("the CLI says so in one line and exits 2, nothing sent: missing, directory, binary; the manifest is checked before the credentials", async () => {
    mkdirSync(join(fx.dir, "folder.jsonl"));
    writeFileSync(join(fx.dir, "png.jsonl"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    const before = (await adminCalls(fx.sb())).length;
    for (const [name, message] of [
      ["nope.jsonl", /^gong-connector: manifest .*nope\.jsonl: no such file$/m],
      ["folder.jsonl", /^gong-connector: manifest .*folder\.jsonl: is a directory, not a file$/m],
      ["png.jsonl", /^gong-connector: manifest .*png\.jsonl line 1: /m],
    ] as const) {
      const r = await runInProcess(["import", join(fx.dir, name)], { env: fx.env() });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/ENOENT|\n\s+at /);
    }
    // The manifest is checked before the credentials are looked for.
    const noCredentials = await runInProcess(["import", join(fx.dir, "nope.jsonl")]);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr.trim()).toMatch(/^gong-connector: manifest .*nope\.jsonl: no such file$/);
    expect((await adminCalls(fx.sb())).length).toBe(before);
  });
});

describe("media paths (in-process)", () => {
  let tree: MediaTree;
  beforeAll(() => {
    tree = mediaTree(fx.dir);
  });

  it("--media-root DIR: the dry run names the rows outside it (exit 2); a missing DIR is refused (exit 2); without it, rows outside the manifest's directory", async () => {
    const { base, man, outside, rows } = tree;
    const p = join(man, "calls.jsonl");
    writeJsonl(p, rows());
    const r = await runInProcess(["import", p, "--dry-run", "--media-root", outside], { env: fx.env() });
    expect(r.code).toBe(2);
    expect(lastJson(r.stdout)).toMatchObject({ total: 9, valid: 4, invalid: 5 });
    expect(r.stderr).toMatch(/^line 1 \(mp-00001\): mediaFile: must be inside --media-root/m);
    const r2 = await runInProcess(["import", p, "--dry-run", "--media-root", join(base, "nowhere")], { env: fx.env() });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^gong-connector: --media-root .*nowhere: no such directory$/m);
    const r3 = await runInProcess(["import", p, "--dry-run"], { env: fx.env() });
    expect(r3.stderr).toMatch(/^line 7 \(mp-00007\): mediaFile: must be inside the manifest's directory/m);
  });
});

describe("import --dry-run on random manifests (in-process)", () => {
  it("exits 0 or 2 with messages, never a stack trace or another code", async () => {
    const manifest = fc.oneof(
      csvText.map((t) => ({ ext: "csv", content: t })),
      fc.array(jsonlLine, { maxLength: 6 }).map((ls) => ({ ext: "jsonl", content: ls.join("\n") })),
      fc.uint8Array({ maxLength: 200 }).map((b) => ({ ext: "jsonl", content: b })),
    );
    await fc.assert(
      fc.asyncProperty(manifest, async ({ ext, content }) => {
        const file = join(fx.dir, `cli-${counter++}.${ext}`);
        writeFileSync(file, content);
        expectCleanOutcome(await runInProcess(["import", file, "--dry-run"]));
      }),
      { numRuns: 15 },
    );
  }, 240_000);
});
