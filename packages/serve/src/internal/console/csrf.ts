/**
 * The console's cross-site request check: a request authenticated by the session cookie that changes state must come
 * from a page of the relay itself (its `Origin`, else its `Referer`, names the relay's origin).
 */
import type { FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the request may go on: a safe method, a Bearer-authenticated one (no cookie is involved), or one whose
 * `Origin` (or `Referer` when no Origin is sent) is the relay's: the origin the browser addressed (`Host` on this
 * connection's scheme) or the relay's own URL. With neither (or `Origin: null`), a browser's `Sec-Fetch-Site:
 * same-origin` (a header no page can set) is taken instead.
 */
export function passesCsrfCheck(req: FastifyRequest, relayUrl: string): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  if (typeof req.headers.authorization === "string") return true;
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  const claimed = typeof origin === "string" && origin !== "null" ? originOf(origin) : typeof referer === "string" ? originOf(referer) : undefined;
  // Under `Referrer-Policy: no-referrer` a browser's form post says `Origin: null`; its Sec-Fetch-Site still tells.
  if (claimed === undefined) return req.headers["sec-fetch-site"] === "same-origin";
  const allowed = new Set<string>();
  const own = originOf(relayUrl);
  if (own !== undefined) allowed.add(own);
  const host = req.headers.host;
  if (typeof host === "string" && host !== "") {
    const addressed = originOf(`${req.protocol}://${host}`);
    if (addressed !== undefined) allowed.add(addressed);
  }
  return allowed.has(claimed);
}
