import { closeSync, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { chmod, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectories } from "@gong-connector/schema";
import envPaths from "env-paths";
import { FileTokenStore, type GongAuth, type OAuthTokens } from "@gong-connector/client";
import { storedTokens, writeFileAtomic } from "@gong-connector/client/advanced";
import { ConfigurationError } from "./setup-error.js";

/**
 * Profiles: named Gong connections kept in the user's config directory (env-paths), or GONG_CONFIG_DIR when set.
 * The directory is 0700 and each profile a 0600 JSON file written atomically:
 * - `{ "kind": "oauth", "clientId", "clientSecret", "oauthUrl", "tokens": { accessToken, refreshToken, expiresAt,
 *   obtainedAt, scopes, apiBaseUrl } }` — the pair is refreshed in place (FileTokenStore on the same file);
 * - `{ "kind": "key", "baseUrl", "accessKey", "accessKeySecret" }`.
 */
export const DEFAULT_PROFILE = "default";
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A profile is a few hundred bytes; anything much larger was not written by this program. */
const MAX_PROFILE_BYTES = 1024 * 1024;

export interface OAuthProfile {
  kind: "oauth";
  clientId: string;
  clientSecret: string;
  oauthUrl: string;
  tokens?: unknown;
}

export interface KeyProfile {
  kind: "key";
  baseUrl: string;
  accessKey: string;
  accessKeySecret: string;
}

export type Profile = OAuthProfile | KeyProfile;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.GONG_CONFIG_DIR?.trim();
  if (set !== undefined && set !== "") return set;
  return envPaths("gong-connector", { suffix: "" }).config;
}

export function profilesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "profiles");
}

/** The profile to use: --profile, else GONG_PROFILE, else "default"; a ConfigurationError for a name that is not one. */
export function profileName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.GONG_PROFILE?.trim();
  const name = flag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_PROFILE);
  if (!PROFILE_NAME.test(name)) {
    const source = flag !== undefined ? "--profile" : "GONG_PROFILE";
    throw new ConfigurationError(`${source} must be a profile name of 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit (it is ${JSON.stringify(name.slice(0, 70))})`);
  }
  return name;
}

export function profilePath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(profilesDir(env), `${name}.json`);
}

/** Creates the profiles directory 0700 (and tightens it to 0700 if it exists). */
export async function ensureProfilesDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = profilesDir(env);
  await makeDirectories(dir, 0o700);
  await chmod(configDir(env), 0o700).catch(() => undefined);
  await chmod(dir, 0o700);
  return dir;
}

function checkProfile(value: unknown, path: string): Profile {
  const bad = (rule: string): ConfigurationError => new ConfigurationError(`the profile ${path} ${rule}; log in again (gong-connector auth login) or remove it (gong-connector auth logout)`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("is not a JSON object");
  const v = value as Record<string, unknown>;
  const text = (field: string): string => {
    const x = v[field];
    if (typeof x !== "string" || x.trim() === "") throw bad(`has no ${field}`);
    return x;
  };
  if (v.kind === "oauth") return { kind: "oauth", clientId: text("clientId"), clientSecret: text("clientSecret"), oauthUrl: text("oauthUrl"), tokens: v.tokens };
  if (v.kind === "key") return { kind: "key", baseUrl: text("baseUrl"), accessKey: text("accessKey"), accessKeySecret: text("accessKeySecret") };
  throw bad('has no kind ("oauth" or "key")');
}

/**
 * The text of a profile file, or undefined when there is none. A file other users may read or write, that is not a
 * regular file or that belongs to another user is refused: it holds secrets (as ssh refuses such a key).
 */
function readPrivateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EACCES" || code === "EPERM") throw new ConfigurationError(`the profile ${path} cannot be read (permission denied)`);
    if (code === "EISDIR") throw new ConfigurationError(`the profile ${path} is not a regular file`);
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigurationError(`the profile ${path} is not a regular file`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new ConfigurationError(`the profile ${path} belongs to another user (uid ${String(stat.uid)}); it holds secrets: log in again (gong-connector auth login) to make your own`);
    }
    if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new ConfigurationError(`the profile ${path} may be read or changed by other users (mode ${mode}); it holds secrets: make it private (chmod 600 ${path}) or log in again`);
    }
    if (stat.size > MAX_PROFILE_BYTES) throw new ConfigurationError(`the profile ${path} is larger than ${String(MAX_PROFILE_BYTES)} bytes, so it is not one this program wrote; remove it (gong-connector auth logout)`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/** The profile `name`, or undefined when there is none (read synchronously: a command reads it once, at its start). */
export function readProfile(name: string, env: NodeJS.ProcessEnv = process.env): Profile | undefined {
  const path = profilePath(name, env);
  const text = readPrivateFile(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`the profile ${path} is not valid JSON; log in again (gong-connector auth login) or remove it (gong-connector auth logout)`);
  }
  return checkProfile(value, path);
}

