/**
 * The OAuth host: a server of its own, on its own port, that serves only /oauth2/* (and the pages' stylesheet).
 * Gong's OAuth host (app.gong.io) is not its API host either: a client must call the API at the token response's
 * api_base_url_for_customer, which is the sandbox's API port.
 */
import helmet from "@fastify/helmet";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { addressKey, clientErrorHandler, CSP_DIRECTIVES, hostGuard } from "./app.js";
import type { SandboxContext } from "./context.js";
import { SandboxError } from "./errors.js";
import { OAuthError, MAX_STATE_CHARS, type ParamValue, type TokenResponse } from "./oauth.js";
import { renderConsentPage, renderOAuthErrorPage } from "./oauth-page.js";
import { PAGE_CSS } from "./page.js";

/** Largest form body the OAuth host reads (a token request is a few hundred bytes). */
export const OAUTH_BODY_LIMIT = 64 * 1024;

const FORM_TYPE = "application/x-www-form-urlencoded";
const NOT_A_FORM = `the body must be ${FORM_TYPE} (or send the parameters in the query string)`;

/** Parameters as received: each name's value, or its values when repeated. */
type Params = Record<string, ParamValue>;

function paramsOf(source: unknown): Params {
  const out: Params = Object.create(null) as Params;
  if (typeof source !== "object" || source === null) return out;
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map(String);
  }
  return out;
}

function parseForm(text: string): Params {
  const out: Params = Object.create(null) as Params;
  for (const [k, v] of new URLSearchParams(text)) {
    const seen = out[k];
    out[k] = seen === undefined ? v : [...(typeof seen === "string" ? [seen] : seen), v];
  }
  return out;
}

