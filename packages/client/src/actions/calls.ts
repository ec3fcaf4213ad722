import { formatGongDateTime } from "@gong-connector/schema";
import type { GongClient } from "../client.js";
import { ValidationError, type ValidationIssue } from "../errors.js";
import {
  callBasicDataSchema,
  callResponseSchema,
  GONG_ID_PATTERN,
  instantOf,
  isIsoDateTimeWithZone,
  type CallBasicData,
} from "@gong-connector/schema";

export interface CallsOptions {
  signal?: AbortSignal | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

export interface ListCallsQuery {
  /** Inclusive: calls that started at or after this instant (a Date, or ISO-8601 with a zone). */
  fromDateTime: string | Date;
  /** Exclusive: calls that started before this instant. */
  toDateTime: string | Date;
  workspaceId?: string | undefined;
}

export interface FindCallInRangeQuery extends ListCallsQuery {
  clientUniqueId: string;
}

const ZONE_RULE = "must be an ISO-8601 date-time with a zone, e.g. 2024-05-01T14:30:00Z or 2024-05-01T09:30:00-05:00";

function instantIssue(field: string, value: unknown, issues: ValidationIssue[]): number | undefined {
  if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) return value.getTime();
    issues.push({ path: field, rule: "must be a valid date", message: `${field}: must be a valid date` });
    return undefined;
  }
  if (typeof value === "string" && isIsoDateTimeWithZone(value)) return instantOf(value);
  issues.push({ path: field, rule: ZONE_RULE, message: `${field}: ${ZONE_RULE}` });
  return undefined;
}

/** The query GET /v2/calls is sent, checked first: both instants with a zone, from before to, a Gong workspace id. */
export function callsQuery(query: ListCallsQuery): Record<string, string | undefined> {
  const issues: ValidationIssue[] = [];
  const from = instantIssue("fromDateTime", query.fromDateTime, issues);
  const to = instantIssue("toDateTime", query.toDateTime, issues);
  if (from !== undefined && to !== undefined && from >= to) {
    issues.push({ path: "toDateTime", rule: "must be after fromDateTime", message: "toDateTime: must be after fromDateTime" });
  }
  if (query.workspaceId !== undefined && !GONG_ID_PATTERN.test(query.workspaceId)) {
    issues.push({ path: "workspaceId", rule: "must be a string of 1-20 digits", message: "workspaceId: must be a string of 1-20 digits" });
  }
  if (issues.length > 0 || from === undefined || to === undefined) throw new ValidationError(issues);
  // Gong matches whole seconds: the start is rounded down, the (exclusive) end up, so no call in range is left out.
  return {
    fromDateTime: formatGongDateTime(from),
    toDateTime: formatGongDateTime(Math.ceil(to / 1000) * 1000),
    workspaceId: query.workspaceId,
  };
}

/**
 * Every call that started in `[fromDateTime, toDateTime)` (GET /v2/calls, all pages), optionally of one workspace,
 * as Gong describes it (CallBasicData). An empty range (Gong's 404) yields nothing.
 */
export function listCalls(client: GongClient, query: ListCallsQuery, options: CallsOptions = {}): AsyncIterable<CallBasicData> {
  const q = callsQuery(query);
  return client.paginate("/v2/calls", q, "calls", { signal: options.signal, schema: callBasicDataSchema, notFoundIsEmpty: true });
}

/** One call by its Gong id (GET /v2/calls/{id}); an unknown id is Gong's 404 (NotFoundError). */
export async function getCall(client: GongClient, callId: string, options: CallsOptions = {}): Promise<CallBasicData> {
  if (typeof callId !== "string" || !GONG_ID_PATTERN.test(callId)) throw ValidationError.of("callId", "must be a string of 1-20 digits");
  const response = await client.request({ method: "GET", path: `/v2/calls/${encodeURIComponent(callId)}`, schema: callResponseSchema, signal: options.signal });
  return response.call;
}

/**
 * The call with this `clientUniqueId` among the calls that started in `[fromDateTime, toDateTime)`, or undefined.
 * Exact match; when several match, the first is returned with a warning. Gong may list new calls late.
 */
export async function findCallByClientUniqueIdIn(
  client: GongClient,
  query: FindCallInRangeQuery,
  options: CallsOptions = {},
): Promise<CallBasicData | undefined> {
  if (typeof query.clientUniqueId !== "string" || query.clientUniqueId.trim() === "") {
    throw ValidationError.of("clientUniqueId", "must be a non-empty string");
  }
  const matches: string[] = [];
  let first: CallBasicData | undefined;
  for await (const call of listCalls(client, query, options)) {
    if (call.clientUniqueId !== query.clientUniqueId) continue;
    first ??= call;
    matches.push(call.id);
  }
  if (first !== undefined && matches.length > 1) {
    options.onWarning?.(`${matches.length} calls have clientUniqueId ${query.clientUniqueId}: ${matches.join(", ")}; showing ${first.id}`);
  }
  return first;
}
