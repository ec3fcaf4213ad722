/**
 * The console's live view: one hub per relay listening to the outbox and the sender, fanning out server-sent events
 * to every open console. A `snapshot` on connect, then `call` events (changes coalesced every FLUSH_MS: a burst of
 * changes to one call is one event), `counts` after changes, `stats` every STATS_MS and a heartbeat comment. A slow
 * client is never buffered for: while its socket is backed up, events are dropped and a fresh snapshot is sent once
 * it drains.
 */
import type { ServerResponse } from "node:http";
import type { RelayContext } from "../context.js";
import type { DeliveryEvent } from "../delivery.js";
import { publicRecord, type CallRecord, type CallStatus, type OutboxChange } from "../outbox.js";
import { callLink } from "./links.js";

const FLUSH_MS = 250;
const STATS_MS = 3_000;
const HEARTBEAT_MS = 15_000;
/** The rate is deliveries over this window, per minute. */
const RATE_WINDOW_MS = 5 * 60_000;
/** Calls in the snapshot's lists. */
const RECENT_LIMIT = 50;
const FAILED_LIMIT = 50;
/** Open consoles at once; more get 503. */
export const MAX_STREAMS = 64;

/** A call as the console shows it: its public record and its Gong call page. */
export interface CallView extends CallRecord {
  link: string | null;
}

export interface Stats {
  counts: Record<CallStatus, number>;
  rate: { perMinute: number; lastMinute: number; windowMinutes: number };
  quota: { spent: number; perDay: number; resetsAt: string; pausedUntil: string | null } | null;
  draining: boolean;
  viewers: number;
  at: string;
}

export interface Snapshot {
  stats: Stats;
  recent: CallView[];
  failed: CallView[];
}

/**
 * One server-sent-events response. Writes go straight to the socket; while it is backed up (a slow client), events
 * are dropped instead of buffered, and once it drains `resync()` gives a fresh snapshot to send in their place.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #resync: () => Promise<unknown>;
  #blocked = false;
  #missed = false;

  constructor(res: ServerResponse, resync: () => Promise<unknown>) {
    this.#res = res;
    this.#resync = resync;
  }

  /** The socket is backed up: events are dropped until it drains (then a snapshot follows). */
  get blocked(): boolean {
    return this.#blocked;
  }

  send(event: string, data: unknown): void {
    if (this.#res.writableEnded || this.#res.destroyed) return;
    if (this.#blocked) {
      this.#missed = true;
      return;
    }
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    if (this.#blocked || this.#res.writableEnded || this.#res.destroyed) return;
    this.#write(`: ${text}\n\n`);
  }

  #write(chunk: string): void {
    if (this.#res.write(chunk)) return;
    this.#blocked = true;
    this.#res.once("drain", () => {
      this.#blocked = false;
      if (!this.#missed) return;
      this.#missed = false;
      this.#resync().then(
        (snapshot) => {
          this.send("snapshot", snapshot);
        },
        () => {
          this.#res.end();
        },
      );
    });
  }

  end(): void {
    this.#res.end();
  }
}

export class LiveHub {
  readonly #ctx: RelayContext;
  readonly #linkBase: string;
  readonly #streams = new Set<SseStream>();
  readonly #pending = new Map<string, CallRecord>();
  /** Delivery times (epoch ms) within the rate window, oldest first. */
  #delivered: number[] = [];
  readonly #startedAt = Date.now();
  #flushTimer: NodeJS.Timeout | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;

  readonly #onChange = (change: OutboxChange): void => {
    this.#pending.set(change.clientUniqueId, change.record);
    if (this.#streams.size > 0) this.#flushTimer ??= setTimeout(() => void this.#flush(), FLUSH_MS);
    else this.#pending.clear();
  };

