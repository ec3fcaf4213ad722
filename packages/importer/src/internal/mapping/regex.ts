/**
 * The regular expressions of a mapping's expressions run where they can be stopped. JSONata runs a regex with
 * JavaScript's RegExp, synchronously: its time limit is checked between evaluation steps, never inside one match, so
 * one regex that backtracks catastrophically (`$match(x, /(a+)+$/)` on a long cell) would hang the import whatever the
 * limit. Here each match runs on a worker thread while this thread waits for it (Atomics.wait) at most the time limit;
 * a match that takes longer has its worker ended, and the row is invalid with that reason.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { RowMappingError } from "./errors.js";

/** What the worker answers for one match. */
type Answer = { match: (string | undefined)[] | null; index: number; lastIndex: number } | { error: string };

const WORKER = `
const { workerData } = require("node:worker_threads");
const done = new Int32Array(workerData.done);
const port = workerData.port;
const cache = new Map();
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
port.on("message", (m) => {
  let answer;
  try {
    const key = m.flags + "/" + m.source;
    let re = cache.get(key);
    if (re === undefined) {
      if (cache.size >= 256) cache.clear();
      re = new RegExp(m.source, m.flags);
      cache.set(key, re);
    }
    re.lastIndex = m.lastIndex;
    const found = re.exec(m.text);
    answer = found === null ? { match: null, index: -1, lastIndex: re.lastIndex } : { match: Array.from(found), index: found.index, lastIndex: re.lastIndex };
  } catch (err) {
    answer = { error: String((err && err.message) || err) };
  }
  port.postMessage(answer);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

/** How long a worker thread may take to start. */
const WORKER_START_MS = 30_000;

/** A worker thread that runs one match at a time, and is ended (then replaced) when a match runs too long. */
class RegexWorker {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));

  start(): MessagePort {
    if (this.port !== undefined) return this.port;
    const { port1, port2 } = new MessageChannel();
    Atomics.store(this.done, 0, 0);
    this.worker = new Worker(WORKER, { eval: true, workerData: { done: this.done.buffer, port: port2 }, transferList: [port2] });
    this.worker.unref();
    port1.unref();
    this.port = port1;
    // Starting a thread takes a while on a busy machine: that time does not count against a match's limit.
    if (Atomics.wait(this.done, 0, 0, WORKER_START_MS) === "timed-out") {
      this.stop();
      throw new Error(`the worker thread that runs regular expressions did not start within ${WORKER_START_MS / 1000} s`);
    }
    return port1;
  }

  exec(source: string, flags: string, text: string, lastIndex: number, timeoutMs: number): Answer | undefined {
    const port = this.start();
    Atomics.store(this.done, 0, 0);
    port.postMessage({ source, flags, text, lastIndex });
    if (Atomics.wait(this.done, 0, 0, timeoutMs) === "timed-out") {
      // The replacement starts now, while this row is refused, rather than in the next row's time.
      this.stop();
      this.start();
      return undefined;
    }
    const reply = receiveMessageOnPort(port);
    return reply === undefined ? { error: "the regular expression's worker gave no answer" } : (reply.message as Answer);
  }

  /** Starts the thread now (outside any expression's time), when it is not running. */
  ready(): void {
    this.start();
  }

  stop(): void {
    void this.worker?.terminate();
    this.port?.close();
    this.worker = undefined;
    this.port = undefined;
  }
}

let shared: RegexWorker | undefined;

function shownRegex(source: string, flags: string): string {
  const text = `/${source}/${flags.replace("g", "")}`;
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Starts the thread that runs regular expressions, so that its start counts against no expression's time limit. */
export function startRegexWorker(): void {
  (shared ??= new RegexWorker()).ready();
}

/**
 * A RegExp stand-in for JSONata's `RegexEngine` option: it keeps `lastIndex` and answers `exec` as RegExp does, but
 * each match runs on the worker and is stopped after `timeoutMs` (a RowMappingError naming the regex).
 */
export function guardedRegexEngine(timeoutMs: number): new (re: RegExp) => { lastIndex: number; exec(text: string): RegExpExecArray | null } {
  return class GuardedRegExp {
    lastIndex = 0;
    private readonly source: string;
    private readonly flags: string;
    constructor(re: RegExp) {
      this.source = re.source;
      this.flags = re.flags;
    }

    exec(text: string): RegExpExecArray | null {
      const answer = (shared ??= new RegexWorker()).exec(this.source, this.flags, text, this.lastIndex, timeoutMs);
      if (answer === undefined) {
        throw new RowMappingError(`the regular expression ${shownRegex(this.source, this.flags)} ran longer than ${timeoutMs} ms on a value of ${text.length} characters and was stopped`);
      }
      if ("error" in answer) throw new RowMappingError(`the regular expression ${shownRegex(this.source, this.flags)} failed: ${answer.error}`);
      this.lastIndex = answer.lastIndex;
      if (answer.match === null) return null;
      return Object.assign(answer.match, { index: answer.index, input: text }) as RegExpExecArray;
    }
  };
}
