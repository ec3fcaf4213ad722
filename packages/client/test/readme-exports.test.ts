/**
 * Each entry point exports exactly the runtime names its package README documents (under "Runtime exports of
 * `<entry point>`"), and the README documents every one: neither can drift from the other.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The names listed (`- \`name\``) under the heading "Runtime exports of `<entry>`", up to the next heading. */
function documentedNames(readme: string, entry: string): string[] {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.includes(`Runtime exports of \`${entry}\``));
  expect(start, `README has a "Runtime exports of \`${entry}\`" heading`).toBeGreaterThanOrEqual(0);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#+ /.test(line)) break;
    const m = /^- `([A-Za-z_$][\w$]*)`/.exec(line);
    if (m?.[1] !== undefined) names.push(m[1]);
  }
  return names.sort();
}

const readme = (pkg: string): string => readFileSync(new URL(`../../${pkg}/README.md`, import.meta.url), "utf8");

describe("package READMEs and exports", () => {
  const cases: [string, string, () => Promise<Record<string, unknown>>][] = [
    ["client", "@gong-connector/client", () => import("@gong-connector/client")],
    ["client", "@gong-connector/client/advanced", () => import("@gong-connector/client/advanced")],
    ["client", "@gong-connector/client/oauth", () => import("@gong-connector/client/oauth")],
    ["schema", "@gong-connector/schema", () => import("@gong-connector/schema")],
  ];
  it.each(cases)("%s README documents exactly what %s exports", async (pkg, entry, load) => {
    const exported = Object.keys(await load()).sort();
    const documented = documentedNames(readme(pkg), entry);
    expect(new Set(documented).size, "a name listed twice").toBe(documented.length);
    expect(documented).toEqual(exported);
  });

  it("keeps the client's main entry point small", async () => {
    expect(Object.keys(await import("@gong-connector/client")).length).toBeLessThan(40);
  });
});
