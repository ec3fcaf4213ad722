import { Command, InvalidArgumentError, Option } from "commander";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseHost } from "@gong-connector/sandbox";
// The server (fastify, SQLite) is loaded only when the command runs, so other commands start fast.
import type { StartSandboxOptions } from "@gong-connector/sandbox";
import { action } from "../action.js";
import { EXIT, interruptSignal } from "../exit.js";
import { printError } from "../output.js";

interface SandboxFlags {
  host: string;
  port: number;
  data?: string;
  ratePerSecond: number;
  ratePerDay: number;
  daySeconds: number;
  duplicates: "conflict" | "return-existing";
  fault500: number;
  fault503: number;
  fault429: number;
  latencyMs: number;
  dropAfterCommit: number;
  errorAfterCommit: number;
  listDelayMs: number;
  faultSeed?: number;
  admin?: boolean;
  maxMediaBytes?: number;
  verbose?: boolean;
  env?: boolean;
  allowedHost: string[];
  oauthPort: number;
  tokenTtlSeconds: number;
}

/** The env file the sandbox writes into its data dir while it runs (0600; removed on stop). */
export const ENV_FILE = "sandbox.env";

/** A value as one shell word: as is when it has no special characters, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** `NAME=value` lines (shell-quoted) that point the connector at a sandbox. */
export function envAssignments(sb: { baseUrl: string; accessKey: string; accessKeySecret: string }): string[] {
  return [
    `GONG_BASE_URL=${shellQuote(sb.baseUrl)}`,
    `GONG_ACCESS_KEY=${shellQuote(sb.accessKey)}`,
    `GONG_ACCESS_KEY_SECRET=${shellQuote(sb.accessKeySecret)}`,
  ];
}

function collectHost(value: string, previous: string[]): string[] {
  if (parseHost(value) === undefined) throw new InvalidArgumentError("must be a host name or IP address with an optional :port (e.g. sandbox.lan or sandbox.lan:8080)");
  return [...previous, value];
}

function parseDaySeconds(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || n < 1 || n > 86_400) throw new InvalidArgumentError("must be a whole number of seconds from 1 to 86400");
  return n;
}

export function parseTokenTtl(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || n < 1 || n > 31_536_000) throw new InvalidArgumentError("must be a whole number of seconds from 1 to 31536000");
  return n;
}

export function parseShare(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,15}$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a whole number ≥ 0");
  return n;
}

/** A port number for a --port option (digits only, 0-65535; 0 = any free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^[0-9]{1,5}$/.test(value.trim()) || n > 65_535) throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

/** Writes the env file atomically, readable by its owner only. */
async function writeEnvFile(path: string, assignments: string[], baseUrl: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const text = `# gong-connector sandbox at ${baseUrl}; load with: set -a; . ${shellQuote(path)}; set +a\n${assignments.join("\n")}\n`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** A port that cannot be listened on (in use, not allowed), named by its flag; undefined for any other error. */
export function listenProblem(error: unknown, flags: { host: string; port: number; oauthPort: number }): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as NodeJS.ErrnoException & { port?: unknown };
  if (e.code !== "EADDRINUSE" && e.code !== "EACCES" && e.code !== "EADDRNOTAVAIL") return undefined;
  const flag = e.port === flags.oauthPort && flags.oauthPort !== 0 && flags.oauthPort !== flags.port ? "--oauth-port" : "--port";
  const port = flag === "--oauth-port" ? flags.oauthPort : flags.port;
  const why = e.code === "EADDRINUSE" ? "is already in use" : e.code === "EACCES" ? "may not be listened on by this user" : "is not an address of this machine";
  return `${flag} ${port}: ${flags.host}:${port} ${why}`;
}

/**
 * Starts the sandbox; a port or data directory it cannot use is said on stderr, naming its flag, and gives the exit
 * code to return (2) instead of a sandbox.
 */
export async function startSandboxForCli(opts: StartSandboxOptions, flags: { host: string; port: number; oauthPort: number }): Promise<Awaited<ReturnType<typeof import("@gong-connector/sandbox").startSandbox>> | number> {
  const { DataDirError, startSandbox: start } = await import("@gong-connector/sandbox");
  try {
    return await start(opts);
  } catch (error) {
    const listen = listenProblem(error, flags);
    if (listen !== undefined) {
      printError(`gong-connector: ${listen}`);
      return EXIT.invalid;
    }
    if (!(error instanceof DataDirError)) throw error;
    printError(`gong-connector: --data ${error.dataDir}: ${error.problem}`);
    return EXIT.invalid;
  }
}

