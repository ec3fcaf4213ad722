import { CommanderError } from "commander";
import { MediaUploadFailedError, OAuthError } from "@gong-connector/client";
import { DEFAULT_BASE_URL } from "@gong-connector/client/advanced";
import {
  GongAbortError,
  GongApiError,
  GongConnectionError,
  GongResponseError,
  GongUnreachableError,
  RateLimitError,
  RecordingDisabledError,
  ValidationError,
} from "@gong-connector/client";
import { requiredScope } from "@gong-connector/client/oauth";
import { formatIssues, isLoopbackHost } from "@gong-connector/schema";
import { baseUrlSetting, printableUrl, setupErrorOf, type BaseUrlSetting } from "./client.js";
import { EXIT } from "./exit.js";
import { printError, printJson } from "./output.js";
import { exitCodeOf } from "./exit-codes.js";

/** The scope a bearer token needs for an endpoint such as "GET /v2/users" (the client's table, CONTRACT.md §1). */
function scopeFor(endpoint: string | undefined): string | undefined {
  const m = /^(GET|POST|PUT) (\S+)$/.exec(endpoint ?? "");
  return m?.[1] === undefined || m[2] === undefined ? undefined : requiredScope(m[1] as "GET" | "POST" | "PUT", m[2]);
}

/** The base URL setting as the user made it: the flag or variable they set, or the default. */
function currentSetting(origin?: string): BaseUrlSetting {
  const recorded = baseUrlSetting();
  if (recorded !== undefined) return recorded;
  const fromEnv = process.env.GONG_BASE_URL?.trim();
  if (fromEnv === undefined || fromEnv === "") return { source: undefined, value: DEFAULT_BASE_URL };
  let envOrigin: string | undefined;
  try {
    envOrigin = new URL(fromEnv).origin;
  } catch {
    envOrigin = undefined;
  }
  return origin === undefined || envOrigin === origin ? { source: "GONG_BASE_URL", value: fromEnv } : { source: "--base-url", value: origin };
}

function describeSetting(setting: BaseUrlSetting): string {
  return setting.source === undefined
    ? `GONG_BASE_URL is not set, so the default ${DEFAULT_BASE_URL} was used`
    : `${setting.source} is ${printableUrl(setting.value)}`;
}

/** Credentials that look like the sandbox's, used against Gong's default host: GONG_BASE_URL was probably forgotten. */
function sandboxCredentialsHint(setting: BaseUrlSetting): string | undefined {
  if (setting.source !== undefined) return undefined;
  const key = process.env.GONG_ACCESS_KEY?.trim() ?? "";
  const token = process.env.GONG_BEARER_TOKEN?.trim() ?? "";
  if (!key.startsWith("sbx_") && !token.startsWith("sbx_")) return undefined;
  return "  The credentials look like the sandbox's (sbx_…): GONG_BASE_URL is probably missing; set it to the baseUrl the sandbox printed.";
}

function credentialsHint(error: GongApiError): string[] {
  const used = baseUrlSetting()?.profile;
  if (used !== undefined) {
    const profile = used.name;
    const login = `gong-connector auth login --profile ${profile} --client-id <id>`;
    if (error.requiredScope !== undefined && error.message.includes("lacks the scope")) {
      return [`  The OAuth app of the profile "${profile}" lacks the scope ${error.requiredScope}: add it to the app's scopes in Gong, then log in again (${login}).`];
    }
    if (used.kind === "oauth") return [`  The token of the profile "${profile}" was refused even after a refresh: log in again (${login}).`];
    return [`  Check the access key pair of the profile "${profile}" and its base URL (gong-connector auth add-key --profile ${profile} --access-key <key> replaces them).`];
  }
  const lines = ["  Check GONG_ACCESS_KEY / GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN) and GONG_BASE_URL."];
  const scope = scopeFor(error.endpoint);
  if (error.status === 403 && scope !== undefined) lines[0] = `${lines[0]?.slice(0, -1) ?? ""}, or the token lacks the scope ${scope}.`;
  return lines;
}

