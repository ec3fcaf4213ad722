import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  GongAbortError,
  GongConnectionError,
  GongError,
  GongTimeoutError,
  GongUnreachableError,
  isTlsHandshakeCode,
  UNREACHABLE_CODES,
} from "../errors.js";
import { isStreamBody, type Transport, type TransportRequest, type TransportResponse } from "./transport.js";

function responseHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** The default transport: node:http/https, streaming request bodies (memory stays flat for uploads). */
export const nodeTransport: Transport = (req: TransportRequest) =>
  new Promise<TransportResponse>((resolve, reject) => {
    if (req.signal?.aborted === true) {
      reject(new GongAbortError());
      return;
    }
    const send = req.url.protocol === "https:" ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...req.headers };
    if (typeof req.body === "string") headers["content-length"] = String(Buffer.byteLength(req.body));
    else if (isStreamBody(req.body)) headers["content-length"] = String(req.body.length);

    let settled = false;
    const cleanups: (() => void)[] = [];
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      fn();
    };
    const fail = (error: Error): void => {
      settle(() => {
        reject(error);
      });
      outgoing.destroy();
    };

    // The server's answer, once its head has arrived: an error writing the body after that (EPIPE or a reset: the
    // server answered, e.g. 413, and closed without reading the rest) is not the outcome, the answer is.
    let answer: IncomingMessage | undefined;
    const outgoing = send(req.url, { method: req.method, headers }, (res) => {
      answer = res;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        settle(() => {
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders(res), body: Buffer.concat(chunks).toString("utf8") });
        });
        // The server answered before taking the whole body (e.g. 429 or 500 to an upload): close the connection,
        // or it would stay open until the server's keep-alive timeout and hold the process.
        if (!outgoing.writableFinished) outgoing.destroy();
      });
      res.on("error", (error) => {
        fail(new GongConnectionError(`response interrupted: ${error.message}`, { cause: error }));
      });
      res.on("aborted", () => {
        fail(new GongConnectionError("response interrupted"));
      });
      res.on("close", () => {
        if (!res.complete) fail(new GongConnectionError("response interrupted"));
      });
    });
    // Whether the connection (and for https its TLS handshake) was made: an error before that sent nothing.
    let connected = false;
    outgoing.on("socket", (socket) => {
      // A kept-alive socket is reused already connected (and, for TLS, already past its handshake).
      const tls = socket as { encrypted?: boolean; authorized?: boolean };
      if (!socket.connecting && (tls.encrypted !== true || tls.authorized === true)) {
        connected = true;
        return;
      }
      socket.once(req.url.protocol === "https:" ? "secureConnect" : "connect", () => {
        connected = true;
      });
    });
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      const code = typeof error.code === "string" ? error.code : "";
      // The answer decides: its end resolves, or its close before the end fails as an interrupted response.
      if (answer !== undefined && (code === "EPIPE" || code === "ECONNRESET")) return;
      if (!connected && (UNREACHABLE_CODES.has(code) || isTlsHandshakeCode(code))) {
        fail(new GongUnreachableError(req.url.origin, code, error.message, { cause: error }));
        return;
      }
      fail(new GongConnectionError(error.message, { cause: error }));
    });

    if (req.signal !== undefined) {
      const signal = req.signal;
      const onAbort = (): void => {
        fail(new GongAbortError());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      cleanups.push(() => {
        signal.removeEventListener("abort", onAbort);
      });
    }
    if (req.timeoutMs !== undefined) {
      const ms = req.timeoutMs;
      const timer = setTimeout(() => {
        fail(new GongTimeoutError(ms, "request"));
      }, ms);
      cleanups.push(() => {
        clearTimeout(timer);
      });
    }
    if (req.idleTimeoutMs !== undefined) {
      const ms = req.idleTimeoutMs;
      outgoing.setTimeout(ms, () => {
        fail(new GongTimeoutError(ms, "idle"));
      });
    }

    if (isStreamBody(req.body) && req.body.writeTo !== undefined) {
      req.body.writeTo(outgoing).then(
        () => outgoing.end(),
        (error: unknown) => {
          const cause = error instanceof Error ? error : new Error(String(error));
          fail(cause instanceof GongError ? cause : new GongError(`reading the upload failed: ${cause.message}`, { cause }));
        },
      );
    } else if (isStreamBody(req.body)) {
      const stream = req.body.open();
      cleanups.push(() => {
        stream.destroy();
      });
      stream.on("error", (error) => {
        fail(error instanceof GongError ? error : new GongError(`reading the upload failed: ${error.message}`, { cause: error }));
      });
      stream.pipe(outgoing);
    } else {
      outgoing.end(req.body);
    }
  });
