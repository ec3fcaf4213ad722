/** Exit codes (DESIGN.md "Command line"): scripts and tests depend on them. Which error gives which: exit-codes.ts. */
export const EXIT = {
  ok: 0,
  bug: 1,
  invalid: 2,
  refused: 3,
  gaveUp: 4,
  partlyFailed: 5,
  /** The daily quota was spent and --stop-on-quota was given: rows left pending, a rerun after the reset resumes. */
  quotaStopped: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

let interruptController = new AbortController();

/** How the first signal is announced on stderr (a command whose stderr is JSON lines says it as one). */
let announceSignal = (signal: NodeJS.Signals): void => {
  process.stderr.write(`\ngong-connector: ${signal} received, stopping (press Ctrl-C again to quit at once)\n`);
};

export function setSignalAnnouncer(fn: (signal: NodeJS.Signals) => void): void {
  announceSignal = fn;
}

/** Aborted on SIGINT/SIGTERM: every command passes it to the library so requests stop and journals flush. */
export function interruptSignal(): AbortSignal {
  return interruptController.signal;
}

/** Makes SIGINT/SIGTERM abort `interruptSignal()`; a second signal exits at once with 130. */
export function installSignalHandlers(): () => void {
  interruptController = new AbortController();
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(EXIT.interrupted);
    announceSignal(signal);
    interruptController.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

let lastExitCode: number = EXIT.ok;

/** Sets the process's exit code for the command that is running (the program returns it). */
export function setExitCode(code: number): void {
  lastExitCode = code;
}

export function takeExitCode(): number {
  const code = lastExitCode;
  lastExitCode = EXIT.ok;
  return code;
}

let mustEnd = false;

/**
 * Asks main.ts to end the process once the command has returned and said everything, for a command that had to let
 * go of connections a library keeps retrying (a worker whose Redis went away: BullMQ's reconnect timers would keep the
 * process alive). run() itself never exits, so in-process callers are unaffected.
 */
export function endProcessAfterRun(): void {
  mustEnd = true;
}

export function processMustEnd(): boolean {
  return mustEnd;
}
