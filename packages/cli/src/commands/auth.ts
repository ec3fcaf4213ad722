import { Command } from "commander";
import { action } from "../action.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";
import { ConfigurationError } from "../setup-error.js";

/** Environment variables that hold credentials and so win over any profile. */
const ENV_CREDENTIALS = ["GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN"] as const;

const DEFAULT_TIMEOUT_SECONDS = 300;
const MAX_TIMEOUT_SECONDS = 86_400;
const SCOPE = /^[A-Za-z0-9:._-]{1,100}$/;
const MAX_SCOPES = 50;

interface LoginFlags {
  clientId: string;
  profile?: string;
  port?: string;
  open: boolean;
  scopes?: string;
  timeout?: string;
}

interface AddKeyFlags {
  profile?: string;
  accessKey: string;
  baseUrl?: string;
}

interface ProfileFlags {
  profile?: string;
  pretty?: boolean;
}

/** A flag's value as a message may quote it: cut short, as a JSON string (so controls are escaped). */
function quoted(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function wholeNumber(flag: string, value: string, min: number, max: number, what: string): number {
  const n = /^[0-9]{1,10}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(n >= min && n <= max)) throw new ConfigurationError(`${flag} must be ${what} (it is ${quoted(value)})`);
  return n;
}

/** --scopes: space-separated scope names, each once; a ConfigurationError naming the first bad one. */
export function parseScopes(value: string): string[] {
  const scopes = [...new Set(value.split(/[\s,]+/).filter((s) => s !== ""))];
  if (scopes.length === 0) throw new ConfigurationError('--scopes must name at least one scope, e.g. --scopes "api:calls:create api:users:read"');
  if (scopes.length > MAX_SCOPES) throw new ConfigurationError(`--scopes names ${String(scopes.length)} scopes; at most ${String(MAX_SCOPES)}`);
  for (const scope of scopes) {
    if (!SCOPE.test(scope)) throw new ConfigurationError(`--scopes: ${quoted(scope)} is not a scope name (letters, digits and : . _ -, such as api:calls:create)`);
  }
  return scopes;
}

/** --client-id: printable ASCII without spaces or ':' (it is the user name of the app's Basic credentials). */
function checkClientId(value: string): string {
  const id = value.trim();
  if (!/^[\x21-\x39\x3b-\x7e]{1,256}$/.test(id)) {
    throw new ConfigurationError(`--client-id must be the OAuth app's client id: 1-256 printable characters without spaces or ':' (it is ${quoted(value)})`);
  }
  return id;
}

/** A base URL setting checked by the client's rule, said in terms of where it came from. */
async function checkUrl(name: string, value: string): Promise<string> {
  const { normalizeBaseURL } = await import("@gong-connector/client/advanced");
  const { ValidationError } = await import("@gong-connector/client");
  const { printableUrl } = await import("../client.js");
  try {
    return normalizeBaseURL(value.trim()).href.replace(/\/$/, "");
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigurationError(`${name} ${error.issues[0]?.rule ?? "is not a valid URL"} (it is ${printableUrl(value)})`);
    throw error;
  }
}

function environmentCredentials(env: NodeJS.ProcessEnv = process.env): string[] {
  return ENV_CREDENTIALS.filter((name) => (env[name]?.trim() ?? "") !== "");
}

