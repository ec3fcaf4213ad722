/** Progress on stderr: a cli-progress bar on a TTY, plain periodic lines otherwise. */
import cliProgress from "cli-progress";
import type { ProgressStats } from "./types.js";

export interface ProgressReporter {
  start(stats: ProgressStats): void;
  update(stats: ProgressStats): void;
  stop(stats: ProgressStats): void;
}

export const silentProgress: ProgressReporter = { start() {}, update() {}, stop() {} };

function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
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
    return { rate, eta: rate > 0 ? left / rate : Number.NaN };
  }
}

/** A one-line bar on `stream` (a TTY): done/total, rate, ETA and failures. */
export function barProgress(stream: NodeJS.WriteStream = process.stderr, label = "import"): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} | {rate}/s | ETA {etaText} | failed {failed}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let meter: RateMeter | undefined;
  const payload = (s: ProgressStats) => {
    const { rate, eta } = (meter ??= new RateMeter(s)).measure(s);
    return { rate: rate.toFixed(1), etaText: fmtDuration(eta), failed: s.failed };
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
    write(`${label}: ${s.done + s.skipped}/${s.total} done${skipped}, ${s.failed} failed, ${rate.toFixed(1)}/s${tail}`);
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
