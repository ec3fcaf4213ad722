/**
 * The intake API (`/v1/calls`): a call as JSON or as multipart (`request` + `mediaFile`, streamed to disk), its
 * status, a retry of a failed one, and the list by status (paged).
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import { MEDIA_MAX_BYTES } from "@gong-connector/schema";
import type { RelayContext } from "./context.js";
import { withSniffedExtension, type IntakeIssue, type IntakeResult } from "./intake.js";
import { CALL_STATUSES, publicRecord, type CallRecord, type CallStatus } from "./outbox.js";

/** The largest JSON body taken: the client's limit for an Add call request (10 MiB). */
export const JSON_BODY_LIMIT = 10 * 1024 * 1024;
const PAGE_DEFAULT = 50;
const PAGE_MAX = 500;

/** The error body of every refusal: a message and, for invalid calls, each issue with its field and rule. */
export function errorBody(error: string, issues?: IntakeIssue[]): { error: string; issues?: IntakeIssue[] } {
  return issues === undefined ? { error } : { error, issues };
}

function statusUrl(ctx: RelayContext, id: string): string {
  return `${ctx.url()}/v1/calls/${encodeURIComponent(id)}`;
}

/** The answer to a call taken in: 202 when new, 200 with its status when it was already there, 400 when invalid. */
export function sendIntakeResult(ctx: RelayContext, reply: FastifyReply, result: IntakeResult): FastifyReply {
  if (!result.ok) return reply.code(400).send(errorBody(`invalid call: ${String(result.issues.length)} issue(s)`, result.issues));
  const id = result.record.clientUniqueId;
  if (result.accepted) return reply.code(202).send({ clientUniqueId: id, status: "queued", statusUrl: statusUrl(ctx, id) });
  return reply.code(200).send({ ...statusDoc(result.record), statusUrl: statusUrl(ctx, id) });
}

/** The status document of a call. */
export function statusDoc(r: CallRecord): Record<string, unknown> {
  return {
    clientUniqueId: r.clientUniqueId,
    status: r.status,
    callId: r.callId,
    errors: r.errors,
    attempts: r.attempts,
    updatedAt: r.updatedAt,
    acceptedAt: r.acceptedAt,
    nextAttemptAt: r.nextAttemptAt,
    lastError: r.lastError,
    source: r.source,
    hasMedia: r.hasMedia,
  };
}

class BadUpload extends Error {
  readonly code: number;
  readonly issues: IntakeIssue[] | undefined;
  constructor(code: number, message: string, issues?: IntakeIssue[]) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

function upload(path: string, rule: string): IntakeIssue[] {
  return [{ path, rule, message: `${path}: ${rule}` }];
}

/** Reads a multipart call: the `request` field (JSON) and the `mediaFile` file streamed to the data directory. */
async function readMultipart(ctx: RelayContext, req: FastifyRequest): Promise<{ request: unknown; mediaPath: string | undefined }> {
  let requestText: string | undefined;
  let mediaPath: string | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === "file") {
        if (part.fieldname !== "mediaFile") {
          part.file.resume();
          throw new BadUpload(400, "invalid call", upload(part.fieldname.slice(0, 64) || "(part)", "unknown file part: send the recording as mediaFile"));
        }
        if (mediaPath !== undefined) throw new BadUpload(400, "invalid call", upload("mediaFile", "give one file only"));
        mediaPath = ctx.intake.incomingPath(part.filename);
        await pipeline(part.file, createWriteStream(mediaPath, { mode: 0o600 }));
        if (part.file.truncated) {
          throw new BadUpload(413, "invalid call", upload("mediaFile", `over the ${String(MEDIA_MAX_BYTES)}-byte (1.5 GB) limit`));
        }
        mediaPath = await withSniffedExtension(mediaPath);
      } else if (part.fieldname === "request") {
        if (requestText !== undefined) throw new BadUpload(400, "invalid call", upload("request", "give one request part only"));
        if (part.valueTruncated) throw new BadUpload(413, "invalid call", upload("request", `over ${String(JSON_BODY_LIMIT)} bytes`));
        requestText = typeof part.value === "string" ? part.value : String(part.value);
      } else {
        throw new BadUpload(400, "invalid call", upload(part.fieldname.slice(0, 64) || "(part)", "unknown part: send request (JSON) and mediaFile (the recording)"));
      }
    }
    if (requestText === undefined) throw new BadUpload(400, "invalid call", upload("request", "required: the Add call request as JSON"));
    let request: unknown;
    try {
      request = JSON.parse(requestText);
    } catch (err) {
      throw new BadUpload(400, "invalid call", upload("request", `not valid JSON (${err instanceof Error ? err.message.slice(0, 200) : "parse error"})`));
    }
    return { request, mediaPath };
  } catch (err) {
    if (mediaPath !== undefined) await rm(mediaPath, { force: true });
    throw err;
  }
}

