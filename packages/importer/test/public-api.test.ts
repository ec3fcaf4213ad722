/** Each entry point exports exactly the runtime names its section of the README documents, in both directions. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/**
 * The names documented for `entry`: in the README's "### `entry`" section, the code spans at the start of each list
 * item, before its " — " (`name(args)` counts as `name`).
 */
function documented(entry: string): string[] {
  const start = README.indexOf(`### \`${entry}\`\n`);
  expect(start, `README has a section for ${entry}`).toBeGreaterThan(-1);
  const rest = README.slice(start + 1);
  const end = rest.search(/\n#{1,3} /);
  const section = end === -1 ? rest : rest.slice(0, end);
  const names = new Set<string>();
  // A list item runs from its "- " to the next item or blank line.
  for (const item of section.split(/\n(?=\s*- )|\n\n/)) {
    const m = /^\s*- (.*)$/s.exec(item);
    if (m?.[1] === undefined) continue;
    const head = m[1].split(" — ")[0] ?? "";
    for (const span of head.matchAll(/`([^`]+)`/g)) {
      const name = (span[1] ?? "").replace(/\(.*$/s, "");
      if (/^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
    }
  }
  return [...names].sort();
}

describe("public API = README", () => {
  it("@gong-connector/importer", async () => {
    const names = Object.keys(await import("../src/index.js")).sort();
    expect(names).toEqual(documented("@gong-connector/importer"));
    expect(names.length).toBeLessThan(40);
  });

  it("@gong-connector/importer/queue", async () => {
    expect(Object.keys(await import("../src/queue/index.js")).sort()).toEqual(documented("@gong-connector/importer/queue"));
  });

  it("@gong-connector/importer/errors: the same classes as the main entry", async () => {
    const errors = await import("../src/errors.js");
    const main = await import("../src/index.js");
    expect(Object.keys(errors).sort()).toEqual(documented("@gong-connector/importer/errors"));
    for (const [name, value] of Object.entries(errors)) expect(main[name as keyof typeof main]).toBe(value);
  });
});