/** Writes a profile atomically (0600, directory 0700). */
export async function writeProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  await ensureProfilesDir(env);
  const path = profilePath(name, env);
  await writeFileAtomic(path, `${JSON.stringify(profile, null, 2)}\n`);
  return path;
}

/**
 * Writes an OAuth profile with a new token pair, holding the profile's lock, so that a refresh under way in another
 * process finishes first and then finds the new pair instead of overwriting it.
 */
export async function writeOAuthProfile(
  name: string,
  login: { clientId: string; clientSecret: string; oauthUrl: string; tokens: OAuthTokens },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  await ensureProfilesDir(env);
  const profile: OAuthProfile = { kind: "oauth", clientId: login.clientId, clientSecret: login.clientSecret, oauthUrl: login.oauthUrl, tokens: storedTokens(login.tokens) };
  return profileTokenStore(name, env).withLock(() => writeProfile(name, profile, env));
}

/** Removes a profile; false when there was none. */
export async function removeProfile(name: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const path = profilePath(name, env);
  const remove = async (): Promise<boolean> => {
    try {
      await rm(path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return false;
      if (code === "EISDIR" || code === "ERR_FS_EISDIR") throw new ConfigurationError(`the profile ${path} is a directory, not a profile this program wrote; remove it yourself`);
      if (code === "EACCES" || code === "EPERM") throw new ConfigurationError(`the profile ${path} cannot be removed (permission denied)`);
      throw error;
    }
  };
  // Under the profile's lock: a refresh under way elsewhere finishes first instead of writing the file back.
  const removed = existsSync(path) ? await profileTokenStore(name, env).withLock(remove) : false;
  await rm(`${path}.lock`, { recursive: true, force: true });
  return removed;
}

/** The names of every profile, sorted. */
export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(profilesDir(env));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((n) => n.endsWith(".json"))
    .map((n) => n.slice(0, -".json".length))
    .filter((n) => PROFILE_NAME.test(n))
    .sort();
}

/** The token store of an OAuth profile: its own file, refreshed in place under a lock beside it. */
export function profileTokenStore(name: string, env: NodeJS.ProcessEnv = process.env): FileTokenStore {
  return new FileTokenStore(profilePath(name, env));
}

/** What a client needs from a profile: its auth, and for a key profile its base URL. */
export interface ProfileAuth {
  auth: GongAuth;
  baseURL?: string;
  profile: string;
}

export function authOfProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv = process.env): ProfileAuth {
  if (profile.kind === "key") return { auth: { accessKey: profile.accessKey, accessKeySecret: profile.accessKeySecret }, baseURL: profile.baseUrl, profile: name };
  if (profile.tokens === undefined || profile.tokens === null) {
    throw new ConfigurationError(`the profile ${name} has no tokens; log in: gong-connector auth login --profile ${name} --client-id <id>`);
  }
  return { auth: { oauth: { clientId: profile.clientId, clientSecret: profile.clientSecret, oauthURL: profile.oauthUrl, store: profileTokenStore(name, env) } }, profile: name };
}
