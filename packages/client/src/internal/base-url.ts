import { isLoopbackHost } from "@gong-connector/schema";
import { ValidationError } from "../errors.js";

export const DEFAULT_BASE_URL = "https://api.gong.io";

/**
 * Checks and normalises a base URL: http(s) only, https unless the host is loopback, no query, hash or
 * credentials; a path prefix is kept and a trailing slash dropped.
 */
export function normalizeBaseURL(value: string = DEFAULT_BASE_URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw ValidationError.of("baseURL", "must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw ValidationError.of("baseURL", "must be an http(s) URL");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw ValidationError.of("baseURL", "must use https unless the host is loopback (localhost, 127.0.0.0/8, ::1)");
  }
  if (url.username !== "" || url.password !== "") throw ValidationError.of("baseURL", "must not contain credentials");
  if (url.search !== "" || url.hash !== "") throw ValidationError.of("baseURL", "must not have a query or fragment");
  url.pathname = url.pathname.replace(/\/+$/, "");
  return url;
}

/** Joins a base URL (with any path prefix) and an API path such as "/v2/calls", adding defined query values. */
export function buildURL(base: URL, path: string, query?: Readonly<Record<string, string | undefined>>): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, value);
  }
  return url;
}
