/**
 * The grants a RedisRateLimiter hands out, as Redis itself records them: the limiter's Lua script adds each grant to
 * its sorted set (`ZADD key <ms> <limiter id>:<n>`) with the time Redis's own clock gave the script, and MONITOR
 * shows every command a script runs. The times are the limiter's decisions, not when a test process noticed them, so
 * a check on them cannot fail because the machine is slow.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export interface Grant {
  /** Redis time of the grant (ms), the score the limiter gave it. */
  at: number;
  /** The limiter instance that took it (the member's prefix: one per RedisRateLimiter). */
  limiter: string;
}

export interface GrantWatch {
  /** Every grant on the key so far, in the order Redis made them; first waits until MONITOR has caught up. */
  grants(): Promise<Grant[]>;
  stop(): Promise<void>;
}

/** Watches the grants made on `key` of the redis-server at `url` from now on. */
export async function watchGrants(url: string, key: string): Promise<GrantWatch> {
  const control = new Redis(url, { lazyConnect: true });
  await control.connect();
  const monitor = await control.duplicate().monitor();
  const grants: Grant[] = [];
  const seen = new Set<string>();
  monitor.on("monitor", (_time: string, args: string[]) => {
    const [command, target, score, member] = args;
    if (command?.toLowerCase() === "zadd" && target === key && score !== undefined && member !== undefined) {
      grants.push({ at: Number(score), limiter: member.slice(0, member.lastIndexOf(":")) });
    }
    if (command?.toLowerCase() === "echo" && target !== undefined) seen.add(target);
  });
  return {
    async grants() {
      // Commands reach MONITOR in the order Redis ran them: once this echo is seen, every earlier grant is too.
      const marker = `grant-watch-${randomUUID()}`;
      await control.echo(marker);
      for (let i = 0; !seen.has(marker); i++) {
        if (i > 500) throw new Error("MONITOR did not show the marker within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [...grants];
    },
    async stop() {
      monitor.disconnect();
      await control.quit();
    },
  };
}

/**
 * The shortest span (ms) holding `limit + 1` consecutive grants: a limiter of `limit` grants per `windowMs` makes it at
 * least `windowMs` (Infinity when there are no more than `limit` grants).
 */
export function tightestSpan(grants: readonly Grant[], limit: number): number {
  const times = grants.map((g) => g.at).sort((a, b) => a - b);
  let tightest = Infinity;
  for (let i = limit; i < times.length; i++) tightest = Math.min(tightest, (times[i] ?? 0) - (times[i - limit] ?? 0));
  return tightest;
}
