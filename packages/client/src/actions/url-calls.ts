import type { GongClient } from "../client.js";

/**
 * The calls each client created with a `downloadMediaUrl` in this process. Gong fetches their media from that URL
 * itself, so an upload must not follow (CONTRACT.md §3: "Don't also call PUT"). Held weakly per client.
 */
const urlCalls = new WeakMap<GongClient, Set<string>>();

export function rememberUrlCall(client: GongClient, callId: string): void {
  let calls = urlCalls.get(client);
  if (calls === undefined) {
    calls = new Set();
    urlCalls.set(client, calls);
  }
  calls.add(callId);
}

export function isUrlCall(client: GongClient, callId: string): boolean {
  return urlCalls.get(client)?.has(callId) === true;
}
