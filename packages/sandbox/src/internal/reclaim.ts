import { readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Keeps the memory of long uploads flat.
 *
 * Node's HTTP parser hands each piece of a request body (up to 64 KB) to JavaScript in a buffer of its own. Those
 * buffers are dead as soon as they are on disk, but V8 frees them only when a young-generation collection runs, and
 * what starts one is allocation on the JavaScript heap, which a streaming upload hardly does. Left alone, a 1.5 GB
 * upload holds about 25 MB of dead body buffers at its peak. Asking for a minor collection after every 8 MB received
 * bounds that to about 8 MB; with almost nothing alive in the young generation one costs a fraction of a millisecond.
 */
const RECLAIM_EVERY_BYTES = 8 * 1024 * 1024;

let collector: NodeJS.GCFunction | undefined;
let loaded = false;
let received = 0;

/** The engine's `gc` function: the global one when node runs with --expose-gc, else one taken from a fresh context. */
function loadCollector(): NodeJS.GCFunction | undefined {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    setFlagsFromString("--expose-gc");
    const fn: unknown = runInNewContext("gc");
    return typeof fn === "function" ? (fn as NodeJS.GCFunction) : undefined;
  } catch {
    return undefined;
  } finally {
    // Only the context made above gets the function; nothing else in the process sees a new global.
    setFlagsFromString("--no-expose-gc");
  }
}

/** Counts bytes of request bodies taken in (across all uploads) and runs a minor collection every 8 MB. */
export function noteBodyBytes(bytes: number): void {
  received += bytes;
  if (received < RECLAIM_EVERY_BYTES) return;
  received = 0;
  if (!loaded) {
    collector = loadCollector();
    loaded = true;
  }
  collector?.({ type: "minor" });
}

/** Temporary upload files: `.incoming-<16 hex>.part` in the media dir. */
const PARTIAL_FILE = /^\.incoming-[0-9a-f]{16}\.part$/;

/**
 * Removes the partial files a previous run left in `mediaDir` (killed mid-upload, power cut) and returns how many.
 * Run once at start-up, before any upload can begin.
 */
export function sweepPartialFiles(mediaDir: string): number {
  let removed = 0;
  for (const name of readdirSync(mediaDir)) {
    if (!PARTIAL_FILE.test(name)) continue;
    try {
      unlinkSync(join(mediaDir, name));
      removed++;
    } catch {
      // gone already, or not ours to remove: nothing to reclaim
    }
  }
  return removed;
}
