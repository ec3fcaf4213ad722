import { GongAbortError, ValidationError } from "../errors.js";
import type { OAuthConnection, OAuthTokens } from "../oauth-types.js";
import { requestTokens, type TokenEndpoint } from "./token-endpoint.js";

/** Refresh when less than this remains of the access token's life (CONTRACT.md §4)… */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * …or, for a token issued for less than twice that, when less than half its life remains: otherwise a token that
 * lives 2 minutes would be refreshed before every request.
 */
export function refreshDue(tokens: OAuthTokens, now = Date.now()): boolean {
  const life = tokens.expiresAt - tokens.obtainedAt;
  const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, life / 2));
  return tokens.expiresAt - now <= margin;
}

/**
 * One client's view of an OAuth connection: the current pair, refreshed before it runs out or after a 401. A refresh
 * is single-flight within the process (one promise) and across processes (the store's lock): whoever takes the lock
 * first refreshes and saves; the others find the new pair in the store and use it.
 */
export class OAuthSession {
  readonly #connection: OAuthConnection;
  readonly #endpoint: TokenEndpoint;
  readonly #onTokens: (tokens: OAuthTokens) => void;
  #current: OAuthTokens | undefined;
  #refreshing: Promise<OAuthTokens> | undefined;

  constructor(connection: OAuthConnection, endpoint: TokenEndpoint, onTokens: (tokens: OAuthTokens) => void) {
    this.#connection = connection;
    this.#endpoint = endpoint;
    this.#onTokens = onTokens;
  }

  /** The pair last loaded or refreshed by this session, if any. */
  get current(): OAuthTokens | undefined {
    return this.#current;
  }

  #use(tokens: OAuthTokens): OAuthTokens {
    this.#onTokens(tokens);
    this.#current = tokens;
    return tokens;
  }

  async #load(signal?: AbortSignal): Promise<OAuthTokens> {
    const tokens = await this.#connection.store.load({ signal });
    if (tokens === undefined) throw ValidationError.of("auth.oauth.store", "holds no OAuth tokens: log in first");
    return tokens;
  }

  /** A pair fit to send: loaded on first use, refreshed when it is about to run out. */
  async tokens(signal?: AbortSignal): Promise<OAuthTokens> {
    const current = this.#current ?? this.#use(await this.#load(signal));
    if (!refreshDue(current)) return current;
    return this.refresh(current.accessToken, signal);
  }

  /**
   * Replaces `staleAccessToken` (about to run out, or refused with 401): under the store's lock, takes the pair in
   * the store when someone else has already replaced it, else refreshes and saves the new pair before returning it.
   */
  refresh(staleAccessToken: string, signal?: AbortSignal): Promise<OAuthTokens> {
    // Shared by every caller, so no caller's signal stops it: a refresh the host has carried out must be saved, or
    // the connection is lost (the old refresh token is void). A caller that aborts stops waiting for it.
    this.#refreshing ??= this.#refreshUnderLock(staleAccessToken).finally(() => {
      this.#refreshing = undefined;
    });
    return abortable(this.#refreshing, signal);
  }

  async #refreshUnderLock(staleAccessToken: string): Promise<OAuthTokens> {
    const store = this.#connection.store;
    const tokens = await store.withLock(async () => {
      const latest = await this.#load();
      if (latest.accessToken !== staleAccessToken && !refreshDue(latest)) return latest;
      this.#onTokens(latest);
      const fresh = await requestTokens(this.#endpoint, { grant_type: "refresh_token", refresh_token: latest.refreshToken }, undefined, latest);
      // Rotation voided the old refresh token: the new pair is saved before anything uses it.
      this.#onTokens(fresh);
      await store.save(fresh);
      return fresh;
    });
    return this.#use(tokens);
  }
}

/** `promise`, or a GongAbortError as soon as `signal` aborts (the work behind `promise` goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new GongAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new GongAbortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
