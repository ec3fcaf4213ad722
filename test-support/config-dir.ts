/** A configuration directory (GONG_CONFIG_DIR) for one test, and what is in it afterwards. */
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** A fresh config dir for one test (GONG_CONFIG_DIR). */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), "gc-auth-"));
}

/** Every file under `dir` (relative paths) with its mode, for checking modes and that no temporary file is left. */
export function filesUnder(dir: string): { path: string; mode: number; dir: boolean }[] {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      out.push({ path: relative(dir, full), mode: st.mode & 0o777, dir: st.isDirectory() });
      if (st.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

/** The text of every file under `dir` but `except`, joined (to search it for secrets). */
export function textOfFilesExcept(dir: string, except: string): string {
  return filesUnder(dir)
    .filter((f) => !f.dir && join(dir, f.path) !== except)
    .map((f) => readFileSync(join(dir, f.path), "utf8"))
    .join("\n");
}
