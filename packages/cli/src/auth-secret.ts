import { GongAbortError } from "@gong-connector/client";
import { ConfigurationError } from "./setup-error.js";

/** Longest secret accepted (Gong's secrets are a few dozen characters). */
const MAX_SECRET_CHARS = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A secret as typed or piped: trimmed, non-empty, printable; a ConfigurationError naming `what` and `source` otherwise. */
export function checkSecret(value: string, what: string, source: string): string {
  const secret = value.trim();
  if (secret === "") throw new ConfigurationError(`${what}: ${source} gave an empty value`);
  if (secret.length > MAX_SECRET_CHARS) throw new ConfigurationError(`${what}: ${source} gave a value longer than ${String(MAX_SECRET_CHARS)} characters`);
  if (CONTROL.test(secret)) throw new ConfigurationError(`${what}: ${source} gave a value with control characters`);
  return secret;
}

/** The first line of a stream that is not a terminal (the rest is left unread); at most MAX_SECRET_CHARS + a line end. */
async function firstLine(stream: NodeJS.ReadStream, what: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (error: Error | undefined, line?: string): void => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      stream.pause();
      stream.destroy();
      if (error !== undefined) reject(error);
      else resolve(line ?? "");
    };
    const onData = (chunk: string): void => {
      text += chunk;
      const end = text.indexOf("\n");
      if (end >= 0) done(undefined, text.slice(0, end).replace(/\r$/, ""));
      else if (text.length > MAX_SECRET_CHARS + 2) done(new ConfigurationError(`${what}: the first line of stdin is longer than ${String(MAX_SECRET_CHARS)} characters`));
    };
    const onEnd = (): void => {
      done(undefined, text.replace(/\r$/, ""));
    };
    const onError = (error: Error): void => {
      done(new ConfigurationError(`${what}: stdin could not be read (${error.message})`));
    };
    const onAbort = (): void => {
      done(new GongAbortError("interrupted"));
    };
    stream.setEncoding("utf8");
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
    stream.resume();
  });
}

/** Reads a line from the terminal with echo off: nothing typed is shown; Backspace edits, Ctrl-C interrupts. */
async function hiddenPrompt(stream: NodeJS.ReadStream, prompt: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const wasRaw = stream.isRaw;
    const done = (error: Error | undefined): void => {
      stream.off("data", onData);
      signal.removeEventListener("abort", onAbort);
      stream.setRawMode(wasRaw);
      stream.pause();
      process.stderr.write("\n");
      if (error !== undefined) reject(error);
      else resolve(text);
    };
    const onData = (chunk: string): void => {
      // eslint-disable-next-line no-control-regex
      for (const char of chunk.replace(/\u001b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g, "")) {
        if (char === "\r" || char === "\n" || (char === "\u0004" && text === "")) {
          done(undefined);
          return;
        }
        if (char === "\u0003") {
          done(new GongAbortError("interrupted"));
          return;
        }
        if (char === "\u007f" || char === "\b") {
          text = Array.from(text).slice(0, -1).join(""); // Backspace: one character (not one UTF-16 unit) less
        } else if (char === "\u0015") {
          text = ""; // Ctrl-U: start again
        } else if (!CONTROL.test(char)) {
          // Arrow keys and other terminal sequences are not part of a secret.
          text += char;
          if (text.length > MAX_SECRET_CHARS) {
            done(undefined);
            return;
          }
        }
      }
    };
    const onAbort = (): void => {
      done(new GongAbortError("interrupted"));
    };
    stream.setEncoding("utf8");
    stream.setRawMode(true); // echo off before the prompt shows, so nothing typed after it is ever shown
    process.stderr.write(prompt);
    stream.on("data", onData);
    signal.addEventListener("abort", onAbort, { once: true });
    stream.resume();
  });
}

/**
 * A secret from the user, never from a flag: with a terminal on stdin, a prompt on stderr with echo off; otherwise the
 * first line of stdin (`printf '%s\n' "$SECRET" | gong-connector …`). Checked by checkSecret.
 */
export async function readSecret(options: { what: string; prompt: string; signal: AbortSignal; stdin?: NodeJS.ReadStream }): Promise<string> {
  const stdin = options.stdin ?? process.stdin;
  if (stdin.isTTY) return checkSecret(await hiddenPrompt(stdin, options.prompt, options.signal), options.what, "the prompt");
  return checkSecret(await firstLine(stdin, options.what, options.signal), options.what, "stdin");
}
