import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

function codeOf(err: unknown): unknown {
  return err instanceof Error && "code" in err ? err.code : undefined;
}

function notADirectory(path: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: "ENOTDIR", path });
}

/** The directories to create for `path`, outermost first (none when it exists; ENOTDIR when a file is in the way). */
function missingSync(path: string): string[] {
  const missing: string[] = [];
  for (let p = resolve(path); ; ) {
    try {
      if (!statSync(p).isDirectory()) throw notADirectory(p);
      return missing.reverse();
    } catch (err) {
      if (codeOf(err) !== "ENOENT") throw err;
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) return missing.reverse();
      p = parent;
    }
  }
}

async function missingAsync(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = resolve(path); ; ) {
    try {
      if (!(await stat(p)).isDirectory()) throw notADirectory(p);
      return missing.reverse();
    } catch (err) {
      if (codeOf(err) !== "ENOENT") throw err;
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) return missing.reverse();
      p = parent;
    }
  }
}

/**
 * `mkdir -p`: creates `path` and its missing parents (each with `mode`), one level at a time, and throws the
 * first error (ENOENT, EACCES, ENOTDIR, …) with its path. Node 20's `mkdir(path, { recursive: true })` loops forever
 * where a filesystem answers ENOENT for a directory whose parent exists (`/proc/x`, `/sys/x`): a path a user gives
 * must never hang a program, so every directory the connector creates is made with this.
 */
export function makeDirectoriesSync(path: string, mode = 0o777): void {
  for (const dir of missingSync(path)) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      // Made meanwhile by someone else: fine when it is a directory.
      if (codeOf(err) !== "EEXIST" || !statSync(dir).isDirectory()) throw err;
    }
  }
}

/** {@link makeDirectoriesSync} without blocking. */
export async function makeDirectories(path: string, mode = 0o777): Promise<void> {
  for (const dir of await missingAsync(path)) {
    try {
      await mkdir(dir, { mode });
    } catch (err) {
      if (codeOf(err) !== "EEXIST" || !(await stat(dir)).isDirectory()) throw err;
    }
  }
}
