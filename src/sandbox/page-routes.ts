import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { SandboxContext } from "./context.js";
import { mediaPath } from "./downloads.js";
import { renderCallList, renderCallPage, renderNotFound } from "./page.js";
import type { StoredCall } from "./store.js";
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

async function sendMedia(call: StoredCall, ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const file = call.media.file;
  if (call.media.state !== "ready" || file === null) return reply.code(404).type("text/plain").send("no media for this call");
  const path = mediaPath(ctx, file);
  const { size } = await stat(path);
  reply.header("accept-ranges", "bytes");
  reply.header("content-type", call.media.contentType ?? "application/octet-stream");
  reply.header("cache-control", "no-store");
  const range = parseRange(request.headers.range, size);
  if (range === null) {
    return reply.code(416).header("content-range", `bytes */${size}`).send();
  }
  if (range === undefined) {
    reply.header("content-length", String(size));
    return reply.code(200).send(request.method === "HEAD" ? undefined : createReadStream(path));
  }
  reply.header("content-range", `bytes ${range.start}-${range.end}/${size}`);
  reply.header("content-length", String(range.end - range.start + 1));
  return reply.code(206).send(request.method === "HEAD" ? undefined : createReadStream(path, { start: range.start, end: range.end }));
}

/** `/` (call list), `/call?id=…` (call page) and `/media/:id` (the stored media, with HTTP Range). No auth: loopback UI. */
export function registerPageRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { store } = ctx;
  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(renderCallList(store.allCalls())));

  app.get("/call", async (request, reply) => {
    const id = (request.query as { id?: unknown }).id;
    const call = typeof id === "string" ? store.getCall(id) : undefined;
    if (!call) return reply.code(404).type("text/html; charset=utf-8").send(renderNotFound(typeof id === "string" ? id : ""));
    let mediaDurationSeconds: number | undefined;
    if (call.media.state === "ready" && call.media.format === "wav" && call.media.file !== null) {
      mediaDurationSeconds = await wavDuration(mediaPath(ctx, call.media.file)).catch(() => undefined);
    }
    const html = renderCallPage({
      call,
      primaryUser: store.getUser(call.primaryUserId)?.user,
      workspace: store.getWorkspace(call.workspaceId),
      mediaDurationSeconds,
    });
    return reply.type("text/html; charset=utf-8").send(html);
  });

  const media = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const id = (request.params as { id?: string }).id ?? "";
    const call = store.getCall(id);
    if (!call) return reply.code(404).type("text/plain").send("call not found");
    return sendMedia(call, ctx, request, reply);
  };
  app.get("/media/:id", media); // fastify adds HEAD
}
