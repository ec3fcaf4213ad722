import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { SandboxContext } from "./context.js";
import { mediaPath } from "./downloads.js";
import { CALLS_LISTED, LIST_PARTIES_SHOWN, PAGE_CSS, PAGE_JS, renderCallList, renderCallPage, renderNotFound, userDisplayName, userIdsToName } from "./page.js";
import type { SandboxStore, StoredCall } from "./store.js";
import { readWavInfo } from "./wav.js";

async function wavDuration(path: string): Promise<number | undefined> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return readWavInfo(buf.subarray(0, bytesRead))?.durationSeconds;
  } finally {
    await fh.close();
  }
}

/** Parses a single `bytes=a-b` range; undefined means "whole file"; null means unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // unsupported forms (several ranges): serve the whole file
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return null;
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

/** The names of the users behind `ids` (unknown ids are left out), each looked up once. */
function userNames(store: SandboxStore, ids: Iterable<string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const id of ids) {
    if (names.has(id)) continue;
    const found = store.getUser(id);
    if (found !== undefined) names.set(id, userDisplayName(found.user));
  }
  return names;
}

/** The size of a stored media file, or undefined when it is gone from disk (then the route answers 404, not 500). */
async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function sendMedia(call: StoredCall, ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const file = call.media.file;
  if (call.media.state !== "ready" || file === null) return reply.code(404).type("text/plain").send("no media for this call");
  const path = mediaPath(ctx, file);
  const size = await sizeOf(path);
  if (size === undefined) return reply.code(404).type("text/plain").send("the media file is missing from the sandbox's data dir");
  const head = request.method === "HEAD";
  reply.header("accept-ranges", "bytes");
  reply.header("content-type", call.media.contentType ?? "application/octet-stream");
  reply.header("cache-control", "no-store");
  const range = parseRange(request.headers.range, size);
  if (range === null) {
    return reply.code(416).header("content-range", `bytes */${size}`).send();
  }
  if (range === undefined) {
    reply.header("content-length", String(size));
    return reply.code(200).send(head ? undefined : createReadStream(path));
  }
  reply.header("content-range", `bytes ${range.start}-${range.end}/${size}`);
  reply.header("content-length", String(range.end - range.start + 1));
  return reply.code(206).send(head ? undefined : createReadStream(path, { start: range.start, end: range.end }));
}

/** A single string query value, or undefined (absent, repeated, or not a string). */
function singleQuery(query: unknown, name: string): string | undefined {
  if (typeof query !== "object" || query === null) return undefined;
  const v = (query as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

/** Longest id looked up: Gong ids have at most 20 digits, so anything much longer cannot be a call. */
const MAX_ID_CHARS = 64;

function lookupCall(store: SandboxStore, id: string | undefined): StoredCall | undefined {
  if (id === undefined || id.length === 0 || id.length > MAX_ID_CHARS) return undefined;
  return store.getCall(id);
}

/**
 * `/` (call list), `/call?id=…` (call page), `/media/:id` (the stored media, GET and HEAD, with HTTP Range) and the
 * pages' stylesheet and script at `/assets/page.css` and `/assets/page.js`. No auth: loopback UI. The pages use no
 * inline script, style or handler, so they work under `script-src 'self'; style-src 'self'; media-src 'self'`.
 */
export function registerPageRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { store } = ctx;
  app.get("/assets/page.css", async (_request, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(PAGE_CSS));
  app.get("/assets/page.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(PAGE_JS),
  );

  app.get("/", async (_request, reply) => {
    const calls = store.latestCalls(CALLS_LISTED);
    const ids = new Set<string>();
    for (const call of calls) for (const id of userIdsToName(call.request.parties.slice(0, LIST_PARTIES_SHOWN))) ids.add(id);
    return reply.type("text/html; charset=utf-8").send(renderCallList(calls, store.countCalls(), userNames(store, ids)));
  });

  app.get("/call", async (request, reply) => {
    const id = singleQuery(request.query, "id");
    const call = lookupCall(store, id);
    if (!call) return reply.code(404).type("text/html; charset=utf-8").send(renderNotFound(id ?? ""));
    let mediaDurationSeconds: number | undefined;
    if (call.media.state === "ready" && call.media.format === "wav" && call.media.file !== null) {
      mediaDurationSeconds = await wavDuration(mediaPath(ctx, call.media.file)).catch(() => undefined);
    }
    const html = renderCallPage({
      call,
      primaryUser: store.getUser(call.primaryUserId)?.user,
      workspace: store.getWorkspace(call.workspaceId),
      mediaDurationSeconds,
      users: userNames(store, userIdsToName(call.request.parties)),
    });
    return reply.type("text/html; charset=utf-8").send(html);
  });

  const media = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const id = (request.params as { id?: string }).id;
    const call = lookupCall(store, id);
    if (!call) return reply.code(404).type("text/plain").send("call not found");
    return sendMedia(call, ctx, request, reply);
  };
  // HEAD has its own route: the one fastify derives from GET would answer Content-Length: 0 (or read the whole file).
  app.get("/media/:id", { exposeHeadRoute: false }, media);
  app.head("/media/:id", media);
}