  readonly #onDelivery = (event: DeliveryEvent): void => {
    if (event.type !== "delivered") return;
    const now = Date.now();
    this.#delivered.push(now);
    this.#prune(now);
  };

  constructor(ctx: RelayContext, linkBase: string) {
    this.#ctx = ctx;
    this.#linkBase = linkBase;
    ctx.outbox.on("change", this.#onChange);
    ctx.events.on("delivery", this.#onDelivery);
  }

  get viewers(): number {
    return this.#streams.size;
  }

  view(record: CallRecord): CallView {
    return { ...record, link: record.callId === null ? null : callLink(this.#linkBase, record.callId) };
  }

  #prune(now: number): void {
    let drop = 0;
    while (drop < this.#delivered.length && (this.#delivered[drop] ?? now) <= now - RATE_WINDOW_MS) drop++;
    if (drop > 0) this.#delivered = this.#delivered.slice(drop);
  }

  async stats(): Promise<Stats> {
    const now = Date.now();
    this.#prune(now);
    const windowMs = Math.min(RATE_WINDOW_MS, Math.max(60_000, now - this.#startedAt));
    const lastMinute = this.#delivered.filter((t) => t > now - 60_000).length;
    const q = await this.#ctx.quota();
    return {
      counts: this.#ctx.outbox.counts(),
      rate: { perMinute: Math.round((this.#delivered.length / (windowMs / 60_000)) * 10) / 10, lastMinute, windowMinutes: Math.round(windowMs / 6_000) / 10 },
      quota:
        q === undefined
          ? null
          : {
              spent: q.spent,
              perDay: q.perDay,
              resetsAt: new Date(q.resetsAt).toISOString(),
              pausedUntil: q.pausedUntil === undefined ? null : new Date(q.pausedUntil).toISOString(),
            },
      draining: this.#ctx.draining(),
      viewers: this.#streams.size,
      at: new Date(now).toISOString(),
    };
  }

  async snapshot(): Promise<Snapshot> {
    const outbox = this.#ctx.outbox;
    return {
      stats: await this.stats(),
      recent: outbox.list({ newestFirst: true, limit: RECENT_LIMIT }).map((r) => this.view(publicRecord(r))),
      failed: outbox.list({ status: "failed", newestFirst: true, limit: FAILED_LIMIT }).map((r) => this.view(publicRecord(r))),
    };
  }

  /** Streams events to `res` (headers already written) until it closes. */
  async attach(res: ServerResponse): Promise<void> {
    const stream = new SseStream(res, () => this.snapshot());
    this.#streams.add(stream);
    res.on("close", () => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0) this.#stopTimers();
    });
    this.#startTimers();
    stream.comment("connected");
    stream.send("snapshot", await this.snapshot());
  }

  #startTimers(): void {
    this.#statsTimer ??= setInterval(() => void this.#broadcastStats(), STATS_MS);
    this.#heartbeatTimer ??= setInterval(() => {
      for (const s of this.#streams) s.comment("heartbeat");
    }, HEARTBEAT_MS);
  }

  #stopTimers(): void {
    clearInterval(this.#statsTimer);
    clearInterval(this.#heartbeatTimer);
    clearTimeout(this.#flushTimer);
    this.#statsTimer = undefined;
    this.#heartbeatTimer = undefined;
    this.#flushTimer = undefined;
    this.#pending.clear();
  }

  async #broadcastStats(): Promise<void> {
    if (this.#streams.size === 0) return;
    try {
      const stats = await this.stats();
      for (const s of this.#streams) s.send("stats", stats);
    } catch (err) {
      this.#ctx.log.warn({ error: err instanceof Error ? err.message : String(err) }, "console stats failed");
    }
  }

  async #flush(): Promise<void> {
    this.#flushTimer = undefined;
    const changed = [...this.#pending.values()];
    this.#pending.clear();
    if (changed.length === 0 || this.#streams.size === 0) return;
    for (const record of changed) {
      const view = this.view(record);
      for (const s of this.#streams) s.send("call", view);
    }
    await this.#broadcastStats();
  }

  /** Ends every stream and stops listening (the relay is closing). */
  close(): void {
    this.#ctx.outbox.off("change", this.#onChange);
    this.#ctx.events.off("delivery", this.#onDelivery);
    this.#stopTimers();
    for (const s of this.#streams) s.end();
    this.#streams.clear();
  }
}
