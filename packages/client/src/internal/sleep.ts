import { GongAbortError } from "../errors.js";

/** Waits `ms`, or rejects with GongAbortError as soon as `signal` aborts. */
export function sleep(ms: number, { signal }: { signal?: AbortSignal | undefined } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new GongAbortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new GongAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
