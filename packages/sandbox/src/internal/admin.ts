import type { FastifyInstance, FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import type { SandboxCall } from "../types.js";
import { baseUrlOf } from "./api.js";
import type { SandboxContext } from "./context.js";
import {
  changeFaults,
  changeSettings,
  changeUser,
  callView,
  clearCalls,
  faultState,
  InvalidChange,
  issueTokens,
  recentRequests,
  requestLimit,
  settingsView,
} from "./control.js";
import type { DownloadQueue } from "./downloads.js";
import { Errors } from "./errors.js";
import { SEED_USERS, SEED_WORKSPACES, DEFAULT_WORKSPACE_ID } from "./seed.js";
import type { StoredCall } from "./store.js";

/** Path prefix of the admin API; Gong has nothing under it. */
export const ADMIN_PREFIX = "/__sandbox";

/** Runs a change, answering 400 with its issues when it breaks a rule. */
function checked<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof InvalidChange) throw Errors.badRequest(err.issues);
    throw err;
  }
}

/** A call as the admin API lists it: without its request (GET /__sandbox/calls/{id} has it). */
function listedCall(call: StoredCall, baseUrl: string): Omit<SandboxCall, "request"> {
  const { request: _request, ...rest } = callView(call, baseUrl);
  return rest;
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
        oauthUrl: ctx.settings.oauthUrl,
        oauthClientId: ctx.oauth.clientId,
        tokenTtlSeconds: ctx.oauth.tokenTtlSeconds,
      }));

      admin.get("/calls", (request) => {
        const base = baseUrlOf(ctx, request);
        const calls = ctx.store.allCalls();
        return { requestId: request.requestId, total: calls.length, calls: calls.map((c) => listedCall(c, base)) };
      });

      admin.delete("/calls", async (request) => ({ requestId: request.requestId, deleted: await clearCalls(ctx, downloads) }));

      admin.get("/calls/:id", (request) => {
        const id = (request.params as { id: string }).id;
        const call = ctx.store.getCall(id);
        if (!call) throw Errors.callNotFound(id);
        return { requestId: request.requestId, call: callView(call, baseUrlOf(ctx, request)) };
      });

      /** Waits until no downloadMediaUrl fetch is under way. */
      admin.post("/downloads/wait", async (request) => {
        await downloads.idle();
        return { requestId: request.requestId, ok: true };
      });

      admin.get("/faults", (request) => ({ requestId: request.requestId, ...faultState(ctx) }));
      const setFaults = (request: FastifyRequest) => ({ requestId: request.requestId, ...checked(() => changeFaults(ctx, request.body)) });
      admin.put("/faults", setFaults);
      admin.post("/faults", setFaults);
      admin.delete("/faults", (request) => {
        ctx.faults.reset();
        return { requestId: request.requestId, ...faultState(ctx) };
      });

      const setUser = (request: FastifyRequest) => {
        const id = (request.params as { id: string }).id;
        const user = checked(() => changeUser(ctx, id, request.body));
        if (!user) throw Errors.notFound(`User ${id}`);
        return { requestId: request.requestId, user };
      };
      admin.patch("/users/:id", setUser);
      admin.put("/users/:id/settings", setUser);

      admin.get("/settings", (request) => ({ requestId: request.requestId, ...settingsView(ctx) }));
      admin.put("/settings", (request) => ({ requestId: request.requestId, ...checked(() => changeSettings(ctx, request.body)) }));

      admin.get("/requests", (request) => {
        const limit = checked(() => requestLimit((request.query as { limit?: unknown }).limit));
        return { requestId: request.requestId, total: ctx.store.countRequests(), requests: recentRequests(ctx, limit) };
      });
      admin.delete("/requests", (request) => {
        ctx.store.clearRequests();
        return { requestId: request.requestId, ok: true };
      });

      // The OAuth host's state, for tools that drive the sandbox over HTTP.
      admin.get("/oauth/token-requests", (request) => ({ requestId: request.requestId, tokenRequests: ctx.oauth.tokenRequests() }));
      admin.delete("/oauth/token-requests", (request) => {
        ctx.oauth.clearTokenRequests();
        return { requestId: request.requestId, ok: true };
      });
      admin.post("/oauth/tokens", (request) => ({ requestId: request.requestId, ...checked(() => issueTokens(ctx, request.body ?? {})) }));
      admin.post("/oauth/expire-access-tokens", (request) => {
        ctx.oauth.expireAccessTokens();
        return { requestId: request.requestId, ok: true };
      });
      pluginDone();
    },
    { prefix: ADMIN_PREFIX },
  );
}
