import { GongClient, ValidationError, type GongClientOptions, type GongLogger } from "@gong-connector/client";
import { clientOptionsFromEnv, DEFAULT_BASE_URL } from "@gong-connector/client/advanced";
import { authOfProfile, profileName, readProfile } from "./profiles.js";
import { printError } from "./output.js";
import { ConfigurationError } from "./setup-error.js";

export interface ClientFlags {
  baseUrl?: string | undefined;
  verbose?: boolean | undefined;
  /** --profile: the stored connection to use when no credentials are in the environment. */
  profile?: string | undefined;
}

/** Where the base URL came from, so that messages name what the user set. */
export interface BaseUrlSetting {
  /** "--base-url", "GONG_BASE_URL", a profile's, or undefined when none was set (the default was used). */
  source: "--base-url" | "GONG_BASE_URL" | `the ${string} of the profile "${string}"` | undefined;
  /** The URL used (after dropping a trailing /v2). */
  value: string;
  /** The profile whose credentials the client uses, when one is (no credentials in the environment). */
  profile?: { name: string; kind: "oauth" | "key" };
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

/**
 * Test hook: GONG_CONNECTOR_TEST_TIME_SCALE (a number greater than 0 and at most 1) multiplies the waits the CLI
 * chooses itself: the back-off between retries and the pause before looking a call up after an ambiguous failure.
 * A wait Gong asks for (Retry-After) and the quota day (GONG_CONNECTOR_TEST_DAY_SECONDS) are not scaled.
 * For tests only; unset, the CLI waits as in production.
 */
export const TEST_TIME_SCALE_VARIABLE = "GONG_CONNECTOR_TEST_TIME_SCALE";

/** The waits the hook scales, at scale 1: the library's defaults. */
const PRODUCTION_WAITS = { retryBaseDelayMs: 1000, retryMaxDelayMs: 60_000, ambiguityDelayMs: 2000 } as const;

export interface CliWaits {
  /** Spread into the options of every GongClient the CLI builds. */
  client: Pick<GongClientOptions, "retryBaseDelayMs" | "retryMaxDelayMs">;
  /** Spread into the options of addCall (and of the importer's sender, `{ addCall: waits.addCall }`). */
  addCall: { ambiguityDelayMs?: number };
}

/** The test hook's scale: 1 when unset; a ConfigurationError (exit 2) when it is not a number in (0, 1]. */
export function testTimeScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[TEST_TIME_SCALE_VARIABLE]?.trim();
  if (raw === undefined || raw === "") return 1;
  const scale = /^[0-9]*\.?[0-9]+(e-?[0-9]+)?$/i.test(raw) ? Number(raw) : Number.NaN;
  if (!(scale > 0 && scale <= 1)) {
    throw new ConfigurationError(`${TEST_TIME_SCALE_VARIABLE} (a test hook) must be a number greater than 0 and at most 1, such as 0.01; it is ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return scale;
}

/** The waits to pass to the client and the actions: none (the defaults) unless the test hook is set. */
export function cliWaits(env: NodeJS.ProcessEnv = process.env): CliWaits {
  const scale = testTimeScale(env);
  if (scale === 1) return { client: {}, addCall: {} };
  return {
    client: { retryBaseDelayMs: PRODUCTION_WAITS.retryBaseDelayMs * scale, retryMaxDelayMs: PRODUCTION_WAITS.retryMaxDelayMs * scale },
    addCall: { ambiguityDelayMs: PRODUCTION_WAITS.ambiguityDelayMs * scale },
  };
}

const ENV_CREDENTIALS = ["GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN"] as const;

/**
 * The client options of a command: credentials from the environment (GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or
 * GONG_BEARER_TOKEN) when any is set, else from the profile (--profile, GONG_PROFILE, "default"); never from flags.
 * The base URL: --base-url, else GONG_BASE_URL, else a key profile's, else the default; an OAuth profile sends every
 * request to the customer's API host its token names.
 */
export function cliClientOptions(flags: ClientFlags = {}, env: NodeJS.ProcessEnv = process.env, extra: Partial<GongClientOptions> = {}): GongClientOptions {
  const setting = readBaseUrlSetting(flags, env);
  lastSetting = setting;
  const common = { logger: stderrLogger(flags.verbose === true), ...cliWaits(env).client, ...extra };
  const fromEnv = ENV_CREDENTIALS.some((name) => (env[name]?.trim() ?? "") !== "");
  const name = profileName(flags.profile, env);
  const profile = fromEnv ? undefined : readProfile(name, env);
  if (fromEnv && flags.profile !== undefined) {
    const set = ENV_CREDENTIALS.filter((variable) => (env[variable]?.trim() ?? "") !== "").join(", ");
    printError(`gong-connector: warning: --profile ${JSON.stringify(name)} is not used: credentials are set in the environment (${set}), and they win over any profile`);
  }
  try {
    if (profile === undefined) {
      const explicit = flags.profile !== undefined || (env.GONG_PROFILE?.trim() ?? "") !== "";
      if (!fromEnv && explicit) {
        throw new ConfigurationError(`there is no profile named ${JSON.stringify(name)} (gong-connector auth status lists them; gong-connector auth login or auth add-key makes one)`);
      }
      if (!fromEnv) {
        throw new ConfigurationError(
          "no credentials: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN), or store them in a profile: gong-connector auth login --client-id <id> (OAuth) or gong-connector auth add-key --access-key <key>",
        );
      }
      return clientOptionsFromEnv(env, { baseURL: setting.value, ...common });
    }
    const fromProfile = authOfProfile(name, profile, env);
    if ("oauth" in fromProfile.auth) {
      if (setting.source !== undefined) {
        printError(`gong-connector: warning: ${setting.source} is not used with the OAuth profile ${JSON.stringify(name)}: requests go to the customer's API host its token names`);
      }
      const tokens = profile.kind === "oauth" ? (profile.tokens as { apiBaseUrl?: unknown } | undefined) : undefined;
      lastSetting = {
        source: `the API host (from its token) of the profile "${name}"`,
        value: typeof tokens?.apiBaseUrl === "string" ? tokens.apiBaseUrl : "",
        profile: { name, kind: "oauth" },
      };
      return { auth: fromProfile.auth, ...common };
    }
    const baseURL = setting.source === undefined ? (fromProfile.baseURL ?? setting.value) : setting.value;
    lastSetting = { ...(setting.source === undefined ? { source: `the base URL of the profile "${name}"`, value: baseURL } : setting), profile: { name, kind: "key" } };
    return { auth: fromProfile.auth, baseURL, ...common };
  } catch (error) {
    if (error instanceof ValidationError) throw setupErrorOf(error, lastSetting);
    throw error;
  }
}

/** A client with the command's credentials (environment, else profile; see cliClientOptions). */
export function clientFromEnvironment(flags: ClientFlags = {}): GongClient {
  const options = cliClientOptions(flags);
  try {
    return new GongClient(options);
  } catch (error) {
    if (error instanceof ValidationError) throw setupErrorOf(error, lastSetting);
    throw error;
  }
}
