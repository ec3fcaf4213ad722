import {
  GongAbortError,
  GongConnectionError,
  GongError,
  GongTimeoutError,
  GongUnreachableError,
  isTlsHandshakeCode,
  UNREACHABLE_CODES,
} from "../errors.js";
import { isStreamBody, type FetchLike, type StreamBody, type Transport, type TransportRequest } from "./transport.js";

/** Yields the stream's chunks, calling `onChunk` for each (idle-timer activity). */
async function* chunks(body: StreamBody, onChunk: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body.open()) {
    onChunk();
    yield chunk as Uint8Array;
  }
}

/** A transport over an injected `fetch`; stream bodies are sent with `duplex: "half"`. */
export function fetchTransport(fetchFn: FetchLike): Transport {
  return async (req: TransportRequest) => {
    if (req.signal?.aborted === true) throw new GongAbortError();
    const controller = new AbortController();
    let timeout: GongTimeoutError | undefined;
    const timers: NodeJS.Timeout[] = [];
    const expire = (error: GongTimeoutError): void => {
      timeout = error;
      controller.abort(error);
    };
    const onAbort = (): void => {
      controller.abort(new GongAbortError());
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });
    if (req.timeoutMs !== undefined) {
      const ms = req.timeoutMs;
      timers.push(
        setTimeout(() => {
          expire(new GongTimeoutError(ms, "request"));
        }, ms),
      );
    }
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      if (req.idleTimeoutMs === undefined) return;
      const ms = req.idleTimeoutMs;
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => {
        expire(new GongTimeoutError(ms, "idle"));
      }, ms);
    };
    touch();

    const headers = { ...req.headers };
    const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
    if (isStreamBody(req.body)) {
      headers["content-length"] = String(req.body.length);
      init.body = chunks(req.body, touch);
      init.duplex = "half";
    } else if (req.body !== undefined) {
      init.body = req.body;
    }
    try {
      const res = await fetchFn(req.url.href, init);
      touch();
      const text = await res.text();
      const out: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        out[name.toLowerCase()] = value;
      });
      return { status: res.status, headers: out, body: text };
    } catch (error) {
      if (timeout !== undefined) throw timeout;
      if (controller.signal.reason instanceof GongAbortError) throw controller.signal.reason;
      if (error instanceof GongError) throw error;
      if (error instanceof Error && error.cause instanceof GongError) throw error.cause;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code = (cause as { code?: unknown }).code;
      if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || isTlsHandshakeCode(code))) {
        throw new GongUnreachableError(req.url.origin, code, cause instanceof Error ? cause.message : code, { cause: error });
      }
      throw new GongConnectionError(cause instanceof Error ? cause.message : String(cause), { cause: error });
    } finally {
      req.signal?.removeEventListener("abort", onAbort);
      for (const timer of timers) clearTimeout(timer);
      if (idle !== undefined) clearTimeout(idle);
    }
  };
}
