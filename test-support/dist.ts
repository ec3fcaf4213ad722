import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The built CLI, as `npx gong-connector` runs it. */
export const CLI = join(ROOT, "packages/cli/dist/main.js");
export const PACKAGES = ["schema", "client", "sandbox", "importer", "serve", "cli"] as const;

/** The newest modification time of any file under `dir` (0 when it holds none). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The packages under `root`/packages whose dist/ is missing or older than some file of their src/. A build stamps
 * dist/.tsbuildinfo last, so that file's time is when dist/ was last brought up to date.
 */
export function staleDists(root: string = ROOT, packages: readonly string[] = PACKAGES): string[] {
  return packages.filter((name) => {
    const stamp = join(root, "packages", name, "dist/.tsbuildinfo");
    return !existsSync(stamp) || statSync(stamp).mtimeMs < newestMtime(join(root, "packages", name, "src"));
  });
}

/** Builds when some dist/ is older than its src/, then fails loudly if any still is: tests never run a stale CLI. */
export function ensureFreshDist(root: string = ROOT): void {
  if (staleDists(root).length === 0) return;
  const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", join(root, "tsconfig.build.json")], { encoding: "utf8" });
  const stale = staleDists(root);
  if (r.status !== 0 || stale.length > 0) {
    throw new Error(`dist/ is older than src/ in ${stale.join(", ")} and the build failed (run npm run build): ${r.stdout}${r.stderr}`);
  }
}
