import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { registerAdminRoutes } from "./admin.js";
import { dropConnection, registerApiRoutes } from "./api.js";
import { createContext, type SandboxContext, type SandboxOptions } from "./context.js";
import { DownloadQueue } from "./downloads.js";
import { Errors, SandboxError, errorBody } from "./errors.js";
import { newRequestId } from "./ids.js";
import { registerPageRoutes } from "./page-routes.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Opaque per-request reference, returned in every body and kept in the store. */
    requestId: string;
    /** Who made the request: `key:<accessKey>` or `token:<hash>`; null before auth. */
    principal: string | null;
  }
  interface FastifyInstance {
    sandbox: SandboxContext;
    downloads: DownloadQueue;
  }
}

const JSON_BODY_LIMIT = 10 * 1024 * 1024;

function pathOf(url: string): string {
  const i = url.indexOf("?");
  return i === -1 ? url : url.slice(0, i);
}

/** The scope a Bearer token needs for a /v2 request, and which status refuses it (401 on calls, 403 elsewhere). */
function accessRule(method: string, path: string): { scopes: readonly string[]; status: 401 | 403 } {
  if (path === "/v2/calls" || path.startsWith("/v2/calls/")) {
    if (method === "POST" && path === "/v2/calls") return { scopes: ["api:calls:create"], status: 401 };
    if (method === "PUT" && path.endsWith("/media")) return { scopes: ["api:calls:create"], status: 401 };
    if (path === "/v2/calls/extensive") return { scopes: ["api:calls:read:basic", "api:calls:read:extensive"], status: 401 };
    return { scopes: ["api:calls:read:basic"], status: 401 };
  }
  if (path === "/v2/users" || path.startsWith("/v2/users/")) return { scopes: ["api:users:read"], status: 403 };
  if (path === "/v2/workspaces") return { scopes: ["api:workspaces:read"], status: 403 };
  return { scopes: [], status: 403 };
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return ha.equals(hb);
}

/** Checks Basic or Bearer credentials; returns the principal (never containing a secret) or throws 401/403. */
function authenticate(ctx: SandboxContext, request: FastifyRequest, path: string): string {
  const { scopes, status } = accessRule(request.method, path);
  const denied = status === 401 ? Errors.unauthorized : Errors.forbidden;
  const header = request.headers.authorization ?? "";
  const m = /^(Basic|Bearer)\s+(.+)$/i.exec(header.trim());
  if (!m) throw denied();
  const scheme = (m[1] ?? "").toLowerCase();
  const value = m[2] ?? "";
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw denied();
    const key = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (!safeEqual(key, ctx.accessKey) || !safeEqual(secret, ctx.accessKeySecret)) throw denied();
    return `key:${key}`;
  }
  const granted = ctx.tokens.get(value);
  if (granted === undefined) throw denied();
  if (scopes.length > 0 && !scopes.some((s) => granted.includes(s))) throw Errors.missingScope(status, scopes[0] ?? "");
  return `token:${createHash("sha256").update(value).digest("hex").slice(0, 12)}`;
}

/** Builds the sandbox app, unstarted (tests may `inject()` or `listen()`). */
export async function buildSandbox(opts: SandboxOptions): Promise<FastifyInstance> {
  const ctx = createContext(opts);
  const app = Fastify({ logger: opts.logger === true, bodyLimit: JSON_BODY_LIMIT, forceCloseConnections: true });
  const downloads = new DownloadQueue(ctx);
  app.decorate("sandbox", ctx);
  app.decorate("downloads", downloads);
  app.decorateRequest("requestId", "");
  app.decorateRequest("principal", null);

  // Multipart bodies are streamed by the media route itself, never parsed or buffered here.
  app.addContentTypeParser("multipart/form-data", (_request, _payload, done) => {
    done(null, undefined);
  });

  app.addHook("onRequest", async (request, reply) => {
    request.requestId = newRequestId();
    const path = pathOf(request.url);
    if (!path.startsWith("/v2/")) return;
    const latency = ctx.faults.latencyMs();
    if (latency > 0) await sleep(latency);
    request.principal = authenticate(ctx, request, path);
    const decision = ctx.limiter.take(request.principal);
    if (!decision.ok) throw Errors.rateLimited(decision.retryAfterSeconds, decision.daily);
    const fault = ctx.faults.before(request.method, path);
    if (fault?.kind === "drop") return dropConnection(request, reply);
    if (fault?.kind === "status") throw Errors.injected(fault.status, fault.retryAfterSeconds);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const path = pathOf(request.url);
    if ((!path.startsWith("/v2/") && !path.startsWith("/__sandbox/")) || !ctx.store.db.open) {
      done();
      return;
    }
    ctx.store.logRequest({
      requestId: request.requestId,
      at: new Date().toISOString(),
      method: request.method,
      path,
      status: reply.statusCode,
      principal: request.principal,
    });
    done();
  });

  app.setErrorHandler((error: FastifyError | SandboxError, request, reply) => {
    if (error instanceof SandboxError) {
      return reply.code(error.status).headers(error.headers).send(errorBody(request.requestId, error.errors));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own refusals (bad JSON, body too large, unsupported content type) are plain 400s in Gong's shape.
      const code = status === 413 || status === 415 ? 400 : status;
      return reply.code(code).send(errorBody(request.requestId, [error.message]));
    }
    request.log.error(error);
    return reply.code(500).send(errorBody(request.requestId, ["Internal server error"]));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(request.requestId, [`Not found: ${request.method} ${pathOf(request.url)}`])),
  );

  registerApiRoutes(app, ctx, downloads);
  registerPageRoutes(app, ctx);
  if (ctx.adminToken !== undefined) registerAdminRoutes(app, ctx, downloads);

  app.addHook("onReady", (done) => {
    downloads.resumePending();
    done();
  });
  app.addHook("onClose", async () => {
    await downloads.close();
    ctx.store.close();
  });
  return app;
}
