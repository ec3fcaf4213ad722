import type { FastifyInstance } from "fastify";
import { createHash } from "node:crypto";
import { z } from "zod";
import { baseUrlOf } from "./api.js";
import type { SandboxContext } from "./context.js";
import type { DownloadQueue } from "./downloads.js";
import { Errors } from "./errors.js";
import type { ScriptedFault } from "./faults.js";
import { SEED_USERS, SEED_WORKSPACES, DEFAULT_WORKSPACE_ID } from "./seed.js";
import type { StoredCall } from "./store.js";
import { callUrl, isoUtc } from "./views.js";

/** Path prefix of the admin API; Gong has nothing under it. */
export const ADMIN_PREFIX = "/__sandbox";

const share = z.number().min(0).max(1);
const faultsBody = z.strictObject({
  error500: share.optional(),
  error503: share.optional(),
  error429: share.optional(),
  latencyMs: z.number().min(0).max(600_000).optional(),
  dropAfterCommit: share.optional(),
  errorAfterCommit: share.optional(),
  listDelayMs: z.number().min(0).max(86_400_000).optional(),
  script: z
    .array(
      z.strictObject({
        fault: z.enum(["500", "503", "429", "drop", "drop-after-commit", "500-after-commit"]),
        method: z.string().optional(),
        path: z.string().optional(),
        count: z.number().int().min(1).optional(),
        retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
      }),
    )
    .optional(),
});

const userBody = z.strictObject({ telephonyCallsImported: z.boolean().optional(), active: z.boolean().optional() });