/** The CSP of every OAuth page, with form-action widened to the redirect target on the consent page. */
function cspWith(formAction: readonly string[]): string {
  const directives: Record<string, readonly string[]> = { ...CSP_DIRECTIVES, "form-action": formAction };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(" ")}`)
    .join("; ");
}

/** Token endpoint parameters from the query string and the form body; one given in both must agree. */
function tokenParams(request: FastifyRequest): Record<string, string | undefined> {
  const query = paramsOf(request.query);
  const body = request.body === undefined ? (Object.create(null) as Params) : (request.body as Params);
  const out: Record<string, string | undefined> = {};
  for (const name of ["grant_type", "code", "client_id", "redirect_uri", "refresh_token"]) {
    const values = [query[name], body[name]].flatMap((v) => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]));
    if (values.length > 1 && values.some((v) => v !== values[0])) {
      throw new OAuthError(400, "invalid_request", `${name}: given more than once with different values (query string and body must agree)`);
    }
    out[name] = values[0];
  }
  return out;
}

function required(params: Record<string, string | undefined>, name: string, what: string): string {
  const value = params[name];
  if (value === undefined || value === "") throw new OAuthError(400, "invalid_request", `${name}: required (${what})`);
  return value;
}

/** grant_type as recorded in tokenRequests(): only a plausible grant name, never an arbitrary (maybe secret) string. */
function recordedGrantType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z_:.-]{1,64}$/i.test(value) ? value : "(invalid)";
}

/** Builds the OAuth host, unstarted. It shares the sandbox's context (store, limits) with the API. */
export async function buildOAuthHost(ctx: SandboxContext, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const { oauth } = ctx;
  const app = Fastify({
    logger: opts.logger === true ? { level: "info", stream: process.stderr } : false,
    bodyLimit: OAUTH_BODY_LIMIT,
    forceCloseConnections: true,
    clientErrorHandler,
  });
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM_TYPE, { parseAs: "string", bodyLimit: OAUTH_BODY_LIMIT }, (_request, body, done) => {
    done(null, parseForm(typeof body === "string" ? body : body.toString("utf8")));
  });
  // Any other type: an empty body is no body (a client that sends its parameters in the query string may still
  // label the request JSON); anything else is refused.
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: OAUTH_BODY_LIMIT }, (_request, body, done) => {
    if (body.length === 0) done(null, undefined);
    else done(new OAuthError(400, "invalid_request", NOT_A_FORM), undefined);
  });

  const hostRefusal = hostGuard(app, () => ({ listenHost: ctx.settings.listenHost, baseUrl: undefined, allowedHosts: ctx.settings.allowedHosts }));
  app.addHook("onRequest", async (request, reply) => {
    const refusal = hostRefusal(request);
    if (refusal !== undefined) return reply.code(refusal.status).type("text/plain; charset=utf-8").send(`${refusal.errors.join("\n")}\n`);
  });

  const home = (): string => `${ctx.settings.baseUrl ?? ""}/`;
  const htmlPage = (reply: FastifyReply, status: number, html: string, formAction: readonly string[] = ["'self'"]): FastifyReply =>
    reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").header("content-security-policy", cspWith(formAction)).send(html);
  const badRequestPage = (reply: FastifyReply, problems: readonly string[]): FastifyReply =>
    htmlPage(reply, 400, renderOAuthErrorPage("This authorization request is not valid", problems, home()));

  app.setErrorHandler((error: FastifyError | OAuthError | SandboxError, request, reply) => {
    if (error instanceof OAuthError) {
      return reply.code(error.status).headers(error.headers).header("cache-control", "no-store").send({ error: error.error, error_description: error.description });
    }
    if (error instanceof SandboxError) return reply.code(error.status).headers(error.headers).send({ error: "invalid_request", error_description: error.errors.join("; ") });
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const description =
        status === 415 ? NOT_A_FORM : status === 413 ? `the body must be at most ${OAUTH_BODY_LIMIT} bytes` : error.message;
      return reply.code(400).send({ error: "invalid_request", error_description: description });
    }
    request.log.error(error);
    return reply.code(500).send({ error: "server_error", error_description: "Internal server error" });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split("?")[0] ?? "").slice(0, 200);
    return reply.code(404).send({
      error: "not_found",
      error_description: `Not found: ${request.method.slice(0, 16)} ${path} (this is the OAuth host: it serves /oauth2/authorize and /oauth2/generate-customer-token; call the API at the token response's api_base_url_for_customer)`,
    });
  });

  app.get("/assets/page.css", async (_request, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(PAGE_CSS));

  // The consent page.
  app.get("/oauth2/authorize", async (request, reply) => {
    const checked = oauth.checkAuthorize(paramsOf(request.query));
    if (!checked.ok) return badRequestPage(reply, checked.problems);
    const formToken = oauth.openConsent(checked.request);
    // A browser enforces form-action on the redirect that answers the form too: the app's origin is allowed.
    return htmlPage(reply, 200, renderConsentPage(checked.request, formToken, home()), ["'self'", new URL(checked.request.redirectUri).origin]);
  });

  // The consent form's answer: a redirect to the app with a code (Approve) or error=access_denied (Deny).
  app.post("/oauth2/authorize", async (request, reply) => {
    // A browser says where a form came from: Sec-Fetch-Site, else Origin ("null" under Referrer-Policy: no-referrer).
    const fetchSite = request.headers["sec-fetch-site"];
    const origin = request.headers.origin;
    const crossSite =
      fetchSite !== undefined ? fetchSite !== "same-origin" : origin !== undefined && origin !== "null" && origin !== `${request.protocol}://${request.host}`;
    if (crossSite) {
      return htmlPage(reply, 403, renderOAuthErrorPage("Refused", ["the consent form must be sent from the consent page itself"], home()));
    }
    const body = request.body === undefined ? paramsOf({}) : (request.body as Params);
    const one = (name: string): string | undefined => {
      const v = body[name];
      return typeof v === "string" ? v : undefined;
    };
    const formToken = one("form_token");
    const decision = one("decision");
    if (formToken === undefined || formToken.length > 200) return badRequestPage(reply, ["form_token: required (open the consent page and answer its form)"]);
    if (decision !== "approve" && decision !== "deny") return badRequestPage(reply, ["decision: must be approve or deny"]);
    const consent = oauth.takeConsent(formToken);
    if (consent === undefined) return badRequestPage(reply, ["form_token: unknown, already used or expired (consent pages are valid for 10 minutes): open the consent page again"]);
    // The form repeats the request's parameters; they must be the ones the page was shown for.
    const shown: Record<string, string | undefined> = {
      client_id: consent.clientId,
      redirect_uri: consent.redirectUri,
      scope: consent.scopes.join(" "),
      state: consent.state,
    };
    const changed = Object.entries(shown)
      .filter(([name, value]) => body[name] !== undefined && body[name] !== value)
      .map(([name]) => `${name}: differs from the request the consent page was shown for`);
    if (changed.length > 0) return badRequestPage(reply, changed);
    const target = new URL(consent.redirectUri);
    if (decision === "approve") target.searchParams.set("code", oauth.issueCode(consent));
    else target.searchParams.set("error", "access_denied");
    if (consent.state !== undefined && consent.state.length <= MAX_STATE_CHARS) target.searchParams.set("state", consent.state);
    return reply.code(302).header("cache-control", "no-store").header("location", target.toString()).send();
  });

  // The token endpoint. Every call is recorded (tokenRequests()), refusals by the body parser included.
  const TOKEN_PATH = "/oauth2/generate-customer-token";
  const outcome = new WeakMap<FastifyRequest, { grantType?: string | undefined; error?: string }>();
  app.addHook("onResponse", (request, reply, done) => {
    if (request.routeOptions.url === TOKEN_PATH && ctx.store.db.open) {
      const seen = outcome.get(request);
      const query = paramsOf(request.query).grant_type;
      const grantType = seen?.grantType ?? (typeof query === "string" ? query : undefined);
      const error = seen?.error ?? (reply.statusCode >= 400 ? "invalid_request" : undefined);
      oauth.logTokenRequest({ at: new Date().toISOString(), grantType: recordedGrantType(grantType), status: reply.statusCode, ...(error === undefined ? {} : { error }) });
    }
    done();
  });
  app.addHook("onError", (request, _reply, error, done) => {
    if (request.routeOptions.url === TOKEN_PATH) outcome.set(request, { ...outcome.get(request), error: error instanceof OAuthError ? error.error : "invalid_request" });
    done();
  });

  /** A scripted fault's answer: the connection dropped, or a 5xx/429 in the OAuth shape. */
  const injected = (request: FastifyRequest, reply: FastifyReply, fault: { kind: "drop" } | { kind: "status"; status: number; retryAfterSeconds?: number }): FastifyReply => {
    if (fault.kind === "drop") {
      // A hijacked reply skips onResponse: recorded here, with status 0 (no answer).
      const seen = outcome.get(request);
      oauth.logTokenRequest({ at: new Date().toISOString(), grantType: recordedGrantType(seen?.grantType), status: 0, error: "dropped" });
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    const error = fault.status === 503 ? "temporarily_unavailable" : fault.status === 429 ? "too_many_requests" : "server_error";
    outcome.set(request, { ...outcome.get(request), error });
    if (fault.status === 429) reply.header("retry-after", String(fault.retryAfterSeconds ?? 1));
    return reply.code(fault.status).header("cache-control", "no-store").send({ error, error_description: `injected fault (${fault.status})` });
  };

  app.post(TOKEN_PATH, async (request, reply) => {
    const body = request.body as Params | undefined;
    const rawGrant = paramsOf(request.query).grant_type ?? body?.grant_type;
    outcome.set(request, { grantType: typeof rawGrant === "string" ? rawGrant : undefined });
    const before = ctx.faults.oauthBefore(request.method, TOKEN_PATH);
    if (before !== undefined) return injected(request, reply, before);
    if (!oauth.isClientAuthorization(request.headers.authorization)) {
      const wait = ctx.authFailures.fail(addressKey(request.ip));
      if (wait > 0) {
        throw new OAuthError(429, "too_many_requests", "too many failed authentication attempts from this address", { "retry-after": String(wait) });
      }
      throw new OAuthError(401, "invalid_client", "client authentication failed: send Authorization: Basic base64(client_id:client_secret)", {
        "www-authenticate": 'Basic realm="gong-sandbox-oauth"',
      });
    }
    const params = tokenParams(request);
    if (params.client_id !== undefined && !oauth.isClientId(params.client_id)) {
      throw new OAuthError(400, "invalid_request", "client_id: does not match the client that authenticated");
    }
    let answer: TokenResponse;
    switch (params.grant_type) {
      case undefined:
      case "":
        throw new OAuthError(400, "invalid_request", "grant_type: required (authorization_code or refresh_token)");
      case "authorization_code":
        answer = oauth.exchangeCode(
          required(params, "code", "the code the redirect brought"),
          required(params, "client_id", "the OAuth app's client id"),
          required(params, "redirect_uri", "the redirect_uri given to /oauth2/authorize"),
        );
        break;
      case "refresh_token":
        answer = oauth.refresh(required(params, "refresh_token", "the refresh token of the last token response"));
        break;
      default:
        throw new OAuthError(400, "unsupported_grant_type", "grant_type: must be authorization_code or refresh_token");
    }
    // The tokens are issued (a refresh token given is spent); a scripted fault may lose the answer now.
    const after = ctx.faults.oauthAfterCommit(request.method, TOKEN_PATH);
    if (after !== undefined) return injected(request, reply, after === "drop" ? { kind: "drop" } : { kind: "status", status: 500 });
    return reply.code(200).header("cache-control", "no-store").header("pragma", "no-cache").send(answer);
  });

  return app;
}
