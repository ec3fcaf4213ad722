/**
 * Raw HTTP/1.1 over a TCP socket, for requests fetch() would refuse or normalise (encoded or dot-segment paths,
 * absolute-form targets, odd Host or Authorization headers, malformed bodies).
 *
 *   const res = await rawRequest(sb.baseUrl, { method: "GET", target: "/v%32/users", headers: { authorization: sb.basicAuth } });
 *   const res = await rawSend(sb.baseUrl, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
 */
import { connect } from "node:net";

export interface RawResponse {
  /** 0 when the server closed the connection without a status line. */
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent. */
  raw: Buffer;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    const eol = body.indexOf("\r\n", i);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(i, eol).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function parseRawResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, headers: {}, body: "", raw };
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  return { status, headers, body: body.toString("utf8"), raw };
}

/**
 * Sends `data` as is on a new connection and collects the answer until the server closes (or `timeoutMs`). The
 * socket is not half-closed after writing (as browsers and HTTP clients do): a request must say `Connection: close`.
 */
export function rawSend(baseUrl: string, data: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ""), () => {
      socket.write(data);
    });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseRawResponse(Buffer.concat(chunks)));
    });
  });
}

export interface RawRequest {
  method?: string;
  /** The request target exactly as sent (not encoded or normalised). */
  target: string;
  /** Sent in this order; `host` defaults to the base URL's host, set it to null to send none. */
  headers?: Record<string, string | null>;
  body?: string | Buffer;
}

/** One request with `Connection: close`; Content-Length is added for a body unless given. */
export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | null> = { host: url.host, ...(req.headers ?? {}) };
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length" || h.toLowerCase() === "transfer-encoding")) {
    headers["content-length"] = String(body.length);
  }
  headers.connection = "close";
  let head = `${req.method ?? "GET"} ${req.target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) head += `${name}: ${value}\r\n`;
  head += "\r\n";
  return rawSend(baseUrl, body === undefined ? head : Buffer.concat([Buffer.from(head, "latin1"), body]), timeoutMs);
}
