import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { GONG_ID_PATTERN } from "@gong-connector/schema";
import { instantOf, isIsoDateTimeWithZone } from "@gong-connector/schema";
import { validateServerAddCallRequest } from "@gong-connector/schema";
import type { SandboxContext } from "./context.js";
import type { DownloadQueue } from "./downloads.js";
import { Errors } from "./errors.js";
import { newGongId } from "./ids.js";
import { commitMedia, receiveUpload, removeQuietly, storedMedia } from "./media.js";
import { DEFAULT_WORKSPACE_ID } from "./seed.js";
import type { CallFilter, CallRequest, StoredCall } from "./store.js";
import { callBasicData, callUrl, extensiveCall, fingerprint, makeCursor, readCursor, records } from "./views.js";

export const PAGE_SIZE = 100;

/** Who may call an API route: a Bearer token needs one of `scopes`; a refusal is `status` (401 on calls, 403 elsewhere). */
export interface ApiAccess {
  scopes: readonly string[];
  status: 401 | 403;
}

/** Route options marking a Gong API route: the sandbox authenticates, rate-limits, faults and logs it (app.ts). */
function apiRoute(status: 401 | 403, ...scopes: string[]): { config: { surface: "api"; access: ApiAccess } } {
  return { config: { surface: "api", access: { scopes, status } } };
}

/** The base URL for `url` fields: the configured one, else from the request. */
export function baseUrlOf(ctx: SandboxContext, request: FastifyRequest): string {
  if (ctx.settings.baseUrl !== undefined) return ctx.settings.baseUrl;
  return `${request.protocol}://${request.host}`;
}

function queryString(query: unknown, name: string): string | undefined {
  if (typeof query !== "object" || query === null) return undefined;
  const v = (query as Record<string, unknown>)[name];
  if (Array.isArray(v)) throw Errors.badRequest(`${name}: must be given once`);
  return typeof v === "string" ? v : undefined;
}

function dateParam(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !isIsoDateTimeWithZone(value)) {
    throw Errors.badRequest(`${name}: must be an ISO-8601 date-time with a zone, e.g. 2024-05-01T14:30:00Z`);
  }
  return instantOf(value);
}

function idParam(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !GONG_ID_PATTERN.test(value)) throw Errors.badRequest(`${name}: must be a string of 1-20 digits`);
  return value;
}

function idListParam(name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw Errors.badRequest(`${name}: must be an array of id strings`);
  return value.map((v, i) => idParam(`${name}[${i}]`, v) ?? "");
}

function pathId(request: FastifyRequest): string {
  const id = (request.params as { id?: string }).id ?? "";
  if (!GONG_ID_PATTERN.test(id)) throw Errors.badRequest("id: must be a numeric call id of 1-20 digits");
  return id;
}