/** Resolves when the signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => { resolve(); }, { once: true });
  });
}

export function sandboxCommand(): Command {
  return new Command("sandbox")
    .description("Start a local Gong-compatible server (same paths, auth, validation, errors, limits) with a call page in the browser.")
    .option("--host <host>", "listen address", "127.0.0.1")
    .option("-p, --port <port>", "listen port (0 = any free port)", parsePort, 0)
    .option("--oauth-port <port>", "port of the OAuth host: /oauth2/authorize and /oauth2/generate-customer-token (0 = any free port)", parsePort, 0)
    .option("--token-ttl-seconds <n>", "life of an OAuth access token in seconds", parseTokenTtl, 3600)
    .option("-d, --data <dir>", "keep calls, users and media in DIR; reuse it to keep them across restarts (default: a temp dir removed on exit)")
    .option("--rate-per-second <n>", "requests per second per key before 429 (0 = unlimited)", parseCount, 3)
    .option("--rate-per-day <n>", "requests per UTC day per key before 429 (0 = unlimited)", parseCount, 10_000)
    .option("--day-seconds <n>", "length of the quota day in seconds (a short day tests quota runs in seconds)", parseDaySeconds, 86_400)
    .addOption(
      new Option("--duplicates <mode>", "a repeated clientUniqueId gets 409 naming the call, or 200 with the existing callId")
        .choices(["conflict", "return-existing"])
        .default("conflict"),
    )
    .option("--fault-500 <share>", "share (0..1) of /v2 requests answered 500", parseShare, 0)
    .option("--fault-503 <share>", "share (0..1) of /v2 requests answered 503", parseShare, 0)
    .option("--fault-429 <share>", "share (0..1) of /v2 requests answered 429 (Retry-After: 1)", parseShare, 0)
    .option("--latency-ms <ms>", "delay added to every /v2 request", parseCount, 0)
    .option("--drop-after-commit <share>", "share (0..1) of POST /v2/calls whose connection is dropped after the call was stored", parseShare, 0)
    .option("--error-after-commit <share>", "share (0..1) of POST /v2/calls answered 500 after the call was stored", parseShare, 0)
    .option("--list-delay-ms <ms>", "leave calls added less than this long ago out of GET /v2/calls (Gong may list new calls late)", parseCount, 0)
    .option("--fault-seed <n>", "seed for the fault choices (replayable runs)", parseCount)
    .option("--max-media-bytes <n>", "media size limit in bytes (default 1500000000)", parseCount)
    .option("--admin", "enable the admin API under /__sandbox (its token is printed in the JSON line)")
    .option("--allowed-host <name>", "also answer requests for this Host name (name or name:port; repeatable), e.g. behind a proxy", collectHost, [])
    .option("--env", "also print `export GONG_BASE_URL=… GONG_ACCESS_KEY=… GONG_ACCESS_KEY_SECRET=…` on stderr")
    .option("-v, --verbose", "log each request on stderr")
    .addHelpText(
      "after",
      `
Prints one JSON line on stdout, then serves until Ctrl-C (SIGINT) or SIGTERM:
  {"baseUrl":"http://127.0.0.1:PORT","accessKey":"…","accessKeySecret":"…","bearerToken":"…","dataDir":"…",
   "oauthUrl":"http://127.0.0.1:PORT2","clientId":"…","clientSecret":"…"}
While it runs, <dataDir>/${ENV_FILE} (mode 0600) holds GONG_BASE_URL, GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET;
load it into a shell with no other tool:
  $ set -a; . ./sandbox-data/${ENV_FILE}; set +a      # with --data ./sandbox-data
--env prints the same as an export line on stderr, to copy.
The OAuth host (oauthUrl) runs Gong's authorization code flow for one registered app (clientId, clientSecret):
a consent page at /oauth2/authorize, tokens from /oauth2/generate-customer-token, whose api_base_url_for_customer
is baseUrl (the OAuth host serves no /v2 API). Access tokens expire after --token-ttl-seconds; refresh tokens
are single-use and rotate.
Open <baseUrl>/ in a browser to see the calls; each call's page plays its recording. It answers only the Host
names it listens on (localhost, 127.0.0.1 and [::1] on loopback) and --allowed-host ones (others get 421).

Examples:
  $ gong-connector sandbox                                  # 127.0.0.1, a free port, a temp data dir
  $ gong-connector sandbox --host 127.0.0.1 --port 8787     # a fixed address
  $ gong-connector sandbox --data ./sandbox-data            # keep calls and media across restarts
  $ gong-connector sandbox --rate-per-second 3 --rate-per-day 10000
  $ gong-connector sandbox --rate-per-second 0 --rate-per-day 0    # no rate limits (benchmarks)
  $ gong-connector sandbox --rate-per-day 20 --day-seconds 10      # a 20-request "day" that resets every 10 s
  $ gong-connector sandbox --duplicates return-existing     # a repeated clientUniqueId returns the existing callId
  $ gong-connector sandbox --fault-500 0.1 --fault-503 0.05 # 10 % 500s, 5 % 503s
  $ gong-connector sandbox --fault-429 0.2                  # 20 % 429s with Retry-After: 1
  $ gong-connector sandbox --latency-ms 250                 # every API request 250 ms slower
  $ gong-connector sandbox --drop-after-commit 0.1          # 10 % of Add calls stored, then the connection dropped
  $ gong-connector sandbox --error-after-commit 0.1         # 10 % of Add calls stored, then answered 500
  $ gong-connector sandbox --oauth-port 8788 --token-ttl-seconds 60   # OAuth host on :8788, access tokens live 60 s
  $ gong-connector sandbox --admin                          # admin API: curl -H "Authorization: Bearer <adminToken>" <baseUrl>/__sandbox/calls
  $ gong-connector sandbox --env                            # an export line for the credentials on stderr
  $ gong-connector sandbox --data ./sandbox-data            # then, in another shell: set -a; . ./sandbox-data/${ENV_FILE}; set +a
  $ gong-connector sandbox --host 0.0.0.0 --allowed-host sandbox.lan   # reached as http://sandbox.lan:PORT
  $ gong-connector sandbox -v 2>sandbox.log                 # request log on stderr; stdout keeps the JSON line`,
    )
    .action(
      action(async (flags: SandboxFlags) => {
        const opts: StartSandboxOptions = {
          host: flags.host,
          port: flags.port,
          oauthPort: flags.oauthPort,
          tokenTtlSeconds: flags.tokenTtlSeconds,
          ratePerSecond: flags.ratePerSecond,
          ratePerDay: flags.ratePerDay,
          daySeconds: flags.daySeconds,
          duplicates: flags.duplicates,
          faults: {
            error500: flags.fault500,
            error503: flags.fault503,
            error429: flags.fault429,
            latencyMs: flags.latencyMs,
            dropAfterCommit: flags.dropAfterCommit,
            errorAfterCommit: flags.errorAfterCommit,
            listDelayMs: flags.listDelayMs,
          },
          admin: flags.admin === true,
          logger: flags.verbose === true,
          allowedHosts: flags.allowedHost,
        };
        if (flags.data !== undefined) opts.dataDir = flags.data;
        if (flags.faultSeed !== undefined) opts.faultSeed = flags.faultSeed;
        if (flags.maxMediaBytes !== undefined) opts.maxMediaBytes = flags.maxMediaBytes;
        const sb = await startSandboxForCli(opts, flags);
        if (typeof sb === "number") return sb;
        const line: Record<string, string> = {
          baseUrl: sb.baseUrl,
          accessKey: sb.accessKey,
          accessKeySecret: sb.accessKeySecret,
          bearerToken: sb.bearerToken,
          dataDir: sb.dataDir,
          oauthUrl: sb.oauthUrl,
          clientId: sb.oauthClientId,
          clientSecret: sb.oauthClientSecret,
        };
        if (sb.adminToken !== undefined) line.adminToken = sb.adminToken;
        // The sandbox's own (generated) keys are the result here, so this line is written as is.
        const envFile = join(sb.dataDir, ENV_FILE);
        const wrote = await writeEnvFile(envFile, envAssignments(sb), sb.baseUrl).then(
          () => true,
          (error: unknown) => {
            printError(`warning: could not write ${envFile}: ${error instanceof Error ? error.message : String(error)}`);
            return false;
          },
        );
        process.stdout.write(`${JSON.stringify(line)}\n`);
        printError(`Gong sandbox listening on ${sb.baseUrl} (calls: ${sb.baseUrl}/), OAuth host on ${sb.oauthUrl}; Ctrl-C to stop`);
        if (wrote) printError(`Credentials for a shell: set -a; . ${shellQuote(envFile)}; set +a`);
        // Written as is (not redacted): these are the sandbox's own keys, printed because the user asked for them.
        if (flags.env === true) process.stderr.write(`export ${envAssignments(sb).join(" ")}\n`);
        await untilAborted(interruptSignal());
        await unlink(envFile).catch(() => undefined);
        await sb.close();
        printError("Gong sandbox stopped");
        return EXIT.ok;
      }),
    );
}