function loginCommand(): Command {
  return new Command("login")
    .description("Connect a profile to a Gong company through your OAuth app: a Gong admin approves the app in the browser.")
    .requiredOption("--client-id <id>", "the OAuth app's client id (its secret comes from $GONG_CLIENT_SECRET or a hidden prompt)")
    .option("--profile <name>", 'profile to write (default: $GONG_PROFILE or "default")')
    .option("--port <n>", "port of the local callback on 127.0.0.1; the app's redirect URI must allow it (default: 0, any free port)")
    .option("--no-open", "only print the consent page's address on stderr, do not open a browser")
    .option("--scopes <scopes>", "space-separated scopes to ask for (default: api:calls:create api:calls:read:basic api:users:read api:workspaces:read)")
    .option("--timeout <seconds>", `how long to wait for the admin's answer (default: ${String(DEFAULT_TIMEOUT_SECONDS)})`)
    .addHelpText(
      "after",
      `
The consent page is <GONG_OAUTH_URL>/oauth2/authorize (default https://app.gong.io); the answer comes back to
http://127.0.0.1:<port>/callback, the code is exchanged for tokens, and the profile is written (0600) with the app's
credentials and the tokens; later commands refresh them in place. Prints one JSON line:
{"profile","apiBaseUrl","scopes","expiresAt"} (never a token or secret).

Exit codes: 0 logged in, 2 invalid input, 3 the admin denied access or Gong refused the code, 4 no answer in time or
Gong's OAuth host failed, 130 interrupted.

Examples:
  $ GONG_CLIENT_SECRET=… gong-connector auth login --client-id my-app-id
  $ gong-connector auth login --client-id my-app-id --profile acme --port 8765 --no-open
  $ gong-connector auth login --client-id my-app-id --scopes "api:calls:create api:calls:read:basic"`,
    )
    .action(
      action(async (flags: LoginFlags) => {
        const { profileName, ensureProfilesDir, profilePath } = await import("../profiles.js");
        const { DEFAULT_SCOPES, DEFAULT_OAUTH_URL } = await import("@gong-connector/client/oauth");
        // Everything is checked before the secret is asked for and before anything listens or is sent.
        const profile = profileName(flags.profile);
        const clientId = checkClientId(flags.clientId);
        const port = flags.port === undefined ? 0 : wholeNumber("--port", flags.port, 0, 65_535, "a port number from 0 (any free port) to 65535");
        const timeoutSeconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : wholeNumber("--timeout", flags.timeout, 1, MAX_TIMEOUT_SECONDS, `a whole number of seconds from 1 to ${String(MAX_TIMEOUT_SECONDS)}`);
        const scopes = flags.scopes === undefined ? [...DEFAULT_SCOPES] : parseScopes(flags.scopes);
        const rawOAuthUrl = process.env.GONG_OAUTH_URL?.trim();
        const oauthUrl = await checkUrl("GONG_OAUTH_URL", rawOAuthUrl === undefined || rawOAuthUrl === "" ? DEFAULT_OAUTH_URL : rawOAuthUrl);
        await ensureProfilesDir().catch((error: unknown) => {
          throw new ConfigurationError(`the profiles directory cannot be made or used (${error instanceof Error ? error.message : String(error)}); set GONG_CONFIG_DIR to a directory you can write`);
        });
        const { checkSecret, readSecret } = await import("../auth-secret.js");
        const fromEnv = process.env.GONG_CLIENT_SECRET;
        const clientSecret =
          fromEnv !== undefined && fromEnv.trim() !== ""
            ? checkSecret(fromEnv, "the client secret", "GONG_CLIENT_SECRET")
            : await readSecret({ what: "the client secret", prompt: `Client secret of the OAuth app ${clientId}: `, signal: interruptSignal() });
        const { existsSync } = await import("node:fs");
        const replacing = existsSync(profilePath(profile));
        const { login } = await import("../auth-login.js");
        const result = await login({ profile, clientId, clientSecret, oauthUrl, scopes, port, open: flags.open, timeoutSeconds, signal: interruptSignal() });
        printError(`gong-connector: logged in; the profile ${JSON.stringify(result.profile)} is ${replacing ? "replaced" : "saved"} in ${profilePath(result.profile)}`);
        const missing = DEFAULT_SCOPES.filter((s) => !result.tokens.scopes.includes(s));
        if (missing.length > 0 && result.tokens.scopes.length > 0) printError(`gong-connector: note: the app was not granted ${missing.join(", ")}; commands that need it will be refused`);
        printJson({ profile: result.profile, apiBaseUrl: result.tokens.apiBaseUrl, scopes: result.tokens.scopes, expiresAt: new Date(result.tokens.expiresAt).toISOString() });
        return EXIT.ok;
      }),
    );
}

