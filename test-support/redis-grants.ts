/**
 * The grants a RedisRateLimiter hands out, as Redis itself records them: the limiter's Lua script adds each grant to
 * its sorted set (`ZADD key <ms> <limiter id>:<n>`) with the time Redis's own clock gave the script, and MONITOR
 * shows every command a script runs. The times are the limiter's decisions, not when a test process noticed them, so
 * a check on them cannot fail because the machine is slow.
 *
 * MONITOR is read from a plain socket: ioredis's monitor() switches to monitoring mode a tick after MONITOR's OK, so a
 * command logged in the same packet as that OK (a busy server) ends in "Command queue state error".
 */
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";

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

/** The arguments of one MONITOR line (`+<time> [<db> <client>] "cmd" "arg" …`), unescaped. */
export function monitorArgs(line: string): string[] {
  const args: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    args.push(
      (m[1] ?? "").replace(/\\(x[0-9a-f]{2}|.)/gi, (_, e: string) => {
        if (e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
        return ({ n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b" } as Record<string, string>)[e] ?? e;
      }),
    );
  }
  return args;
}

function redisSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port || "6379"), hostname, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Watches the grants made on `key` of the redis-server at `url` from now on. */
export async function watchGrants(url: string, key: string): Promise<GrantWatch> {
  const monitor = await redisSocket(url);
  const control = await redisSocket(url);
  control.resume();
  const grants: Grant[] = [];
  const seen = new Set<string>();
  let started!: () => void;
  const monitoring = new Promise<void>((resolve) => (started = resolve));
  createInterface({ input: monitor, crlfDelay: Infinity }).on("line", (line) => {
    if (line === "+OK") {
      started();
      return;
    }
    const [command, target, score, member] = monitorArgs(line);
    if (command?.toLowerCase() === "zadd" && target === key && score !== undefined && member !== undefined) {
      grants.push({ at: Number(score), limiter: member.slice(0, member.lastIndexOf(":")) });
    }
    if (command?.toLowerCase() === "echo" && target !== undefined) seen.add(target);
  });
  monitor.write("MONITOR\r\n");
  await monitoring;
  return {
    async grants() {
      // Redis logs commands to MONITOR in the order it runs them: once this echo is seen, every earlier grant is too.
      const marker = `grant-watch-${randomUUID()}`;
      control.write(`ECHO ${marker}\r\n`);
      for (let i = 0; !seen.has(marker); i++) {
        if (i > 500) throw new Error("MONITOR did not show the marker within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [...grants];
    },
    stop() {
      monitor.destroy();
      control.destroy();
      return Promise.resolve();
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
