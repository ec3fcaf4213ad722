/**
 * The console at `/`: a login with the token (then an HttpOnly session cookie), counts by status, the rate, the
 * quota, recent calls and failures with a Retry button, updated live (server-sent events), and an Add call form built
 * from the action's JSON Schema. Pages carry no inline script or style: they run under a strict CSP.
 */
import helmet from "@fastify/helmet";
import { serialize } from "cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { addCallJsonSchema } from "@gong-connector/schema";
import { errorBody } from "../api.js";
import { RelayAuth, type RelayContext } from "../context.js";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets.js";
import { callPageBase } from "./links.js";
import { LiveHub, MAX_STREAMS } from "./live.js";
import { consolePage, loginPage } from "./pages.js";
import { PickListCache } from "./pick-lists.js";

export { passesCsrfCheck } from "./csrf.js";

/** How long the users and workspaces read from Gong are reused (each walk costs quota). */
const PICK_LIST_TTL_MS = 5 * 60_000;
const LOGIN_BODY_LIMIT = 8 * 1024;

const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
};

function sessionCookie(req: FastifyRequest, value: string, clear = false): string {
  return serialize(RelayAuth.COOKIE, value, {
    httpOnly: true,
    sameSite: "strict",
    path: "/",
    secure: req.protocol === "https",
    ...(clear && { maxAge: 0, expires: new Date(0) }),
  });
}

function html(reply: FastifyReply, code: number, body: string): FastifyReply {
  return reply.code(code).type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);
}

function wantsJson(req: FastifyRequest): boolean {
  const type = req.headers["content-type"] ?? "";
  return type.startsWith("application/json");
}

export async function registerConsole(ctx: RelayContext): Promise<void> {
  const { app } = ctx;
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: false,
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
  });

  const hub = new LiveHub(ctx, callPageBase(ctx.client.baseURL));
  const pickLists = new PickListCache(ctx.client, PICK_LIST_TTL_MS);
  app.addHook("onClose", () => {
    hub.close();
  });

  app.get("/assets/console.css", async (_req, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(CONSOLE_CSS));
  app.get("/assets/console.js", async (_req, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(CONSOLE_JS));

  app.get("/login", (_req, reply) => {
    html(reply, 200, loginPage());
  });

  await app.register((scope, _opts, done) => {
    // The login form posts urlencoded; JSON is taken too. Nothing else is parsed in this scope's routes.
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: LOGIN_BODY_LIMIT }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(typeof body === "string" ? body : body.toString("utf8"))));
    });
    scope.post("/login", { bodyLimit: LOGIN_BODY_LIMIT }, async (req, reply) => {
      const body = req.body;
      const token = typeof body === "object" && body !== null && typeof (body as { token?: unknown }).token === "string" ? (body as { token: string }).token : "";
      if (!ctx.auth.isToken(token)) {
        ctx.log.warn({ ip: req.ip }, "console login refused");
        if (wantsJson(req)) return reply.code(401).send(errorBody("wrong token"));
        return html(reply, 401, loginPage("Wrong token: give the token serve printed first (or GONG_SERVE_TOKEN)."));
      }
      return reply.header("set-cookie", sessionCookie(req, ctx.auth.sessionValue())).redirect("/", 303);
    });
    done();
  });

  app.post("/logout", (req, reply) => {
    reply.header("set-cookie", sessionCookie(req, "", true)).redirect("/login", 303);
  });

  app.get("/", (_req, reply) => {
    html(reply, 200, consolePage());
  });

  app.get("/console/schema", () => addCallJsonSchema());

  const sendPickLists = async (refresh: boolean, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      return await reply.header("cache-control", "no-store").send(await pickLists.get(refresh));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log.warn({ error: message }, "console pick lists failed");
      return reply.code(502).send(errorBody(`could not read Gong's users and workspaces: ${message.slice(0, 300)}`));
    }
  };
  app.get("/console/pick-lists", async (_req, reply) => sendPickLists(false, reply));
  app.post("/console/pick-lists/refresh", async (_req, reply) => sendPickLists(true, reply));

  app.get("/console/state", async () => hub.snapshot());

  app.get("/events", async (req, reply) => {
    if (hub.viewers >= MAX_STREAMS) return reply.code(503).header("retry-after", "10").send(errorBody(`${String(MAX_STREAMS)} consoles are open already`));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (typeof value === "string") headers[name] = value;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    req.raw.socket.setNoDelay(true);
    try {
      await hub.attach(res);
    } catch (err) {
      ctx.log.error({ error: err instanceof Error ? err.message : String(err) }, "console stream failed");
      res.end();
    }
  });
}
