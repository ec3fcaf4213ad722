/** What a test can see and change in a running sandbox: shared by the admin API and RunningSandbox's methods. */
import { formatGongDateTime } from "@gong-connector/schema";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { FaultState, SandboxCall, SandboxRequest, SandboxSettings, SandboxTokens } from "../types.js";
import type { SandboxContext } from "./context.js";
import type { DownloadQueue } from "./downloads.js";
import { MAX_TOKEN_TTL_SECONDS, OAUTH_SCOPES } from "./oauth.js";
import type { ScriptedFault } from "./faults.js";
import type { SandboxUser } from "./seed.js";
import type { StoredCall } from "./store.js";
import { callUrl } from "./views.js";

/** A change a test asked for breaks a rule; `issues` name the field and the rule. */
export class InvalidChange extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(issues.join("; "));
    this.name = "InvalidChange";
    this.issues = issues;
  }
}

const share = z.number().min(0).max(1);
const faultsChange = z.strictObject({
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
        method: z.string().max(32).optional(),
        path: z.string().max(1000).optional(),
        count: z.number().int().min(1).max(1_000_000).optional(),
        retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
      }),
    )
    .max(10_000)
    .optional(),
});

const userChange = z.strictObject({ telephonyCallsImported: z.boolean().optional(), active: z.boolean().optional() });

const settingsChange = z.strictObject({
  duplicates: z.enum(["conflict", "return-existing"]).optional(),
  ratePerSecond: z.number().min(0).optional(),
  ratePerDay: z.number().min(0).optional(),
  daySeconds: z.number().int().min(1).max(86_400).optional(),
  authFailureLimit: z.number().int().min(0).max(10_000).optional(),
  tokenTtlSeconds: z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS).optional(),
  resetRateLimits: z.boolean().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new InvalidChange(r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  return r.data;
}

/** A stored call as tests see it: ids, times, the request as stored and the media's state, sha256 and size. */
export function callView(call: StoredCall, baseUrl: string): SandboxCall {
  const m = call.media;
  return {
    id: call.id,
    clientUniqueId: call.clientUniqueId,
    workspaceId: call.workspaceId,
    primaryUserId: call.primaryUserId,
    started: formatGongDateTime(call.startedMs),
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
    request: call.request,
  };
}

export function faultState(ctx: SandboxContext): FaultState {
  return ctx.faults.get();
}

/** Merges fault shares and delays and queues scripted faults; throws InvalidChange naming what is wrong. */
export function changeFaults(ctx: SandboxContext, change: unknown): FaultState {
  const { script, ...config } = parse(faultsChange, change);
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
  return faultState(ctx);
}

/** Changes a seeded user; undefined when there is no such user. */
export function changeUser(ctx: SandboxContext, id: string, change: unknown): SandboxUser | undefined {
  const c = parse(userChange, change);
  const patch: { telephonyCallsImported?: boolean; active?: boolean } = {};
  if (c.telephonyCallsImported !== undefined) patch.telephonyCallsImported = c.telephonyCallsImported;
  if (c.active !== undefined) patch.active = c.active;
  return ctx.store.updateUser(id, patch);
}

export function settingsView(ctx: SandboxContext): SandboxSettings {
  return {
    duplicates: ctx.settings.duplicates,
    ratePerSecond: ctx.limiter.config.perSecond,
    ratePerDay: ctx.limiter.config.perDay,
    daySeconds: ctx.limiter.config.daySeconds ?? 86_400,
    authFailureLimit: ctx.authFailures.config.limit,
    tokenTtlSeconds: ctx.oauth.tokenTtlSeconds,
  };
}

export function changeSettings(ctx: SandboxContext, change: unknown): SandboxSettings {
  const s = parse(settingsChange, change);
  if (s.duplicates !== undefined) ctx.settings.duplicates = s.duplicates;
  if (s.ratePerSecond !== undefined) ctx.limiter.config.perSecond = s.ratePerSecond;
  if (s.ratePerDay !== undefined) ctx.limiter.config.perDay = s.ratePerDay;
  if (s.daySeconds !== undefined) ctx.limiter.config.daySeconds = s.daySeconds;
  if (s.authFailureLimit !== undefined) ctx.authFailures.config.limit = s.authFailureLimit;
  if (s.tokenTtlSeconds !== undefined) ctx.oauth.tokenTtlSeconds = s.tokenTtlSeconds;
  if (s.resetRateLimits === true) {
    ctx.limiter.reset();
    ctx.authFailures.reset();
  }
  return settingsView(ctx);
}

const issueTokensOptions = z.strictObject({
  scopes: z
    .array(z.string().refine((s) => OAUTH_SCOPES.includes(s), { message: `must be one of ${OAUTH_SCOPES.join(", ")}` }))
    .min(1)
    .max(100)
    .optional(),
  ttlSeconds: z.number().int().min(1).max(MAX_TOKEN_TTL_SECONDS).optional(),
});

/** The scopes of issueTokens() when none are given: the ones the CLI asks for. */
export const DEFAULT_ISSUED_SCOPES: readonly string[] = ["api:calls:create", "api:calls:read:basic", "api:users:read", "api:workspaces:read"];

/** Mints a token pair (RunningSandbox.issueTokens). */
export function issueTokens(ctx: SandboxContext, opts: unknown): SandboxTokens {
  const o = parse(issueTokensOptions, opts);
  return ctx.oauth.issue(o.scopes ?? DEFAULT_ISSUED_SCOPES, o.ttlSeconds ?? ctx.oauth.tokenTtlSeconds);
}

/** How many log entries to return: a whole number from 1 to 10,000 (default 100). */
export function requestLimit(raw: unknown): number {
  if (raw === undefined) return 100;
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new InvalidChange(["limit: must be a whole number from 1 to 10000"]);
  return Math.min(n, 10_000);
}

export function recentRequests(ctx: SandboxContext, limit: number): SandboxRequest[] {
  return ctx.store.recentRequests(limit);
}

/** Stops the downloadMediaUrl fetches under way, then removes every call and its media file; resolves to how many. */
export async function clearCalls(ctx: SandboxContext, downloads: DownloadQueue): Promise<number> {
  await downloads.stopAll();
  const before = ctx.store.countCalls();
  const files = ctx.store.deleteAllCalls();
  await Promise.all(files.map((file) => unlink(join(ctx.store.mediaDir, file)).catch(() => undefined)));
  return before;
}
