/** Progress on stderr: a cli-progress bar on a TTY, plain periodic lines otherwise. */
import cliProgress from "cli-progress";
import { formatGongDateTime } from "@gong-connector/schema";
import type { ProgressQuota, ProgressStats } from "./types.js";

export interface ProgressReporter {
  start(stats: ProgressStats): void;
  update(stats: ProgressStats): void;
  stop(stats: ProgressStats): void;
}

export const silentProgress: ProgressReporter = { start() {}, update() {}, stop() {} };

/** `42s`, `3m05s`, `5h02m`, `3d04h`. */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** A time of day in UTC, `14:03:20 UTC` (with the date when it is not today). */
function fmtClock(epochMs: number, now = Date.now()): string {
  const iso = formatGongDateTime(epochMs);
  const sameDay = iso.slice(0, 10) === formatGongDateTime(now).slice(0, 10);
  return `${sameDay ? "" : `${iso.slice(0, 10)} `}${iso.slice(11, 19)} UTC`;
}

/**
 * Seconds until every row is finished as far as the daily quota allows: 0 when today's budget covers what is left,
 * else the time to the reset plus a day per further day's worth of requests.
 */
export function quotaEtaSeconds(rowsLeft: number, q: ProgressQuota, now = Date.now()): number {
  const needed = rowsLeft * q.requestsPerRow;
  const left = q.waitingUntil !== undefined ? 0 : q.left;
  if (needed <= left) return 0;
  const days = Math.ceil((needed - left) / Math.max(1, q.perDay));
  return (Math.max(0, (q.waitingUntil ?? q.resetsAt) - now) + (days - 1) * q.dayMs) / 1000;
}

/** The quota part of a progress line: the countdown while waiting, else what is left today. */
function quotaText(q: ProgressQuota | undefined, now = Date.now()): string {
  if (q === undefined) return "";
  if (q.waitingUntil !== undefined && q.waitingUntil > now) {
    return `, quota spent: waiting ${fmtDuration((q.waitingUntil - now) / 1000)} for the reset (resumes ${fmtClock(q.waitingUntil, now)})`;
  }
  return `, quota left ${Math.max(0, q.left)}/${q.perDay}`;
}

/** Tracks the rate (rows finished per second in this run) and the ETA. */
class RateMeter {
  private readonly started = Date.now();
  private readonly initial: number;
  constructor(initial: ProgressStats) {
    this.initial = initial.done + initial.failed + initial.skipped;
  }
  measure(s: ProgressStats): { rate: number; eta: number } {
    const finished = s.done + s.failed + s.skipped - this.initial;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? finished / elapsed : 0;
    const left = s.total - (s.done + s.failed + s.skipped);
    const byRate = rate > 0 ? left / rate : left === 0 ? 0 : Number.NaN;
    if (s.quota === undefined) return { rate, eta: byRate };
    const byQuota = quotaEtaSeconds(left, s.quota);
    return { rate, eta: Number.isNaN(byRate) ? (byQuota > 0 ? byQuota : Number.NaN) : Math.max(byRate, byQuota) };
  }
}

/** A one-line bar on `stream` (a TTY): done/total, rate, ETA and failures. */
export function barProgress(stream: NodeJS.WriteStream = process.stderr, label = "import"): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} | {rate}/s | ETA {etaText} | failed {failed}{quotaText}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let meter: RateMeter | undefined;
  const payload = (s: ProgressStats) => {
    const { rate, eta } = (meter ??= new RateMeter(s)).measure(s);
    return { rate: rate.toFixed(1), etaText: fmtDuration(eta), failed: s.failed, quotaText: quotaText(s.quota).replace(/^, /, " | ") };
  };
  return {
    start(s) {
      meter = new RateMeter(s);
      bar.start(s.total, s.done + s.skipped + s.failed, payload(s));
    },
    update(s) {
      bar.setTotal(s.total);
      bar.update(s.done + s.skipped + s.failed, payload(s));
    },
    stop(s) {
      bar.update(s.done + s.skipped + s.failed, payload(s));
      bar.stop();
    },
  };
}

/** Plain lines (`import: 120/300 done, 2 failed, 4.1/s, ETA 44s`) every `intervalMs`, for logs and pipes. */
export function lineProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), intervalMs = 5000, label = "import"): ProgressReporter {
  let meter: RateMeter | undefined;
  let last: ProgressStats | undefined;
  let timer: NodeJS.Timeout | undefined;
  const line = (s: ProgressStats, final = false) => {
    const { rate, eta } = (meter ??= new RateMeter(s)).measure(s);
    const skipped = s.skipped > 0 ? ` (${s.skipped} skipped, already done)` : "";
    const tail = final ? "" : `, ETA ${fmtDuration(eta)}`;
    write(`${label}: ${s.done + s.skipped}/${s.total} done${skipped}, ${s.failed} failed, ${rate.toFixed(1)}/s${final ? "" : quotaText(s.quota)}${tail}`);
  };
  return {
    start(s) {
      meter = new RateMeter(s);
      last = s;
      line(s);
      timer = setInterval(() => {
        if (last) line(last);
      }, intervalMs);
      timer.unref();
    },
    update(s) {
      last = s;
    },
    stop(s) {
      if (timer) clearInterval(timer);
      line(s, true);
    },
  };
}

/** The bar when stderr is a TTY, lines otherwise. */
export function defaultProgress(opts: { intervalMs?: number; label?: string } = {}): ProgressReporter {
  return process.stderr.isTTY ? barProgress(process.stderr, opts.label) : lineProgress(undefined, opts.intervalMs, opts.label);
}
