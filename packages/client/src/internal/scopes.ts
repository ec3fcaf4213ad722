import type { HttpMethod } from "../client.js";

/** The OAuth scope each endpoint needs (CONTRACT.md §1), or undefined for a path outside the table. */
export function requiredScope(method: HttpMethod, path: string): string | undefined {
  const p = path.replace(/\/+$/, "");
  if (p === "/v2/calls" && method === "POST") return "api:calls:create";
  if (/^\/v2\/calls\/[^/]+\/media$/.test(p)) return "api:calls:create";
  if (method === "GET" && (p === "/v2/calls" || /^\/v2\/calls\/[^/]+$/.test(p))) return "api:calls:read:basic";
  if (p === "/v2/users") return "api:users:read";
  if (p === "/v2/workspaces") return "api:workspaces:read";
  return undefined;
}

/**
 * The status Gong answers a request to this endpoint with when it refuses the credentials: 403 on users and
 * workspaces, 401 elsewhere (CONTRACT.md §1).
 */
export function accessDeniedStatus(method: HttpMethod, path: string): 401 | 403 {
  const p = path.replace(/\/+$/, "");
  return p === "/v2/users" || p === "/v2/workspaces" ? 403 : 401;
}
