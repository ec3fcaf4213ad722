import type { GongClient } from "../client.js";
import { callBasicDataSchema, formatGongDateTime, instantOf, type CallBasicData, type DateTimeInput } from "@gong-connector/schema";

export interface FindCallQuery {
  clientUniqueId: string;
  /** The call's actual start (a Date, or ISO-8601 with a zone), as sent in Add call. */
  actualStart: DateTimeInput;
  workspaceId?: string | undefined;
}

export interface FindCallOptions {
  signal?: AbortSignal | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

const SECOND_MS = 1000;

/**
 * Looks a call up by its `clientUniqueId`: GET /v2/calls over the one second Gong files the call under (`actualStart`
 * truncated to the second, as Add call sends it, to one second later; plus `workspaceId` when given), stopping at the
 * first exact match. Usually one request; when several calls started in that second, only their pages are read.
 * Undefined when not found; new calls may be listed late, so a miss proves nothing.
 */
export async function findCallByClientUniqueId(
  client: GongClient,
  query: FindCallQuery,
  options: FindCallOptions = {},
): Promise<CallBasicData | undefined> {
  const start = query.actualStart instanceof Date ? query.actualStart.getTime() : instantOf(query.actualStart);
  if (Number.isNaN(start)) throw new TypeError(`actualStart is not a date-time: ${String(query.actualStart)}`);
  const second = Math.floor(start / SECOND_MS) * SECOND_MS;
  const calls = client.paginate(
    "/v2/calls",
    { fromDateTime: formatGongDateTime(second), toDateTime: formatGongDateTime(second + SECOND_MS), workspaceId: query.workspaceId },
    "calls",
    { signal: options.signal, schema: callBasicDataSchema, notFoundIsEmpty: true },
  );
  for await (const call of calls) {
    // Leaving the loop ends the paging: no further page is requested.
    if (call.clientUniqueId === query.clientUniqueId) return call;
  }
  return undefined;
}