function addKeyCommand(): Command {
  return new Command("add-key")
    .description("Store an access key pair made by a Gong technical admin in a profile (the secret from stdin or a hidden prompt).")
    .option("--profile <name>", 'profile to write (default: $GONG_PROFILE or "default")')
    .requiredOption("--access-key <key>", "the access key (its secret is read from stdin, or asked for with echo off)")
    .option("--base-url <url>", "your company's Gong API base URL, from Gong's API settings page (default: https://api.gong.io)")
    .addHelpText(
      "after",
      `
Prints one JSON line: {"profile","kind","baseUrl"}. Nothing is sent to Gong; the next command that talks to Gong
uses the profile (--profile, $GONG_PROFILE or "default") unless credentials are set in the environment.

Examples:
  $ gong-connector auth add-key --access-key ABCDEF --base-url https://us-12345.api.gong.io
  $ printf '%s\\n' "$SECRET" | gong-connector auth add-key --profile acme --access-key ABCDEF`,
    )
    .action(
      action(async (flags: AddKeyFlags) => {
        const { profileName, writeProfile, ensureProfilesDir } = await import("../profiles.js");
        const { DEFAULT_BASE_URL } = await import("@gong-connector/client/advanced");
        const { readBaseUrlSetting } = await import("../client.js");
        const profile = profileName(flags.profile);
        const accessKey = flags.accessKey.trim();
        if (!/^[\x21-\x39\x3b-\x7e]{1,256}$/.test(accessKey)) {
          throw new ConfigurationError(`--access-key must be 1-256 printable characters without spaces or ':' (it is ${quoted(flags.accessKey)})`);
        }
        const setting = readBaseUrlSetting({ baseUrl: flags.baseUrl ?? DEFAULT_BASE_URL }, {});
        const baseUrl = await checkUrl("--base-url", setting.value);
        await ensureProfilesDir().catch((error: unknown) => {
          throw new ConfigurationError(`the profiles directory cannot be made or used (${error instanceof Error ? error.message : String(error)}); set GONG_CONFIG_DIR to a directory you can write`);
        });
        const { readSecret } = await import("../auth-secret.js");
        const accessKeySecret = await readSecret({ what: "the access key secret", prompt: `Secret of the access key ${accessKey}: `, signal: interruptSignal() });
        const path = await writeProfile(profile, { kind: "key", baseUrl, accessKey, accessKeySecret });
        printError(`gong-connector: the profile ${JSON.stringify(profile)} is saved in ${path}`);
        printJson({ profile, kind: "key", baseUrl });
        return EXIT.ok;
      }),
    );
}

