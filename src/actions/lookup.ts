import type { GongClient } from "../client/index.js";
import { callBasicDataSchema, instantOf, type CallBasicData } from "../schema/index.js";

export interface FindCallQuery {
  clientUniqueId: string;
  /** The call's actual start (ISO-8601 with a zone); the search window is ±1 h around it. */
  actualStart: string;
  workspaceId?: string | undefined;
}

export interface FindCallOptions {
  signal?: AbortSignal | undefined;
  /** Half the search window, default one hour. */
  windowMs?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

const HOUR_MS = 3_600_000;

/** `YYYY-MM-DDTHH:mm:ssZ` (Gong's examples; fractions dropped). */
export function toGongDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Looks a call up by its `clientUniqueId` (GET /v2/calls over `[actualStart − 1 h, actualStart + 1 h)`, all pages,
 * exact match). Undefined when not found; new calls may be listed late, so a miss proves nothing.
 */
export async function findCallByClientUniqueId(
  client: GongClient,
  query: FindCallQuery,
  options: FindCallOptions = {},
): Promise<CallBasicData | undefined> {
  const start = instantOf(query.actualStart);
  if (Number.isNaN(start)) throw new TypeError(`actualStart is not a date-time: ${query.actualStart}`);
  const window = options.windowMs ?? HOUR_MS;
  const matches: CallBasicData[] = [];
  const calls = client.paginate("/v2/calls", {
    fromDateTime: toGongDateTime(start - window),
    toDateTime: toGongDateTime(start + window),
    workspaceId: query.workspaceId,
  }, "calls", { signal: options.signal, schema: callBasicDataSchema });
  for await (const call of calls) {
    if (call.clientUniqueId === query.clientUniqueId) matches.push(call);
  }
  const [first] = matches;
  if (matches.length > 1 && first) {
    options.onWarning?.(
      `${matches.length} calls have clientUniqueId ${query.clientUniqueId}: ${matches.map((c) => c.id).join(", ")}; using ${first.id}`,
    );
  }
  return first;
}
