/** One sandbox and one relay for a console test file, and a reader of the console's server-sent events. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRelay, type Relay } from "../src/index.js";
import { startTestSandbox, type TestSandbox } from "../../../test-support/sandbox.js";

export interface ConsoleFixture {
  sb: TestSandbox;
  relay: Relay;
  dataDir: string;
  close(): Promise<void>;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const sb = await startTestSandbox();
  const dataDir = await mkdtemp(join(tmpdir(), "relay-console-"));
  const relay = await startRelay({
    client: { baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } },
    dataDir,
    logger: false,
    delivery: { maxAttempts: 2, retryBaseMs: 20, retryMaxMs: 50 },
    addCall: { ambiguityDelayMs: 10 },
  });
  return {
    sb,
    relay,
    dataDir,
    async close() {
      await relay.close({ graceMs: 1000 });
      await sb.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** An open `/events` stream: its response, and the events read so far (comments left out). */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly #controller = new AbortController();
  #buffer = "";
  #waiters: (() => void)[] = [];
  response!: Response;

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const reader = new SseReader();
    reader.response = await fetch(url, { headers, signal: reader.#controller.signal });
    if (reader.response.body !== null) void reader.#pump(reader.response.body);
    return reader;
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.#buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = this.#buffer.indexOf("\n\n")) >= 0) {
          const block = this.#buffer.slice(0, cut);
          this.#buffer = this.#buffer.slice(cut + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join("\n")) as unknown });
          for (const w of this.#waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    }
  }

  /** Resolves with the first event (from the start) matching `pred`, or rejects after `timeoutMs`. */
  async waitFor(pred: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${String(timeoutMs)} ms; got ${this.events.map((e) => e.event).join(", ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#controller.abort();
  }
}
