import { join } from "node:path";
import { Command } from "commander";
import envPaths from "env-paths";
import { action } from "../action.js";
import { cliClientOptions, cliWaits, testTimeScale } from "../client.js";
import { EXIT, interruptSignal, setSignalAnnouncer } from "../exit.js";
import { positiveInt, quotaDayMs } from "./import.js";
import { parseCount, parsePort } from "./sandbox.js";

interface ServeFlags {
  host: string;
  port: number;
  data?: string;
  watch?: string;
  queue?: string;
  queueName?: string;
  concurrency: number;
  graceSeconds: number;
  rateLimit: number;
  dailyBudget?: number;
  baseUrl?: string;
  profile?: string;
  verbose?: boolean;
}

/** The default data directory: the user's data directory (env-paths), `gong-connector/serve`. */
function defaultDataDir(): string {
  return join(envPaths("gong-connector", { suffix: "" }).data, "serve");
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("Run the relay: phone systems push calls into it (HTTP or a watch folder); each is committed to disk, then delivered to Gong exactly once at Gong's pace.")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0: a free one)", parsePort, 0)
    .option("--data <dir>", "where accepted calls, received recordings and the token are kept (default: the user's data directory, gong-connector/serve)")
    .option("--watch <dir>", "also take calls from this folder: NAME.json (an Add call request) with an optional NAME.wav|mp3|mp4|mkv|flac")
    .option("--queue <redis-url>", "deliver through BullMQ on this Redis (run `gong-connector worker --queue …` processes) instead of this process")
    .option("--queue-name <name>", "BullMQ queue name (default gong-import; the workers must use the same)")
    .option("-c, --concurrency <n>", "calls delivered at once by this process", positiveInt("--concurrency"), 3)
    .option("--grace-seconds <n>", "on SIGTERM, how long calls in flight get to finish (the rest stay queued on disk)", parseCount, 10)
    .option("--rate-limit <perSecond>", "requests per second to Gong", positiveInt("--rate-limit"), 3)
    .option("--daily-budget <n>", "requests per UTC day to Gong (default 10,000, Gong's quota); when spent, delivery waits for the reset", positiveInt("--daily-budget"))
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request to Gong (credentials are never logged)")
    .addHelpText(
      "after",
      `
Prints one JSON line on stdout first: {"url":"http://127.0.0.1:PORT","token":"…"}. The token guards the intake API
(Authorization: Bearer <token>) and the console (open the url, log in with it); it is generated once and kept in
--data, unless GONG_SERVE_TOKEN is set. Logs are JSON lines on stderr.

  POST /v1/calls                 an Add call request as JSON (media by downloadMediaUrl), or multipart/form-data
                                 with a request part (the JSON) and a mediaFile part (the recording, up to 1.5 GB)
                                 → 202 {"clientUniqueId","status":"queued","statusUrl"}; the same call again → 200
  GET  /v1/calls/<id>            its status: queued, sending, created, done or failed, with callId and errors
  POST /v1/calls/<id>/retry      queue a failed call again
  GET  /v1/calls?status=failed   the calls of a status, paged (limit, cursor)
  GET  /healthz, /readyz         liveness and readiness (no token)

SIGTERM (or Ctrl-C): new calls get 503, calls in flight get --grace-seconds, the rest stay on disk and are
delivered after the next start with the same --data (exit 0 on SIGTERM, 130 on Ctrl-C). kill -9 loses nothing:
a call that may have reached Gong is looked up before it is sent again.
With --queue, every relay commits what it accepts to its own --data as above and hands it to the BullMQ queue;
\`gong-connector worker --queue …\` processes deliver (one global rate limit and daily quota through Redis; one job
per clientUniqueId, so a call sent to two relays is one call). Recordings are kept in --data/media: workers must see
them at the same path (the same machine, or a shared filesystem).
Credentials as for every command: GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET or GONG_BEARER_TOKEN (and
GONG_BASE_URL), else the profile (--profile, GONG_PROFILE, default).

Examples:
  $ gong-connector serve --port 8080 --data /var/lib/gong-relay
  $ gong-connector serve --data ./relay --watch /srv/recorder/out
  $ gong-connector serve --data /shared/relay-a --queue redis://127.0.0.1:6379   # plus: gong-connector worker --queue …
  $ curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d @call.json http://127.0.0.1:8080/v1/calls`,
    )
    .action(
      action(async (flags: ServeFlags) => {
        if (flags.queue !== undefined) {
          const { connectionFromUrl } = await import("@gong-connector/importer/queue");
          connectionFromUrl(flags.queue); // a bad URL is exit 2 before anything starts
        }
        const { startRelay } = await import("@gong-connector/serve");
        const signal = interruptSignal();
        const waits = cliWaits();
        const scale = testTimeScale();
        const envToken = process.env.GONG_SERVE_TOKEN?.trim();
        const relay = await startRelay({
          client: cliClientOptions(flags),
          dataDir: flags.data ?? defaultDataDir(),
          host: flags.host,
          port: flags.port,
          token: envToken === undefined || envToken === "" ? undefined : envToken,
          concurrency: flags.concurrency,
          watchDir: flags.watch,
          ...(flags.queue !== undefined && { queue: { url: flags.queue, queueName: flags.queueName } }),
          rateLimit: { perSecond: flags.rateLimit, perDay: flags.dailyBudget, dayMs: quotaDayMs() },
          addCall: waits.addCall,
          // The test hook shortens the waits between attempts too.
          delivery: { retryBaseMs: 5000 * scale, retryMaxMs: 600_000 * scale },
        });
        process.stdout.write(`${JSON.stringify({ url: relay.url, token: relay.token })}\n`);
        // stderr carries JSON lines only.
        setSignalAnnouncer((name) => {
          process.stderr.write(`${JSON.stringify({ level: 30, time: Date.now(), name: "gong-connector-serve", signal: name, msg: "signal received: stopping (a second one quits at once)" })}\n`);
        });
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => {
            resolve();
          }, { once: true });
        });
        await relay.close({ graceMs: flags.graceSeconds * 1000 });
        const reason: unknown = signal.reason;
        return reason instanceof Error && reason.message.includes("SIGTERM") ? EXIT.ok : EXIT.interrupted;
      }),
    );
}
