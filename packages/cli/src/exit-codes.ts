/**
 * The one map from an error's class to the CLI's exit code (DESIGN.md "Command line"): 2 invalid input or usage
 * (nothing sent), 3 Gong refused (a 4xx other than 429), 4 gave up (5xx, 429 after the retries, network, malformed
 * answers, a journal that cannot be written), 130 interrupted, 1 a bug (any error not in the table). An error takes
 * the code of the nearest class in its prototype chain that has an entry, so a subclass the table does not name
 * gets its parent's code.
 */
import { CommanderError } from "commander";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  GongAbortError,
  GongApiError,
  GongConnectionError,
  GongError,
  GongResponseError,
  GongTimeoutError,
  GongUnreachableError,
  InternalServerError,
  MediaUploadFailedError,
  NotFoundError,
  OAuthError,
  PermissionDeniedError,
  RateLimitError,
  RecordingDisabledError,
  UnconfirmedCallError,
  ValidationError,
} from "@gong-connector/client";
import {
  JournalBindingError,
  JournalBusyError,
  JournalFileError,
  JournalWriteError,
  ManifestError,
  MappingError,
  QueueConnectionError,
  ReportPathError,
} from "@gong-connector/importer/errors";
import { RelaySetupError } from "@gong-connector/serve/errors";
import { EXIT } from "./exit.js";
import { ConfigurationError } from "./setup-error.js";

/** An exit code, or how to tell it from the error itself. */
type ExitRule<E> = number | ((error: E) => number);

/** An error class, whatever its constructor's parameters. */
type ErrorClass<E extends Error = Error> = abstract new (...args: never[]) => E;

const entries: [ErrorClass, ExitRule<never>][] = [];
function entry<E extends Error>(cls: ErrorClass<E>, rule: ExitRule<E>): void {
  entries.push([cls, rule]);
}

/** Commander's help and version end with 0; its other errors are usage errors. */
const COMMANDER_DONE = new Set(["commander.helpDisplayed", "commander.version", "commander.help"]);

// Invalid input or usage: nothing was sent.
entry(CommanderError, (e) => (COMMANDER_DONE.has(e.code) ? EXIT.ok : EXIT.invalid));
entry(ConfigurationError, EXIT.invalid);
entry(ValidationError, EXIT.invalid);
entry(ManifestError, EXIT.invalid);
entry(ReportPathError, EXIT.invalid);
entry(JournalBusyError, EXIT.invalid);
entry(JournalBindingError, EXIT.invalid);
entry(JournalFileError, EXIT.invalid);
entry(MappingError, EXIT.invalid);
// The relay cannot start with what it was given (a data directory, watch folder or address it cannot use, another
// relay holding them, an outbox bound to another Gong).
entry(RelaySetupError, EXIT.invalid);
// Gong refused: a 4xx other than 429.
entry(GongApiError, (e) => (e.status === 429 || e.status >= 500 ? EXIT.gaveUp : EXIT.refused));
entry(BadRequestError, EXIT.refused);
entry(AuthenticationError, EXIT.refused);
entry(PermissionDeniedError, EXIT.refused);
entry(NotFoundError, EXIT.refused);
entry(ConflictError, EXIT.refused);
entry(RecordingDisabledError, EXIT.refused);
// The OAuth host refused the grant or the app (invalid_grant: log in again) is a refusal; a 429 or 5xx is giving up.
entry(OAuthError, (e) => (e.status >= 400 && e.status < 500 && e.status !== 429 ? EXIT.refused : EXIT.gaveUp));
// Gave up: 5xx, 429 after the retries, the network, answers we cannot read, a failed upload, an unwritable journal.
entry(RateLimitError, EXIT.gaveUp);
entry(InternalServerError, EXIT.gaveUp);
entry(GongConnectionError, EXIT.gaveUp);
entry(GongUnreachableError, EXIT.gaveUp);
entry(GongTimeoutError, EXIT.gaveUp);
entry(GongResponseError, EXIT.gaveUp);
entry(UnconfirmedCallError, EXIT.gaveUp);
entry(GongError, EXIT.gaveUp);
entry(JournalWriteError, EXIT.gaveUp);
// The queue's Redis: nothing answers (gave up, 4), or it refused the URL's credentials (a setup mistake, 2).
entry(QueueConnectionError, (e) => (e.reason === "refused" ? EXIT.invalid : EXIT.gaveUp));
// The call went in but its media did not: the code of what stopped the upload.
entry(MediaUploadFailedError, (e) => exitCodeOf(e.cause));
entry(GongAbortError, EXIT.interrupted);

/** The table: error class → exit code (or the rule that gives it). */
export const EXIT_CODES: ReadonlyMap<abstract new (...args: never[]) => unknown, ExitRule<never>> = new Map(entries);

/** The exit code for `error`: the rule of the nearest class in its prototype chain that has one, else 1 (a bug). */
export function exitCodeOf(error: unknown): number {
  if (typeof error !== "object" || error === null) return EXIT.bug;
  for (let proto: unknown = Object.getPrototypeOf(error); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const cls = (proto as { constructor?: unknown }).constructor;
    const rule = EXIT_CODES.get(cls as ErrorClass);
    if (rule === undefined) continue;
    return typeof rule === "number" ? rule : (rule as (e: unknown) => number)(error);
  }
  return EXIT.bug;
}
