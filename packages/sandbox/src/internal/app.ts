import helmet from "@fastify/helmet";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import ipaddr from "ipaddr.js";
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isAdminAuthorization, registerAdminRoutes } from "./admin.js";
import { dropConnection, registerApiRoutes, type ApiAccess } from "./api.js";
import { createContext, type SandboxContext, type SandboxOptions } from "./context.js";
import { DownloadQueue } from "./downloads.js";
import { Errors, SandboxError, errorBody } from "./errors.js";
import { hostAllowed, hostRules, type HostRule, type HostRuleInput } from "./hosts.js";
import { newRequestId } from "./ids.js";
import { registerPageRoutes } from "./page-routes.js";
import { jsonDeeperThan } from "@gong-connector/schema";

export { jsonDeeperThan };

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
  interface FastifyContextConfig {
    /** "api": Gong's API (credentials, limits, faults, log); "admin": the admin API (admin token, log); else a page. */
    surface?: "api" | "admin";
    access?: ApiAccess;
  }
}

const JSON_BODY_LIMIT = 10 * 1024 * 1024;
/** Deepest JSON body accepted; Gong's deepest request (context objects' fields) is far shallower. */
export const MAX_JSON_DEPTH = 64;

/** Every response's Content-Security-Policy: pages load scripts, styles and media from the sandbox only. */
export const CSP_DIRECTIVES = {
  "default-src": ["'none'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "media-src": ["'self'"],
  "connect-src": ["'self'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
} as const;

/** What the route a request reached is: decided on the ROUTED path, so no encoding of a path can skip a check. */
type Surface = "api" | "admin" | "page" | "none";

function surfaceOf(request: FastifyRequest): Surface {
  if (request.is404) return "none";
  return request.routeOptions.config.surface ?? "page";
}

function pathOf(url: string): string {
  const i = url.indexOf("?");
  return i === -1 ? url : url.slice(0, i);
}

/** The routed path with its parameters filled in (`/v2/calls/123/media`), whatever encoding the client sent. */
function routedPath(request: FastifyRequest): string {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return (request.routeOptions.url ?? "").replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = params[name];
    return typeof value === "string" ? value : "";
  });
}


/** The client address failed authentications are counted against (an IPv6 client by its /64). */
export function addressKey(ip: string | undefined): string {
  if (ip === undefined || !ipaddr.isValid(ip)) return "unknown";
  const addr = ipaddr.process(ip);
  if (addr.kind() === "ipv4") return addr.toString();
  return `${(addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(":")}::/64`;
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return ha.equals(hb);
}

/** Checks Basic or Bearer credentials: the principal (never containing a secret), or the refusal. */
function authenticate(ctx: SandboxContext, header: string | undefined, access: ApiAccess): { principal: string } | { refusal: SandboxError; bad: boolean } {
  const { scopes, status } = access;
  const denied = { refusal: status === 401 ? Errors.unauthorized() : Errors.forbidden(), bad: true };
  const m = /^(Basic|Bearer) +(\S+)$/i.exec((header ?? "").trim());
  if (!m) return denied;
  const scheme = (m[1] ?? "").toLowerCase();
  const value = m[2] ?? "";
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return denied;
    const key = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (!safeEqual(key, ctx.accessKey) || !safeEqual(secret, ctx.accessKeySecret)) return denied;
    return { principal: `key:${key}` };
  }
  const fixed = ctx.tokens.get(value);
  // An OAuth access token is known by its grant, so refreshing it keeps its rate-limit budget.
  const oauth = fixed === undefined ? ctx.oauth.accessGrant(value) : undefined;
  const granted = fixed ?? oauth?.scopes;
  if (granted === undefined) return denied;
  if (scopes.length > 0 && !scopes.some((s) => granted.includes(s))) return { refusal: Errors.missingScope(status, scopes[0] ?? ""), bad: false };
  if (oauth !== undefined) return { principal: `oauth:${oauth.grantId}` };
  return { principal: `token:${createHash("sha256").update(value).digest("hex").slice(0, 12)}` };
}

/**
 * A check of a request's Host (and absolute-form target) against the names the app answers to: the refusal, or
 * undefined. The rules are fixed once the app listens (its bound address and port are part of them).
 */
