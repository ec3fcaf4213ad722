import { formatGongDateTime } from "@gong-connector/schema";
import { Command } from "commander";
import { GongAbortError, type GongClientOptions } from "@gong-connector/client";
import type { GongBinding } from "@gong-connector/importer";
import { sleep } from "@gong-connector/client/advanced";
import { action } from "../action.js";
import { cliClientOptions, cliWaits } from "../client.js";
import { endProcessAfterRun, EXIT, interruptSignal } from "../exit.js";
import { printError, printJson } from "../output.js";
import { profileName } from "../profiles.js";
import { tokenSharing } from "../shared-token-store.js";
import { cliClient, positiveInt, quotaDayMs, redactRedisUrl } from "./import.js";

interface WorkerFlags {
  queue: string;
  queueName?: string;
  concurrency: number;
  rateLimit: number;
  rateKey?: string;
  dailyBudget?: number;
  exitWhenIdle?: number;
  lockSeconds: number;
  baseUrl?: string;
  profile?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export function workerCommand(): Command {
  return new Command("worker")
    .description("Process a queued import (see `import --queue`): any number of workers share one Gong rate limit through Redis.")
    .requiredOption("--queue <redis-url>", "Redis URL of the BullMQ queue, e.g. redis://127.0.0.1:6379")
    .option("--queue-name <name>", "BullMQ queue name (default gong-import)")
    .option("-c, --concurrency <n>", "jobs in flight in this process", positiveInt("--concurrency"), 4)
    .option("--rate-limit <perSecond>", "requests per second to Gong across ALL workers", positiveInt("--rate-limit"), 3)
    .option("--rate-key <key>", "Redis key of the shared limiter (default gong-connector:ratelimit: one per Gong company)")
    .option(
      "--daily-budget <n>",
      "requests per UTC day across ALL workers, counted in Redis (default 10,000, Gong's quota); when spent, every worker pauses until the reset",
      positiveInt("--daily-budget"),
    )
    .option("--exit-when-idle <seconds>", "exit 0 once the queue has had no waiting, active or delayed job for this long", positiveInt("--exit-when-idle"))
    .option(
      "--lock-seconds <seconds>",
      "how long a job stays with a worker that stops answering (killed, frozen) before another worker takes it up",
      positiveInt("--lock-seconds"),
      30,
    )
    .option("--base-url <url>", "Gong API base URL (default: $GONG_BASE_URL or https://api.gong.io)")
    .option("-v, --verbose", "log each request on stderr (credentials are never logged)")
    .option("-q, --quiet", "no line per job on stderr")
    .option("--json", "results as JSON on stdout (always so; accepted for scripts that ask)")
    .addHelpText(
      "after",
      `
Runs until SIGINT/SIGTERM (then finishes the jobs in flight and exits 130) or, with --exit-when-idle, until the
queue is empty. When the daily quota is spent (Gong's 429, or --daily-budget), every worker pauses until the
reset and no job fails for it. A job queued by an import into another Gong (other base URL or credentials) is
handed back untouched and the worker stops with exit 2. Media paths in the jobs are absolute: every worker must see the files at the same paths.
Prints {"processed","failed"} on stdout when it stops. Credentials from GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET
or GONG_BEARER_TOKEN (and GONG_BASE_URL), else the profile (--profile, GONG_PROFILE, default). With an OAuth
profile the token pair is kept in the queue's Redis too: every worker, on any machine (same profile name), uses
the current pair and one of them refreshes it (docs/oauth.md).

Examples:
  $ gong-connector worker --queue redis://127.0.0.1:6379
  $ gong-connector worker --queue redis://redis.internal:6379/2 --concurrency 8 --exit-when-idle 30`,
    )
    .action(
      action(async (flags: WorkerFlags) => {
        // Loaded only when the command runs, so other commands start fast.
        const { Queue } = await import("bullmq");
        const { gongBinding, redactorFor, senderFromClient } = await import("@gong-connector/importer");
        const { checkQueueConnection, connectionFromUrl, DEFAULT_QUEUE_NAME, DEFAULT_RATE_KEY, RedisRateLimiter, startImportWorker } = await import("@gong-connector/importer/queue");
        const dayMs = quotaDayMs();
        const waits = cliWaits();
        const connection = connectionFromUrl(flags.queue);
        const queueName = flags.queueName ?? DEFAULT_QUEUE_NAME;
        const signal = interruptSignal();
        // Fail on missing credentials before touching the queue. With an OAuth profile, the token pair is shared with
        // every worker (and the import) through Redis: one refresh for all.
        const base = cliClientOptions(flags);
        const { auth } = base;
        // Redis connections retry for ever: an address where nothing answers is said now (exit 4), not waited on.
        await checkQueueConnection(connection, { signal });
        const sharing = await tokenSharing(flags.queue, profileName(flags.profile));
        const options = (extra: Partial<GongClientOptions> = {}): GongClientOptions => sharing.share({ ...base, ...extra });
        let gong: GongBinding;
        try {
          // Jobs are bound to the Gong the calls go to: with OAuth, the customer's API host of the token.
          gong = gongBinding(await cliClient(options()).resolveBaseURL({ signal }), auth);
        } catch (error) {
          await sharing.close();
          throw error;
        }
        let processed = 0;
        let failed = 0;
        let foreign: string | undefined;
        let pausedUntil = 0;
        // Stops the wait below: on SIGINT/SIGTERM, or when a job of another Gong shows this worker is set up wrongly.
        const stop = new AbortController();
        const onInterrupt = (): void => {
          stop.abort();
        };
        if (signal.aborted) stop.abort();
        else signal.addEventListener("abort", onInterrupt, { once: true });
        const worker = await startImportWorker({
          gong,
          redact: redactorFor(auth),
          onForeignJob: (_job, message) => {
            if (foreign !== undefined) return;
            foreign = message;
            printError(`gong-connector: worker: ${message}`);
            stop.abort();
          },
          onQuotaPause: (resumeAt, reason) => {
            if (resumeAt <= pausedUntil + 1000) return;
            pausedUntil = resumeAt;
            const at = formatGongDateTime(resumeAt);
            if (flags.quiet !== true) printError(`worker: daily quota spent (${reason}); every worker pauses until ${at}, no job fails for it`);
          },
          connection,
          queueName,
          concurrency: flags.concurrency,
          jobsPerSecond: flags.rateLimit,
          // A live worker renews its locks every half period, so a long upload keeps its job; a dead one loses it.
          lockDuration: flags.lockSeconds * 1000,
          stalledInterval: flags.lockSeconds * 1000,
          sender: (w) => {
            const limiter = new RedisRateLimiter({
              redis: w.client,
              key: flags.rateKey ?? DEFAULT_RATE_KEY,
              perSecond: flags.rateLimit,
              perDay: flags.dailyBudget ?? 10_000,
              dayMs,
            });
            const client = cliClient(
              options({
                rateLimit: limiter,
                // A quota 429 (a wait of more than a second) pauses every worker, rather than each request on its own.
                maxRetryAfterSeconds: 1,
              }),
            );
            return senderFromClient(client, { addCall: waits.addCall, onWarning: (m) => { printError(`gong-connector: warning: ${m}`); } });
          },
          onJobDone: (job, result, error) => {
            if (result) processed++;
            const final = error !== undefined && (error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1));
            if (final) failed++;
            if (flags.quiet === true) return;
            if (result) {
              const how = result.duplicate ? "already in Gong" : result.recovered ? "recovered" : "created";
              printError(`worker: line ${job.data.line} ${job.data.clientUniqueId} -> ${result.callId} (${how}${result.mediaUploaded ? ", media uploaded" : ""})`);
            } else if (error) {
              printError(`worker: line ${job.data.line} ${job.data.clientUniqueId} ${final ? "failed" : "will retry"}: ${error.message}`);
            }
          },
        });
        // Redis going away makes the connection retry (and say so) every few seconds: each distinct message once a
        // minute, as the relay logs its queue errors.
        let lastRedisError = { message: "", at: 0 };
        worker.on("error", (err) => {
          const now = Date.now();
          if (err.message === lastRedisError.message && now - lastRedisError.at < 60_000) return;
          lastRedisError = { message: err.message, at: now };
          printError(`gong-connector: worker: ${err.message}`);
        });
        if (flags.quiet !== true) printError(`worker: processing ${queueName} on ${redactRedisUrl(flags.queue)} (${flags.rateLimit} req/s across all workers)`);

        let interrupted = false;
        let redisLost: Error | undefined;
        const queue = flags.exitWhenIdle === undefined ? undefined : new Queue(queueName, { connection });
        queue?.on("error", () => {});
        try {
          const idleMs = (flags.exitWhenIdle ?? 0) * 1000;
          let idleSince: number | undefined;
          while (!signal.aborted && !stop.signal.aborted) {
            if (queue) {
              // The count waits for Redis; a signal does not.
              const counts = await Promise.race([
                queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children", "paused"),
                new Promise<undefined>((resolve) => {
                  stop.signal.addEventListener("abort", () => {
                    resolve(undefined);
                  }, { once: true });
                }),
              ]);
              if (counts === undefined) break;
              const busy = Object.values(counts).some((n) => n > 0);
              if (busy) idleSince = undefined;
              else idleSince ??= Date.now();
              if (idleSince !== undefined && Date.now() - idleSince >= idleMs) break;
            }
            try {
              await sleep(500, { signal: stop.signal });
            } catch (error) {
              if (!(error instanceof GongAbortError)) throw error;
            }
          }
          interrupted = signal.aborted;
        } finally {
          // Finish the jobs in flight (a second signal exits at once; those jobs are then taken up again as stalled).
          // A job cannot finish without Redis, nor can BullMQ's close: when Redis stops answering meanwhile, say so
          // and let go of it.
          const watch = new AbortController();
          const closed = worker.close().then(() => undefined);
          const lost = (async (): Promise<Error | undefined> => {
            for (;;) {
              try {
                await sleep(2000, { signal: watch.signal });
                await checkQueueConnection(connection, { timeoutMs: 2000, signal: watch.signal });
              } catch (error) {
                if (watch.signal.aborted) return undefined;
                if (error instanceof Error) return error;
              }
            }
          })();
          redisLost = await Promise.race([closed, lost]);
          watch.abort();
          if (redisLost !== undefined) {
            printError(`gong-connector: worker: stopping without Redis (${redisLost.message}); the jobs in flight are taken up again by a worker once it is back`);
            // BullMQ's close and its connections keep waiting for Redis: the process ends once this returns.
          } else {
            await queue?.close();
          }
          await sharing.close();
          signal.removeEventListener("abort", onInterrupt);
          await sleep(0);
        }
        printJson({ processed, failed, interrupted, ...(foreign !== undefined && { refused: foreign }), ...(redisLost !== undefined && { redisLost: redisLost.message }) });
        if (foreign !== undefined) return EXIT.invalid;
        if (redisLost !== undefined) {
          endProcessAfterRun();
          return EXIT.gaveUp;
        }
        return interrupted ? EXIT.interrupted : EXIT.ok;
      }),
    );
}
