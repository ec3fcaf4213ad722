import { mkdir, rm, stat, utimes } from "node:fs/promises";
import { GongError } from "../errors.js";
import { sleep } from "./sleep.js";

export interface FileLockOptions {
  /** A lock not renewed for this long is taken over (its holder died). Default 20,000 ms. */
  staleMs?: number | undefined;
  /** Give up waiting after this long. Default 60,000 ms. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The lock could not be taken in time. */
export class LockTimeoutError extends GongError {
  override name = "LockTimeoutError";
  override readonly exitCode: number = 4;
}

/**
 * Runs `fn` holding an exclusive lock shared by every process on this machine: a directory `lockPath` made with
 * mkdir (atomic on local file systems), renewed while held, taken over when its holder stopped renewing it (died).
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 20_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let wait = 10;
  for (;;) {
    try {
      await mkdir(lockPath, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const held = await stat(lockPath).catch(() => undefined);
    if (held !== undefined && Date.now() - held.mtimeMs > staleMs && (await removeStale(lockPath, staleMs))) continue;
    if (Date.now() >= deadline) throw new LockTimeoutError(`could not take the lock ${lockPath} within ${String(options.timeoutMs ?? 60_000)} ms`);
    await sleep(wait + Math.random() * wait, { signal: options.signal });
    wait = Math.min(wait * 2, 200);
  }
  const renew = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, Math.max(100, Math.floor(staleMs / 4)));
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await rm(lockPath, { recursive: true, force: true });
  }
}

function isStale(path: string, staleMs: number): Promise<boolean> {
  return stat(path).then(
    (st) => Date.now() - st.mtimeMs > staleMs,
    () => false,
  );
}

/**
 * Removes the lock at `lockPath` if it is still stale (its holder stopped renewing it), one waiter at a time: the
 * waiters that saw it stale at once must not remove it one after the other, or the second would remove the lock the
 * first has just taken. The takeover is itself guarded by a directory `<lock>.takeover`; a guard left by a waiter
 * that died during a takeover is removed once it is stale. True when the stale lock is gone.
 */
async function removeStale(lockPath: string, staleMs: number): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  try {
    await mkdir(guard, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (await isStale(guard, staleMs)) await rm(guard, { recursive: true, force: true });
    return false;
  }
  try {
    // Checked again under the guard: another waiter may have removed it and taken the lock since.
    if (!(await isStale(lockPath, staleMs))) return false;
    await rm(lockPath, { recursive: true, force: true });
    return true;
  } finally {
    await rm(guard, { recursive: true, force: true });
  }
}
