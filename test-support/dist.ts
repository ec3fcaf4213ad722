import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The built CLI, as `npx gong-connector` runs it. */
export const CLI = join(ROOT, "packages/cli/dist/main.js");
export const PACKAGES = ["schema", "client", "sandbox", "importer", "cli"] as const;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The packages whose dist/ is missing or older than some file of their src/. */
export function staleDists(): string[] {
  return PACKAGES.filter((name) => {
    const stamp = join(ROOT, "packages", name, "dist/.tsbuildinfo");
    return !existsSync(stamp) || statSync(stamp).mtimeMs < newestMtime(join(ROOT, "packages", name, "src"));
  });
}

/** Builds when some dist/ is older than its src/, then fails loudly if any still is: tests never run a stale CLI. */
export function ensureFreshDist(): void {
  if (staleDists().length === 0) return;
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", join(ROOT, "tsconfig.build.json")], { encoding: "utf8" });
  const stale = staleDists();
  if (r.status !== 0 || stale.length > 0) {
    throw new Error(`dist/ is older than src/ in ${stale.join(", ")} and the build failed (run npm run build): ${r.stdout}${r.stderr}`);
  }
}
