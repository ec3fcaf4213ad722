import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("packages/sandbox/README.md", () => {
  it("shows examples/sandbox-vitest's test file as it is (the e2e pack test runs that file)", () => {
    const example = readFileSync(new URL("../../../examples/sandbox-vitest/test/gong.test.ts", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## With vitest"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });

  it("documents every runtime export, and the package exports nothing it does not document", () => {
    const names = Object.keys(api).sort();
    expect(names).toEqual(["DEFAULT_WORKSPACE_ID", "DataDirError", "SEED_USERS", "SEED_WORKSPACES", "generateConversationWav", "parseHost", "startSandbox"].sort());
    for (const name of names) expect(readme, name).toContain(`\`${name}`);
  });
});
