import { CommanderError } from "commander";
import { MediaUploadFailedError } from "../actions/media.js";
import {
  GongAbortError,
  GongApiError,
  GongConnectionError,
  GongError,
  GongResponseError,
  RateLimitError,
  RecordingDisabledError,
  ValidationError,
} from "../client/index.js";
import { formatIssues } from "../schema/issues.js";
import { EXIT } from "./exit.js";
import { printError, printJson } from "./output.js";

function describeApiError(error: GongApiError): string {
  const lines: string[] = [];
  if (error instanceof RateLimitError) {
    lines.push(`gong-connector: gave up: Gong's rate limit (429) ${error.attempts !== undefined ? `after ${error.attempts} attempts` : ""}`.trimEnd());
  } else if (error.status >= 500) {
    lines.push(`gong-connector: gave up: Gong answered ${error.status}${error.attempts !== undefined ? ` after ${error.attempts} attempts` : ""}`);
  } else {
    lines.push(`gong-connector: Gong refused the request (${error.status} ${error.name.replace(/Error$/, "")})`);
  }
  for (const e of error.errors) lines.push(`  - ${e}`);
  if (error instanceof RecordingDisabledError) {
    lines.push("  The primary user must be enabled for call import (telephony calls imported) in Gong's settings.");
  }
  if (error.status === 401) lines.push("  Check GONG_ACCESS_KEY / GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN) and GONG_BASE_URL.");
  lines.push(`  requestId: ${error.requestId ?? "(none)"}`);
  return lines.join("\n");
}

/** Reports an error on stderr (never a stack trace for a user's mistake or a refusal) and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    return EXIT.invalid;
  }
  if (error instanceof MediaUploadFailedError) {
    printJson({ ...error.call, media: null });
    printError(`gong-connector: the call was added (callId ${error.call.callId}) but its media upload failed.`);
    printError(`  Retry the upload with: gong-connector add-media --call-id ${error.call.callId} --file <file>`);
    return reportError(error.cause);
  }
  if (error instanceof ValidationError) {
    printError(`gong-connector: invalid input, nothing was sent:\n${formatIssues(error.issues)}`);
    return EXIT.invalid;
  }
  if (error instanceof GongApiError) {
    printError(describeApiError(error));
    return error instanceof RateLimitError || error.status >= 500 ? EXIT.gaveUp : EXIT.refused;
  }
  if (error instanceof GongAbortError) {
    printError("gong-connector: interrupted");
    return EXIT.interrupted;
  }
  if (error instanceof GongConnectionError || error instanceof GongResponseError) {
    const attempts = error.attempts !== undefined ? ` after ${error.attempts} attempts` : "";
    printError(`gong-connector: gave up${attempts}: ${error.message}`);
    return EXIT.gaveUp;
  }
  if (error instanceof GongError) {
    printError(`gong-connector: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  printError(`gong-connector: unexpected error (a bug): ${message}`);
  if (process.env.GONG_DEBUG === "1" && error instanceof Error && error.stack !== undefined) printError(error.stack);
  else printError("  Set GONG_DEBUG=1 to see the details.");
  return EXIT.bug;
}
