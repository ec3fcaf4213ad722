import { clientFromEnv, ValidationError, type GongClient, type GongLogger } from "@gong-connector/client";
import { DEFAULT_BASE_URL } from "@gong-connector/client/advanced";
import { printError } from "./output.js";
import { ConfigurationError } from "./setup-error.js";

export interface ClientFlags {
  baseUrl?: string | undefined;
  verbose?: boolean | undefined;
}

/** Where the base URL came from, so that messages name what the user set. */
export interface BaseUrlSetting {
  /** "--base-url", "GONG_BASE_URL", or undefined when neither was set (the default was used). */
  source: "--base-url" | "GONG_BASE_URL" | undefined;
  /** The URL used (after dropping a trailing /v2). */
  value: string;
}

let lastSetting: BaseUrlSetting | undefined;

/** How the base URL of the last client this process built was set; undefined before any. */
export function baseUrlSetting(): BaseUrlSetting | undefined {
  return lastSetting;
}

/** stderr logger for --verbose; the client redacts credentials before it logs. */
export const stderrLogger = (verbose: boolean): GongLogger => ({
  warn: (msg) => {
    printError(`gong-connector: warning: ${msg}`);
  },
  ...(verbose && {
    debug: (msg: string, data?: object) => {
      printError(`gong-connector: ${msg}${data === undefined ? "" : ` ${JSON.stringify(data)}`}`);
    },
  }),
});

/** A base URL fit to print: credentials in it dropped, cut short, control characters shown escaped. */
export function printableUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = "";
    url.password = "";
    const href = url.pathname === "/" && url.search === "" && url.hash === "" ? url.href.slice(0, -1) : url.href;
    return JSON.stringify(href.slice(0, 200));
  } catch {
    return JSON.stringify(value.slice(0, 200));
  }
}

const TRAILING_V2 = /\/v2\/*$/i;

/**
 * Reads the base URL setting (flag, then environment) and drops a trailing `/v2` with a warning: the API paths carry
 * it already, and `…/v2` would make every request go to /v2/v2/….
 */
export function readBaseUrlSetting(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = printError): BaseUrlSetting {
  const fromEnv = env.GONG_BASE_URL?.trim();
  const source = flags.baseUrl !== undefined ? "--base-url" : fromEnv !== undefined && fromEnv !== "" ? "GONG_BASE_URL" : undefined;
  const raw = flags.baseUrl ?? (source === "GONG_BASE_URL" ? fromEnv : undefined) ?? DEFAULT_BASE_URL;
  let value = raw.trim();
  if (source !== undefined && TRAILING_V2.test(value)) {
    value = value.replace(TRAILING_V2, "");
    warn(`gong-connector: warning: ${source} ends in /v2, which every API path adds itself; using ${printableUrl(value)}`);
  }
  return { source, value };
}

/** A ValidationError of the client's options, said in terms of what the user set (variable or flag). */
export function setupErrorOf(error: ValidationError, setting: BaseUrlSetting | undefined): ConfigurationError {
  const lines = error.issues.map((issue) => {
    if (issue.path === "baseURL") {
      const name = setting?.source ?? "GONG_BASE_URL";
      return `${name} ${issue.rule} (it is ${printableUrl(setting?.value ?? "")})`;
    }
    if (issue.rule.includes(issue.path)) return issue.rule;
    return /^required\b/.test(issue.rule) ? `${issue.path} is ${issue.rule}` : `${issue.path}: ${issue.rule}`;
  });
  return new ConfigurationError(lines.join("\n  "));
}

/** A client from GONG_BASE_URL and GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN (never flags). */
export function clientFromEnvironment(flags: ClientFlags = {}): GongClient {
  const setting = readBaseUrlSetting(flags);
  lastSetting = setting;
  try {
    return clientFromEnv(process.env, { baseURL: setting.value, logger: stderrLogger(flags.verbose === true) });
  } catch (error) {
    if (error instanceof ValidationError) throw setupErrorOf(error, setting);
    throw error;
  }
}