export function hostGuard(app: FastifyInstance, input: () => Omit<HostRuleInput, "bound">): (request: FastifyRequest) => SandboxError | undefined {
  let listeningRules: HostRule[] | undefined;
  const rulesNow = (): HostRule[] => {
    if (listeningRules !== undefined) return listeningRules;
    const address = app.server.listening ? app.server.address() : null;
    const bound = typeof address === "object" && address !== null ? address : undefined;
    const rules = hostRules({ ...input(), bound });
    if (bound !== undefined) listeningRules = rules;
    return rules;
  };
  return (request) => {
    const host = request.headers.host;
    if (host === undefined || host === "") return Errors.hostRequired();
    if (!hostAllowed(host, rulesNow())) return Errors.misdirected();
    const target = request.raw.url ?? "";
    if (!target.startsWith("/") && target !== "*") {
      // absolute-form request target: its authority must be allowed too
      let authority = "";
      try {
        authority = new URL(target).host;
      } catch {
        return Errors.badRequest("Malformed request target");
      }
      if (!hostAllowed(authority, rulesNow())) return Errors.misdirected();
    }
    return undefined;
  };
}

/** Answers a request the HTTP parser refused (malformed, headers too large) in Gong's error shape. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === "ECONNRESET" || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const message = status === 431 ? "Request header fields too large" : status === 408 ? "Request timeout" : "Malformed HTTP request";
  const body = JSON.stringify(errorBody(newRequestId(), [message]));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Builds the sandbox app, unstarted (tests may `inject()` or `listen()`). */
export async function buildSandbox(opts: SandboxOptions): Promise<FastifyInstance> {
  const ctx = createContext(opts);
  const app = Fastify({
    logger: opts.logger === true ? { level: "info", stream: process.stderr } : false,
    bodyLimit: JSON_BODY_LIMIT,
    forceCloseConnections: true,
    clientErrorHandler,
  });
  const downloads = new DownloadQueue(ctx);
  app.decorate("sandbox", ctx);
  app.decorate("downloads", downloads);
  app.decorateRequest("requestId", "");
  app.decorateRequest("principal", null);

  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });

  // Multipart bodies are streamed by the media route itself, never parsed or buffered here.
  app.addContentTypeParser("multipart/form-data", (_request, _payload, done) => {
    done(null, undefined);
  });
  // JSON: too deep a body is refused before it is parsed (deep structures overflow the stack downstream).
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
      done(Errors.tooDeep(MAX_JSON_DEPTH), undefined);
      return;
    }
    void parseJson(request, text, done);
  });

  const hostRefusal = hostGuard(app, () => ({ listenHost: ctx.settings.listenHost, baseUrl: ctx.settings.baseUrl, allowedHosts: ctx.settings.allowedHosts }));

  /** A failed authentication: counted against the client's address; past its budget the answer is 429. */
  const failed = (request: FastifyRequest, refusal: SandboxError): SandboxError => {
    const wait = ctx.authFailures.fail(addressKey(request.ip));
    return wait > 0 ? Errors.tooManyFailures(wait) : refusal;
  };

  app.addHook("onRequest", async (request, reply) => {
    request.requestId = newRequestId();
    const surface = surfaceOf(request);
    const refusal = hostRefusal(request);
    if (refusal !== undefined) {
      if (surface === "page") {
        return reply.code(refusal.status).type("text/plain; charset=utf-8").send(`${refusal.errors.join("\n")}\n`);
      }
      throw refusal;
    }
    if (surface === "admin") {
      if (!isAdminAuthorization(ctx, request.headers.authorization)) throw failed(request, Errors.adminDenied());
      request.principal = "admin";
      return;
    }
    if (surface !== "api") return;
    const access = request.routeOptions.config.access ?? { scopes: [], status: 403 };
    const path = routedPath(request);
    const latency = ctx.faults.latencyMs();
    if (latency > 0) await sleep(latency);
    const auth = authenticate(ctx, request.headers.authorization, access);
    if ("refusal" in auth) throw auth.bad ? failed(request, auth.refusal) : auth.refusal;
    request.principal = auth.principal;
    const decision = ctx.limiter.take(request.principal);
    if (!decision.ok) throw Errors.rateLimited(decision.retryAfterSeconds, decision.daily);
    const fault = ctx.faults.before(request.method, path);
    if (fault?.kind === "drop") return dropConnection(request, reply);
    if (fault?.kind === "status") throw Errors.injected(fault.status, fault.retryAfterSeconds);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const surface = surfaceOf(request);
    if (surface === "page" || !ctx.store.db.open) {
      done();
      return;
    }
    const path = surface === "none" ? pathOf(request.url).slice(0, 1000) : routedPath(request);
    ctx.store.logRequest({
      requestId: request.requestId,
      at: new Date().toISOString(),
      method: request.method.slice(0, 32),
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

  app.setNotFoundHandler((request, reply) => {
    const error = Errors.notFoundRoute(request.method, pathOf(request.url));
    return reply.code(404).send(errorBody(request.requestId, error.errors));
  });

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
