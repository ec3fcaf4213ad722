import { reportError } from "./errors.js";
import { setExitCode } from "./exit.js";

/**
 * Wraps a command's action: the action returns an exit code; any error is reported on stderr (no stack trace for a
 * user's mistake or a refusal from Gong) and turned into its exit code.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      setExitCode(await fn(...args));
    } catch (error) {
      setExitCode(reportError(error));
    }
  };
}