function multipartError(err: unknown): BadUpload {
  if (err instanceof BadUpload) return err;
  const code = typeof err === "object" && err !== null && "code" in err ? String((err).code) : "";
  if (code === "FST_REQ_FILE_TOO_LARGE") return new BadUpload(413, "invalid call", upload("mediaFile", `over the ${String(MEDIA_MAX_BYTES)}-byte (1.5 GB) limit`));
  if (code.startsWith("FST_")) return new BadUpload(400, `malformed multipart body: ${err instanceof Error ? err.message.slice(0, 200) : code}`);
  if (err instanceof Error && /multipart|boundary|unexpected end/i.test(err.message)) return new BadUpload(400, `malformed multipart body: ${err.message.slice(0, 200)}`);
  throw err;
}

export function registerApi(ctx: RelayContext): void {
  const { app } = ctx;

  app.post("/v1/calls", async (req, reply) => {
    // Only the console's pages hold the session cookie: a call without a Bearer header comes from its form.
    const source = req.headers.authorization === undefined ? "console" : "api";
    if (ctx.draining()) return reply.code(503).header("retry-after", "5").send(errorBody("the relay is stopping: send the call to another instance or again shortly"));
    if (req.isMultipart()) {
      let read: { request: unknown; mediaPath: string | undefined };
      try {
        read = await readMultipart(ctx, req);
      } catch (err) {
        const bad = multipartError(err);
        return reply.code(bad.code).send(errorBody(bad.message, bad.issues));
      }
      const result = await ctx.intake.take({ request: read.request, media: read.mediaPath === undefined ? undefined : { path: read.mediaPath, owned: true }, source });
      return sendIntakeResult(ctx, reply, result);
    }
    const result = await ctx.intake.take({ request: req.body, source });
    return sendIntakeResult(ctx, reply, result);
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>("/v1/calls", async (req, reply) => {
    const q = req.query;
    const one = (name: string): string | undefined => {
      const v = q[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const issues: IntakeIssue[] = [];
    const statusText = one("status");
    let status: CallStatus | undefined;
    if (statusText !== undefined && statusText !== "") {
      if ((CALL_STATUSES as readonly string[]).includes(statusText)) status = statusText as CallStatus;
      else issues.push(...upload("status", `must be one of ${CALL_STATUSES.join(", ")}`));
    }
    const limitText = one("limit");
    let limit = PAGE_DEFAULT;
    if (limitText !== undefined) {
      limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
      if (!(limit >= 1 && limit <= PAGE_MAX)) issues.push(...upload("limit", `must be a whole number from 1 to ${String(PAGE_MAX)}`));
    }
    const cursorText = one("cursor");
    let after: number | undefined;
    if (cursorText !== undefined && cursorText !== "") {
      after = /^\d{1,15}$/.test(cursorText) ? Number(cursorText) : NaN;
      if (!Number.isSafeInteger(after)) issues.push(...upload("cursor", "must be the nextCursor of a previous page"));
    }
    if (issues.length > 0) return reply.code(400).send(errorBody("invalid query", issues));
    const rows = ctx.outbox.list({ status, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      calls: page.map((r) => ({ ...statusDoc(publicRecord(r)), statusUrl: statusUrl(ctx, r.clientUniqueId) })),
      nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null,
    };
  });

  app.get<{ Params: { id: string } }>("/v1/calls/:id", async (req, reply) => {
    const row = ctx.outbox.get(req.params.id);
    if (row === undefined) return reply.code(404).send(errorBody(`no call with clientUniqueId ${JSON.stringify(req.params.id.slice(0, 200))} was accepted here`));
    return statusDoc(publicRecord(row));
  });

  app.post<{ Params: { id: string } }>("/v1/calls/:id/retry", async (req, reply) => {
    const id = req.params.id;
    const before = ctx.outbox.get(id);
    if (before === undefined) return reply.code(404).send(errorBody(`no call with clientUniqueId ${JSON.stringify(id.slice(0, 200))} was accepted here`));
    if (before.status !== "failed") {
      return reply.code(409).send({ ...errorBody(`only a failed call can be retried; this one is ${before.status}`), call: statusDoc(publicRecord(before)) });
    }
    const after = ctx.outbox.retry(id);
    if (after === undefined) return reply.code(404).send(errorBody("the call vanished"));
    ctx.log.info({ clientUniqueId: id }, "call re-queued");
    ctx.intake.notify();
    return reply.code(202).send({ ...statusDoc(publicRecord(after)), statusUrl: statusUrl(ctx, id) });
  });
}