function statusCommand(): Command {
  return new Command("status")
    .description("List the stored profiles (kind, base URL, scopes, expiry; never a secret) and which one commands use.")
    .option("--profile <name>", "show only this profile")
    .option("--pretty", "indent the JSON")
    .addHelpText(
      "after",
      `
Prints JSON: {"configDir","using":{"credentials","profile","profileSource","environment"},"profiles":[…]}, each
profile with profile, kind, baseUrl (key) or apiBaseUrl (oauth), scopes, expiresAt, expired and clientId.
credentials is "environment" when GONG_ACCESS_KEY… or GONG_BEARER_TOKEN are set (they win over any profile).
An expired access token is refreshed by the next command. A profile that cannot be used shows its problem and the
command exits 2.

Examples:
  $ gong-connector auth status
  $ gong-connector auth status --profile acme --pretty`,
    )
    .action(
      action(async (flags: ProfileFlags) => {
        const { configDir, listProfiles, profileName, profileTokenStore, readProfile } = await import("../profiles.js");
        const envProfile = process.env.GONG_PROFILE?.trim();
        const using = profileName(flags.profile);
        const source = flags.profile !== undefined ? "--profile" : envProfile !== undefined && envProfile !== "" ? "GONG_PROFILE" : "default";
        const names = flags.profile !== undefined ? [using] : await listProfiles();
        const now = Date.now();
        let problems = 0;
        const profiles: Record<string, unknown>[] = [];
        for (const name of names) {
          try {
            const profile = readProfile(name);
            if (profile === undefined) {
              throw new ConfigurationError(`there is no profile named ${JSON.stringify(name)} (gong-connector auth login or auth add-key makes one)`);
            }
            if (profile.kind === "key") {
              profiles.push({ profile: name, kind: "key", baseUrl: profile.baseUrl, apiBaseUrl: null, scopes: null, expiresAt: null, expired: null, clientId: null });
              continue;
            }
            const tokens = await profileTokenStore(name).load();
            profiles.push({
              profile: name,
              kind: "oauth",
              baseUrl: null,
              apiBaseUrl: tokens?.apiBaseUrl ?? null,
              scopes: tokens?.scopes ?? null,
              expiresAt: tokens === undefined ? null : new Date(tokens.expiresAt).toISOString(),
              expired: tokens === undefined ? null : tokens.expiresAt <= now,
              clientId: profile.clientId,
              oauthUrl: profile.oauthUrl,
              ...(tokens === undefined && { problem: `no tokens: log in (gong-connector auth login --profile ${name} --client-id ${profile.clientId})` }),
            });
            if (tokens === undefined) problems++;
          } catch (error) {
            if (flags.profile !== undefined) throw error;
            problems++;
            const { ValidationError } = await import("@gong-connector/client");
            const message = error instanceof ValidationError ? error.issues.map((i) => `${i.path} ${i.rule}`).join("; ") : error instanceof Error ? error.message : String(error);
            profiles.push({ profile: name, problem: message });
          }
        }
        const environment = environmentCredentials();
        const usingExists = flags.profile !== undefined || names.includes(using);
        const credentials = environment.length > 0 ? "environment" : usingExists ? "profile" : "none";
        printJson({ configDir: configDir(), using: { credentials, profile: using, profileSource: source, environment }, profiles }, flags.pretty === true);
        if (credentials === "environment" && names.length > 0) {
          printError(`gong-connector: note: ${environment.join(", ")} ${environment.length === 1 ? "is" : "are"} set in the environment, so commands use ${environment.length === 1 ? "it" : "them"} rather than any profile`);
        } else if (credentials === "none") {
          printError(
            `gong-connector: note: no credentials: there is no profile ${JSON.stringify(using)} and none in the environment; make one with gong-connector auth login --client-id <id> (OAuth) or gong-connector auth add-key --access-key <key>`,
          );
        }
        if (problems > 0) {
          printError(`gong-connector: ${String(problems)} profile${problems === 1 ? "" : "s"} cannot be used (see "problem"); log in again or remove ${problems === 1 ? "it" : "them"} (gong-connector auth logout --profile <name>)`);
          return EXIT.invalid;
        }
        return EXIT.ok;
      }),
    );
}

function logoutCommand(): Command {
  return new Command("logout")
    .description("Remove a profile (its tokens or key pair) from this machine.")
    .option("--profile <name>", 'profile to remove (default: $GONG_PROFILE or "default")')
    .addHelpText(
      "after",
      `
Prints one JSON line: {"profile","removed"}; removed is false when there was no such profile (exit 0 all the same).
The OAuth app keeps its access to the Gong company until an admin revokes it in Gong.

Examples:
  $ gong-connector auth logout
  $ gong-connector auth logout --profile acme`,
    )
    .action(
      action(async (flags: ProfileFlags) => {
        const { profileName, profilePath, removeProfile } = await import("../profiles.js");
        const profile = profileName(flags.profile);
        const removed = await removeProfile(profile);
        printError(
          removed
            ? `gong-connector: removed the profile ${JSON.stringify(profile)} (${profilePath(profile)}); the OAuth app keeps its access until a Gong admin revokes it`
            : `gong-connector: there is no profile named ${JSON.stringify(profile)}; nothing removed`,
        );
        printJson({ profile, removed });
        return EXIT.ok;
      }),
    );
}

export function authCommand(): Command {
  return new Command("auth")
    .description("Log in with OAuth or store an access key in a profile; list and remove profiles.")
    .addCommand(loginCommand())
    .addCommand(addKeyCommand())
    .addCommand(statusCommand())
    .addCommand(logoutCommand())
    .addHelpText(
      "after",
      `
Profiles live in $GONG_CONFIG_DIR/profiles (default: your user config directory, e.g. ~/.config/gong-connector),
the directory 0700 and each profile 0600. Every command that talks to Gong takes --profile <name> (or $GONG_PROFILE;
default "default"); credentials in the environment (GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET, GONG_BEARER_TOKEN)
win over any profile.

Examples:
  $ gong-connector auth login --client-id my-app-id
  $ gong-connector auth add-key --access-key ABCDEF --base-url https://us-12345.api.gong.io
  $ gong-connector auth status
  $ gong-connector auth logout --profile acme`,
    );
}
