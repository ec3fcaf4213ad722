/**
 * Every package the lock file installs accepts the Node version the project supports (package.json "engines"):
 * a dependency that needs a newer Node may work by chance and break on the next call it makes.
 */
import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ROOT } from "../dist.js";

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const lock = JSON.parse(readFileSync(`${ROOT}/package-lock.json`, "utf8")) as { packages: Record<string, LockPackage> };
const supported = (JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { engines: { node: string } }).engines.node;

describe("dependencies' engines", () => {
  it("the project supports Node 20", () => {
    expect(semver.minVersion(supported)?.major).toBe(20);
  });

  it("every installed package accepts every Node 20 the project supports", () => {
    const floor = semver.minVersion(supported)?.version ?? "20.0.0";
    const refused = Object.entries(lock.packages)
      .filter(([path]) => path.includes("node_modules/"))
      .flatMap(([path, pkg]) => {
        const range = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
        if (range === undefined) return [];
        // The Node 20 this machine runs, and the newest Node 20 (what a user installs today), must both be accepted.
        const ok = [process.versions.node.startsWith("20.") ? process.versions.node : floor, "20.99.0"].every((v) => semver.satisfies(v, range));
        return ok ? [] : [`${path}@${pkg.version ?? "?"} requires node ${range}`];
      });
    expect(refused).toEqual([]);
  });
});
