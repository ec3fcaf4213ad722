/** What the relay's parts (API, console, watch folder, metrics) share. */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { EventEmitter } from "node:events";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { GongClient } from "@gong-connector/client";
import type { DeliveryEvent } from "./delivery.js";
import type { Intake } from "./intake.js";
import type { Outbox } from "./outbox.js";

/** One request to Gong, as the client reports it (for metrics and the console's rate). */
export interface GongAttempt {
  method: string;
  path: string;
  /** HTTP status, or undefined when no answer came (network error, timeout). */
  status: number | undefined;
  ms: number;
}

export interface RelayEvents {
  delivery: [DeliveryEvent];
  gong: [GongAttempt];
}

/** Where the daily request budget stands. */
export interface QuotaInfo {
  spent: number;
  perDay: number;
  /** Epoch ms of the next reset. */
  resetsAt: number;
  /** Epoch ms until which delivery waits for the reset, when it does. */
  pausedUntil?: number | undefined;
}

export interface RelayContext {
  app: FastifyInstance;
  outbox: Outbox;
  intake: Intake;
  client: GongClient;
  events: EventEmitter<RelayEvents>;
  log: Logger;
  dataDir: string;
  /** The relay's base URL (http://host:port), known once it listens. */
  url(): string;
  /** The daily quota, when the client's limiter keeps one. */
  quota(): Promise<QuotaInfo | undefined>;
  /** True once the relay stops accepting (SIGTERM). */
  draining(): boolean;
  auth: RelayAuth;
}

/** The intake token and the console's session cookie derived from it. */
export class RelayAuth {
  static readonly COOKIE = "gc_session";
  readonly #tokenHash: Buffer;
  readonly #session: string;

  constructor(token: string) {
    this.#tokenHash = createHash("sha256").update(token).digest();
    // The session cookie is a MAC of the token: it survives restarts and dies when the token changes.
    this.#session = createHmac("sha256", token).update("gong-connector console session v1").digest("base64url");
  }

  /** True when `candidate` is the token (compared in constant time). */
  isToken(candidate: string): boolean {
    return timingSafeEqual(createHash("sha256").update(candidate).digest(), this.#tokenHash);
  }

  /** The cookie value a successful console login sets. */
  sessionValue(): string {
    return this.#session;
  }

  isSession(candidate: string): boolean {
    const a = createHash("sha256").update(candidate).digest();
    const b = createHash("sha256").update(this.#session).digest();
    return timingSafeEqual(a, b);
  }

  /** The request carries `Authorization: Bearer <token>` or the console's session cookie. */
  allows(req: FastifyRequest, cookieValue: string | undefined): boolean {
    const header = req.headers.authorization;
    if (typeof header === "string") {
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      return m?.[1] !== undefined && this.isToken(m[1]);
    }
    return cookieValue !== undefined && this.isSession(cookieValue);
  }
}