export function registerApiRoutes(app: FastifyInstance, ctx: SandboxContext, downloads: DownloadQueue): void {
  const { store } = ctx;
  /** One page of calls matching `filter` (cursor tied to the request's fingerprint); 404 when none match. */
  const callsPage = (
    request: FastifyRequest,
    filter: CallFilter,
    fp: string,
    cursor: string | undefined,
    render: (call: StoredCall, baseUrl: string) => unknown,
  ) => {
    const offset = readCursor(cursor, fp);
    const page = store.findCalls(filter, offset, PAGE_SIZE);
    if (page.total === 0) throw Errors.noCallsInRange();
    const next = offset + page.calls.length < page.total ? makeCursor(offset + page.calls.length, fp) : undefined;
    const base = baseUrlOf(ctx, request);
    return {
      requestId: request.requestId,
      records: records(page.total, offset, page.calls.length, next),
      calls: page.calls.map((c) => render(c, base)),
    };
  };

  // Add call
  app.post("/v2/calls", apiRoute(401, "api:calls:create"), (request, reply) => {
    const result = validateServerAddCallRequest(request.body);
    if (!result.ok) throw Errors.badRequest(result.issues.map((i) => i.message));
    const call = result.value as unknown as CallRequest;

    const host = store.getUser(call.primaryUser);
    if (!host) throw Errors.badRequest(`primaryUser: unknown user id ${call.primaryUser}`);
    if (call.workspaceId !== undefined && !store.getWorkspace(call.workspaceId)) {
      throw Errors.badRequest(`workspaceId: unknown workspace id ${call.workspaceId}`);
    }
    const existing = store.getCallByClientUniqueId(call.clientUniqueId);
    if (existing) {
      if (ctx.settings.duplicates === "return-existing") return { requestId: request.requestId, callId: existing.id };
      throw Errors.duplicateCall(call.clientUniqueId, existing.id);
    }
    if (!host.user.active || !host.user.settings.telephonyCallsImported) throw Errors.recordingDisabled(call.primaryUser);
    if (call.downloadMediaUrl !== undefined) {
      const other = store.getCallByDownloadUrl(call.downloadMediaUrl);
      if (other) throw Errors.badRequest(`downloadMediaUrl: must be unique; already used by call ${other.id}`);
    }

    const stored = store.insertCall({
      id: newGongId(),
      clientUniqueId: call.clientUniqueId,
      workspaceId: call.workspaceId ?? DEFAULT_WORKSPACE_ID,
      primaryUserId: call.primaryUser,
      startedMs: instantOf(call.actualStart),
      request: call,
      downloadMediaUrl: call.downloadMediaUrl ?? null,
    });
    if (stored.downloadMediaUrl !== null) downloads.start(stored.id, stored.downloadMediaUrl);

    const fault = ctx.faults.afterCommit(request.method, "/v2/calls");
    if (fault === "drop") return dropConnection(request, reply);
    if (fault === "500") throw Errors.injected(500);
    return { requestId: request.requestId, callId: stored.id };
  });

  // Add call media
  app.put("/v2/calls/:id/media", apiRoute(401, "api:calls:create"), async (request, reply) => {
    reply.header("connection", "close"); // set now; removed on success so keep-alive works for good uploads
    const id = pathId(request);
    const call = store.getCall(id);
    if (!call) throw Errors.callNotFound(id);
    if (call.downloadMediaUrl !== null) throw Errors.callHasDownloadUrl(id);
    const media = await receiveUpload(request.raw, store.mediaDir, ctx.settings.maxMediaBytes);
    let file: string;
    try {
      file = await commitMedia(media, store.mediaDir, id);
    } catch (err) {
      await removeQuietly(media.tmpPath);
      throw err;
    }
    const current = store.getCall(id);
    if (!current) {
      // removed (clearCalls) while its media was on the way
      await removeQuietly(join(store.mediaDir, file));
      throw Errors.callNotFound(id);
    }
    const previous = current.media.file;
    store.setMedia(id, storedMedia(media, file, "upload"));
    if (previous !== null && previous !== file) await unlink(join(store.mediaDir, previous)).catch(() => undefined);
    reply.removeHeader("connection");
    return reply.code(201).send({ requestId: request.requestId, callId: id, url: callUrl(baseUrlOf(ctx, request), id) });
  });

  // List calls (basic)
  app.get("/v2/calls", apiRoute(401, "api:calls:read:basic"), (request) => {
    const q = request.query;
    const fromMs = dateParam("fromDateTime", queryString(q, "fromDateTime"));
    const toMs = dateParam("toDateTime", queryString(q, "toDateTime"));
    const workspaceId = idParam("workspaceId", queryString(q, "workspaceId"));
    const filter: CallFilter = {};
    if (fromMs !== undefined) filter.fromMs = fromMs;
    if (toMs !== undefined) filter.toMs = toMs;
    if (workspaceId !== undefined) filter.workspaceId = workspaceId;
    const listedBefore = ctx.faults.listedBefore();
    if (listedBefore !== undefined) filter.createdBefore = listedBefore;
    return callsPage(request, filter, fingerprint(["calls", fromMs, toMs, workspaceId]), queryString(q, "cursor"), callBasicData);
  });

  // Extensive call data (basic content: metaData, parties, context)
  app.post("/v2/calls/extensive", apiRoute(401, "api:calls:read:basic", "api:calls:read:extensive"), (request) => {
    const body: unknown = request.body ?? {};
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw Errors.badRequest("(root): must be a JSON object");
    const { filter: rawFilter, cursor } = body as { filter?: unknown; cursor?: unknown };
    if (rawFilter !== undefined && (typeof rawFilter !== "object" || rawFilter === null || Array.isArray(rawFilter))) {
      throw Errors.badRequest("filter: must be an object");
    }
    if (cursor !== undefined && typeof cursor !== "string") throw Errors.badRequest("cursor: must be a string");
    const f = (rawFilter ?? {}) as Record<string, unknown>;
    const filter: CallFilter = {};
    const fromMs = dateParam("filter.fromDateTime", f.fromDateTime);
    const toMs = dateParam("filter.toDateTime", f.toDateTime);
    const workspaceId = idParam("filter.workspaceId", f.workspaceId);
    const callIds = idListParam("filter.callIds", f.callIds);
    const primaryUserIds = idListParam("filter.primaryUserIds", f.primaryUserIds);
    if (fromMs !== undefined) filter.fromMs = fromMs;
    if (toMs !== undefined) filter.toMs = toMs;
    if (workspaceId !== undefined) filter.workspaceId = workspaceId;
    if (callIds !== undefined) filter.callIds = callIds;
    if (primaryUserIds !== undefined) filter.primaryUserIds = primaryUserIds;
    return callsPage(request, filter, fingerprint(["extensive", filter]), cursor, extensiveCall);
  });

  // One call
  app.get("/v2/calls/:id", apiRoute(401, "api:calls:read:basic"), (request) => {
    const id = pathId(request);
    const call = store.getCall(id);
    if (!call) throw Errors.callNotFound(id);
    return { requestId: request.requestId, call: callBasicData(call, baseUrlOf(ctx, request)) };
  });

  // Users (paged, avatars excluded unless asked)
  app.get("/v2/users", apiRoute(403, "api:users:read"), (request) => {
    const raw = queryString(request.query, "includeAvatars");
    if (raw !== undefined && raw !== "true" && raw !== "false") throw Errors.badRequest("includeAvatars: must be true or false");
    const includeAvatars = raw === "true";
    const fp = fingerprint(["users", includeAvatars]);
    const offset = readCursor(queryString(request.query, "cursor"), fp);
    const page = store.pageUsers(includeAvatars, offset, PAGE_SIZE);
    const next = offset + page.users.length < page.total ? makeCursor(offset + page.users.length, fp) : undefined;
    return { requestId: request.requestId, records: records(page.total, offset, page.users.length, next), users: page.users };
  });

  app.get("/v2/workspaces", apiRoute(403, "api:workspaces:read"), (request) => ({ requestId: request.requestId, workspaces: store.listWorkspaces() }));
}

/** Destroys the socket without an answer (the "dropped connection after commit" fault). */
export function dropConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket.destroy();
  return reply;
}