function describeApiError(error: GongApiError): string {
  const lines: string[] = [];
  const endpoint = error.endpoint === undefined ? "" : ` to ${error.endpoint}`;
  if (error instanceof RateLimitError) {
    lines.push(`gong-connector: gave up: Gong's rate limit (429)${endpoint}${error.attempts !== undefined ? ` after ${error.attempts} attempts` : ""}`);
  } else if (error.status >= 500) {
    lines.push(`gong-connector: gave up: Gong answered ${error.status}${endpoint}${error.attempts !== undefined ? ` after ${error.attempts} attempts` : ""}`);
  } else {
    const kind = error.name === "GongApiError" ? "" : ` ${error.name.replace(/Error$/, "")}`;
    lines.push(`gong-connector: Gong refused the request${endpoint} (${error.status}${kind})`);
  }
  for (const e of error.errors) lines.push(`  - ${e}`);
  if (error.errors.length === 0 && error.body !== undefined) lines.push(`  body: ${error.body}`);
  if (error instanceof RecordingDisabledError) {
    lines.push("  The primary user must be enabled for call import (telephony calls imported) in Gong's settings.");
  }
  const setting = currentSetting();
  if (error.status === 401 || error.status === 403) lines.push(...credentialsHint(error));
  if (error.status === 404 && error.endpoint !== undefined && /^(GET \/v2\/(users|workspaces)|POST \/v2\/calls)$/.test(error.endpoint)) {
    lines.push(`  ${error.endpoint} always exists on Gong's API: is the base URL right? ${describeSetting(setting)}.`);
  }
  if (error.status === 401 || error.status === 403 || error.status === 404) {
    const hint = sandboxCredentialsHint(setting);
    if (hint !== undefined) lines.push(hint);
  }
  lines.push(`  requestId: ${error.requestId ?? "(none)"}`);
  return lines.join("\n");
}

function describeUnreachable(error: GongUnreachableError): string {
  const setting = currentSetting(error.origin);
  const lines = [`gong-connector: ${error.message}.`, `  ${describeSetting(setting)}.`];
  let url: URL | undefined;
  try {
    url = new URL(error.origin);
  } catch {
    url = undefined;
  }
  if (url !== undefined && isLoopbackHost(url.hostname) && error.code === "ECONNREFUSED") {
    const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
    lines.push(`  Nothing listens on ${url.hostname}:${port}: is \`gong-connector sandbox\` running? Its JSON line gives the baseUrl.`);
  }
  const hint = sandboxCredentialsHint(setting);
  if (hint !== undefined) lines.push(hint);
  return lines.join("\n");
}

/** Quotes a path for a POSIX shell when it needs it. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** A ValidationError of the client's own setup (a variable or the base URL), not of the user's request. */
function isSetupValidation(error: ValidationError): boolean {
  return error.issues.length > 0 && error.issues.every((i) => i.path === "baseURL" || /^GONG_[A-Z_]+$/.test(i.path));
}

/** Prints what went wrong on stderr: never a stack trace for a user's mistake, a refusal or a failure we gave up on. */
function describeError(error: unknown, code: number): void {
  if (error instanceof CommanderError) return; // commander printed its message (and the pointer to --help)
  if (error instanceof MediaUploadFailedError) {
    printJson({ ...error.call, media: null });
    printError(`gong-connector: the call was added (callId ${error.call.callId}) but its media upload failed.`);
    const file = error.filePath === undefined ? "<file>" : shellQuote(error.filePath);
    printError(`  Retry the upload with: gong-connector add-media --call-id ${error.call.callId} --file ${file}`);
    describeError(error.cause, exitCodeOf(error.cause));
    return;
  }
  if (error instanceof ValidationError) {
    printError(`gong-connector: invalid input, nothing was sent:\n${formatIssues(error.issues)}`);
    return;
  }
  if (error instanceof GongApiError) {
    printError(describeApiError(error));
    return;
  }
  if (error instanceof GongAbortError) {
    printError("gong-connector: interrupted");
    return;
  }
  if (error instanceof GongUnreachableError) {
    printError(describeUnreachable(error));
    return;
  }
  if (error instanceof GongConnectionError || error instanceof GongResponseError) {
    const attempts = error.attempts !== undefined ? ` after ${error.attempts} attempts` : "";
    printError(`gong-connector: gave up${attempts}: ${error.message}`);
    return;
  }
  if (error instanceof OAuthError) {
    printError(`gong-connector: ${error.message}`);
    const profile = baseUrlSetting()?.profile?.name;
    if (profile !== undefined && (error.code === "invalid_grant" || error.code === "invalid_client")) {
      printError(`  Log in again: gong-connector auth login --profile ${profile} --client-id <id>`);
    }
    return;
  }
  if (code !== EXIT.bug && error instanceof Error) {
    // A setup mistake, an unusable manifest, journal or report, a journal that cannot be written: the message says it.
    printError(`gong-connector: ${error.message}`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  printError(`gong-connector: unexpected error (a bug): ${message}`);
  if (process.env.GONG_DEBUG === "1" && error instanceof Error && error.stack !== undefined) printError(error.stack);
  else printError("  Set GONG_DEBUG=1 to see the details.");
}

/** Reports an error on stderr and returns its exit code (from the one table, exit-codes.ts). */
export function reportError(error: unknown): number {
  if (error instanceof ValidationError && isSetupValidation(error)) return reportError(setupErrorOf(error, currentSetting()));
  const code = exitCodeOf(error);
  describeError(error, code);
  return code;
}
