/** Fault injection, chosen per request: random shares, added latency, and a script of one-off faults. */

export interface FaultConfig {
  /** Share (0..1) of /v2 requests answered 500 before any work. */
  error500: number;
  /** Share (0..1) of /v2 requests answered 503 before any work. */
  error503: number;
  /** Share (0..1) of /v2 requests answered 429 (Retry-After: 1) before any work. */
  error429: number;
  /** Latency added to every /v2 request, in ms. */
  latencyMs: number;
  /** Share (0..1) of POST /v2/calls whose socket is destroyed after the call was stored. */
  dropAfterCommit: number;
  /** Share (0..1) of POST /v2/calls answered 500 after the call was stored. */
  errorAfterCommit: number;
  /** Calls added less than this many ms ago are left out of GET /v2/calls lists (Gong may list new calls late). */
  listDelayMs: number;
}

export type ScriptedFaultKind = "500" | "503" | "429" | "drop" | "drop-after-commit" | "500-after-commit";

export interface ScriptedFault {
  fault: ScriptedFaultKind;
  /** Only requests with this method (default: any). */
  method?: string;
  /**
   * Only requests whose path starts with this (default: any /v2 path). A path under `/oauth2/` targets the OAuth
   * host's token endpoint instead (`/oauth2/generate-customer-token`), which no entry without a path reaches.
   */
  path?: string;
  /** How many matching requests get it (default 1). */
  count?: number;
  /** For "429": the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  error500: 0,
  error503: 0,
  error429: 0,
  latencyMs: 0,
  dropAfterCommit: 0,
  errorAfterCommit: 0,
  listDelayMs: 0,
});

export type BeforeFault = { kind: "status"; status: 500 | 503 | 429; retryAfterSeconds?: number } | { kind: "drop" };
export type AfterCommitFault = "drop" | "500";

export interface FaultStats {
  injected: Record<string, number>;
}

/** Scripted faults whose path starts with this apply to the OAuth host. */
const OAUTH_PREFIX = "/oauth2/";

const BEFORE_KINDS = new Set<ScriptedFaultKind>(["500", "503", "429", "drop"]);

function clampShare(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** A small seedable PRNG (mulberry32), so a fault run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private config: FaultConfig;
  private script: (ScriptedFault & { remaining: number })[] = [];
  private readonly random: () => number;
  readonly stats: FaultStats = { injected: {} };

  constructor(config: Partial<FaultConfig> = {}, random: () => number = Math.random) {
    this.config = { ...NO_FAULTS };
    this.random = random;
    this.set(config);
  }

  get(): { config: FaultConfig; script: ScriptedFault[]; stats: FaultStats } {
    return {
      config: { ...this.config },
      script: this.script.map(({ remaining, ...rest }) => ({ ...rest, count: remaining })),
      stats: { injected: { ...this.stats.injected } },
    };
  }

  /** Merges a partial config (shares clamped to 0..1). */
  set(config: Partial<FaultConfig>): void {
    const next = { ...this.config };
    for (const key of ["error500", "error503", "error429", "dropAfterCommit", "errorAfterCommit"] as const) {
      const v = config[key];
      if (v !== undefined) next[key] = clampShare(v);
    }
    for (const key of ["latencyMs", "listDelayMs"] as const) {
      const v = config[key];
      if (v !== undefined) next[key] = Math.max(0, Number.isFinite(v) ? v : 0);
    }
    this.config = next;
  }

  /** Queues one-off faults, consumed in order by the requests they match. */
  push(entries: readonly ScriptedFault[]): void {
    for (const e of entries) this.script.push({ ...e, remaining: Math.max(1, Math.floor(e.count ?? 1)) });
  }

  reset(): void {
    this.config = { ...NO_FAULTS };
    this.script = [];
    this.stats.injected = {};
  }

  latencyMs(): number {
    return this.config.latencyMs;
  }

  /** Calls added since this instant (ISO) are not listed yet; undefined when every call is listed at once. */
  listedBefore(now = Date.now()): string | undefined {
    return this.config.listDelayMs > 0 ? new Date(now - this.config.listDelayMs).toISOString() : undefined;
  }

  private count(kind: string): void {
    this.stats.injected[kind] = (this.stats.injected[kind] ?? 0) + 1;
  }

  private takeScripted(method: string, path: string, kinds: (k: ScriptedFaultKind) => boolean, oauth = false): ScriptedFault | undefined {
    const i = this.script.findIndex(
      (e) =>
        kinds(e.fault) &&
        (e.method === undefined || e.method.toUpperCase() === method) &&
        (oauth ? e.path?.startsWith(OAUTH_PREFIX) === true && path.startsWith(e.path) : e.path === undefined || path.startsWith(e.path)),
    );
    const entry = this.script[i];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.script.splice(i, 1);
    return entry;
  }

  /** The scripted fault (if any) for a request to the OAuth host's token endpoint, before it is handled. */
  oauthBefore(method: string, path: string): BeforeFault | undefined {
    const scripted = this.takeScripted(method, path, (k) => BEFORE_KINDS.has(k), true);
    if (scripted === undefined) return undefined;
    this.count(scripted.fault);
    if (scripted.fault === "drop") return { kind: "drop" };
    const fault: BeforeFault = { kind: "status", status: Number(scripted.fault) as 500 | 503 | 429 };
    if (scripted.retryAfterSeconds !== undefined) fault.retryAfterSeconds = scripted.retryAfterSeconds;
    return fault;
  }

  /** The scripted fault (if any) for a token endpoint request once its tokens are issued (the answer is then lost). */
  oauthAfterCommit(method: string, path: string): AfterCommitFault | undefined {
    const scripted = this.takeScripted(method, path, (k) => !BEFORE_KINDS.has(k), true);
    if (scripted === undefined) return undefined;
    this.count(scripted.fault);
    return scripted.fault === "drop-after-commit" ? "drop" : "500";
  }

  /** The fault (if any) for a /v2 request before it is handled. */
  before(method: string, path: string): BeforeFault | undefined {
    const scripted = this.takeScripted(method, path, (k) => BEFORE_KINDS.has(k));
    if (scripted !== undefined) {
      this.count(scripted.fault);
      if (scripted.fault === "drop") return { kind: "drop" };
      const fault: BeforeFault = { kind: "status", status: Number(scripted.fault) as 500 | 503 | 429 };
      if (scripted.retryAfterSeconds !== undefined) fault.retryAfterSeconds = scripted.retryAfterSeconds;
      return fault;
    }
    const { error500, error503, error429 } = this.config;
    if (error500 + error503 + error429 <= 0) return undefined;
    const r = this.random();
    let status: 500 | 503 | 429 | undefined;
    if (r < error500) status = 500;
    else if (r < error500 + error503) status = 503;
    else if (r < error500 + error503 + error429) status = 429;
    if (status === undefined) return undefined;
    this.count(String(status));
    return { kind: "status", status };
  }

  /** The fault (if any) for POST /v2/calls once the call is stored. */
  afterCommit(method: string, path: string): AfterCommitFault | undefined {
    const scripted = this.takeScripted(method, path, (k) => !BEFORE_KINDS.has(k));
    if (scripted !== undefined) {
      this.count(scripted.fault);
      return scripted.fault === "drop-after-commit" ? "drop" : "500";
    }
    const { dropAfterCommit, errorAfterCommit } = this.config;
    if (dropAfterCommit + errorAfterCommit <= 0) return undefined;
    const r = this.random();
    if (r < dropAfterCommit) {
      this.count("drop-after-commit");
      return "drop";
    }
    if (r < dropAfterCommit + errorAfterCommit) {
      this.count("500-after-commit");
      return "500";
    }
    return undefined;
  }
}