const settingsBody = z.strictObject({
  duplicates: z.enum(["conflict", "return-existing"]).optional(),
  ratePerSecond: z.number().min(0).optional(),
  ratePerDay: z.number().min(0).optional(),
  daySeconds: z.number().int().min(1).max(86_400).optional(),
  authFailureLimit: z.number().int().min(0).max(10_000).optional(),
  resetRateLimits: z.boolean().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw Errors.badRequest(r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  return r.data;
}

/** A call as the admin API lists it: ids, times and the media's state, sha256 and size. */
export function adminCall(call: StoredCall, baseUrl: string, withRequest: boolean): Record<string, unknown> {
  const m = call.media;
  const out: Record<string, unknown> = {
    id: call.id,
    clientUniqueId: call.clientUniqueId,
    workspaceId: call.workspaceId,
    primaryUserId: call.primaryUserId,
    started: isoUtc(call.startedMs),
    createdAt: call.createdAt,
    title: call.request.title ?? null,
    url: callUrl(baseUrl, call.id),
    downloadMediaUrl: call.downloadMediaUrl,
    media: {
      state: m.state,
      source: m.source,
      fileName: m.fileName,
      format: m.format,
      contentType: m.contentType,
      size: m.size,
      sha256: m.sha256,
      error: m.error,
      updatedAt: m.updatedAt,
    },
  };
  if (withRequest) out.request = call.request;
  return out;
}

/** Whether an Authorization header is `Bearer <admin token>` (scheme in any case; token compared in constant time). */
export function isAdminAuthorization(ctx: SandboxContext, header: string | undefined): boolean {
  const token = ctx.adminToken;
  if (token === undefined || token === "") return false;
  const given = /^Bearer +(\S+)$/i.exec((header ?? "").trim())?.[1] ?? "";
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return digest(given).equals(digest(token)) && given !== "";
}

/** The admin API under ADMIN_PREFIX; every route is marked `surface: "admin"`, so app.ts demands the admin token. */
export function registerAdminRoutes(app: FastifyInstance, ctx: SandboxContext, downloads: DownloadQueue): void {
  void app.register(
    (admin, _opts, pluginDone) => {
      admin.addHook("onRoute", (route) => {
        route.config = { ...route.config, surface: "admin" };
      });

      admin.get("/info", (request) => ({
        requestId: request.requestId,
        baseUrl: baseUrlOf(ctx, request),
        dataDir: ctx.store.dataDir,
        users: SEED_USERS,
        workspaces: SEED_WORKSPACES,
        defaultWorkspaceId: DEFAULT_WORKSPACE_ID,
        duplicates: ctx.settings.duplicates,
        rateLimit: ctx.limiter.config,
        maxMediaBytes: ctx.settings.maxMediaBytes,
      }));

      admin.get("/calls", (request) => {
        const base = baseUrlOf(ctx, request);
        const calls = ctx.store.allCalls();
        return { requestId: request.requestId, total: calls.length, calls: calls.map((c) => adminCall(c, base, false)) };
      });

      admin.get("/calls/:id", (request) => {
        const id = (request.params as { id: string }).id;
        const call = ctx.store.getCall(id);
        if (!call) throw Errors.callNotFound(id);
        return { requestId: request.requestId, call: adminCall(call, baseUrlOf(ctx, request), true) };
      });

      /** Waits until no downloadMediaUrl fetch is under way. */
      admin.post("/downloads/wait", async (request) => {
        await downloads.idle();
        return { requestId: request.requestId, ok: true };
      });

      admin.get("/faults", (request) => ({ requestId: request.requestId, ...ctx.faults.get() }));

      const setFaults = (body: unknown): void => {
        const { script, ...config } = parse(faultsBody, body);
        const partial: Record<string, number> = {};
        for (const [k, v] of Object.entries(config)) if (v !== undefined) partial[k] = v;
        ctx.faults.set(partial);
        if (script) {
          ctx.faults.push(
            script.map((s) => {
              const entry: ScriptedFault = { fault: s.fault };
              if (s.method !== undefined) entry.method = s.method;
              if (s.path !== undefined) entry.path = s.path;
              if (s.count !== undefined) entry.count = s.count;
              if (s.retryAfterSeconds !== undefined) entry.retryAfterSeconds = s.retryAfterSeconds;
              return entry;
            }),
          );
        }
      };
      admin.put("/faults", (request) => {
        setFaults(request.body);
        return { requestId: request.requestId, ...ctx.faults.get() };
      });
      admin.post("/faults", (request) => {
        setFaults(request.body);
        return { requestId: request.requestId, ...ctx.faults.get() };
      });
      admin.delete("/faults", (request) => {
        ctx.faults.reset();
        return { requestId: request.requestId, ...ctx.faults.get() };
      });

      const updateUser = (id: string, body: unknown): Record<string, unknown> => {
        const change = parse(userBody, body);
        const patch: { telephonyCallsImported?: boolean; active?: boolean } = {};
        if (change.telephonyCallsImported !== undefined) patch.telephonyCallsImported = change.telephonyCallsImported;
        if (change.active !== undefined) patch.active = change.active;
        const user = ctx.store.updateUser(id, patch);
        if (!user) throw Errors.notFound(`User ${id}`);
        return { user };
      };
      admin.patch("/users/:id", (request) => ({
        requestId: request.requestId,
        ...(updateUser((request.params as { id: string }).id, request.body)),
      }));
      admin.put("/users/:id/settings", (request) => ({
        requestId: request.requestId,
        ...(updateUser((request.params as { id: string }).id, request.body)),
      }));

      admin.get("/settings", (request) => ({
        requestId: request.requestId,
        duplicates: ctx.settings.duplicates,
        ratePerSecond: ctx.limiter.config.perSecond,
        ratePerDay: ctx.limiter.config.perDay,
        daySeconds: ctx.limiter.config.daySeconds ?? 86_400,
        authFailureLimit: ctx.authFailures.config.limit,
      }));
      admin.put("/settings", (request) => {
        const s = parse(settingsBody, request.body);
        if (s.duplicates !== undefined) ctx.settings.duplicates = s.duplicates;
        if (s.ratePerSecond !== undefined) ctx.limiter.config.perSecond = s.ratePerSecond;
        if (s.ratePerDay !== undefined) ctx.limiter.config.perDay = s.ratePerDay;
        if (s.daySeconds !== undefined) ctx.limiter.config.daySeconds = s.daySeconds;
        if (s.authFailureLimit !== undefined) ctx.authFailures.config.limit = s.authFailureLimit;
        if (s.resetRateLimits === true) {
          ctx.limiter.reset();
          ctx.authFailures.reset();
        }
        return {
          requestId: request.requestId,
          duplicates: ctx.settings.duplicates,
          ratePerSecond: ctx.limiter.config.perSecond,
          ratePerDay: ctx.limiter.config.perDay,
          daySeconds: ctx.limiter.config.daySeconds ?? 86_400,
          authFailureLimit: ctx.authFailures.config.limit,
        };
      });

      admin.get("/requests", (request) => {
        const raw = Number((request.query as { limit?: string }).limit ?? "100");
        const limit = Number.isInteger(raw) && raw > 0 ? Math.min(raw, 10_000) : 100;
        return { requestId: request.requestId, total: ctx.store.countRequests(), requests: ctx.store.recentRequests(limit) };
      });
      pluginDone();
    },
    { prefix: ADMIN_PREFIX },
  );
}
