/** An OAuth token pair as Gong's OAuth host issued it, with what the client needs to use it. */
export interface OAuthTokens {
  accessToken: string;
  /** Single-use: every refresh returns a new one and voids this one. */
  refreshToken: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
  /** When this pair was obtained, in milliseconds since the epoch (of two copies of a connection, the newer wins). */
  obtainedAt: number;
  /** The scopes granted, e.g. ["api:calls:create", "api:users:read"]. */
  scopes: string[];
  /** `api_base_url_for_customer`: the customer's own API host, e.g. https://us-49467.api.gong.io. */
  apiBaseUrl: string;
}

export interface StoreCallOptions {
  signal?: AbortSignal | undefined;
}

/**
 * Where one Gong connection (one customer's token pair) is kept. A refresh runs inside `withLock`: it loads the pair,
 * refreshes it unless someone else already has, and saves the new pair before using it. The lock must exclude every
 * process that shares the store (a file lock on one machine, a Redis lock across machines).
 */
export interface TokenStore {
  /** The current pair, or undefined when the connection has none (nobody logged in). */
  load(options?: StoreCallOptions): Promise<OAuthTokens | undefined>;
  /** Replaces the pair, atomically (a reader sees the old pair or the new one, never a mix). */
  save(tokens: OAuthTokens, options?: StoreCallOptions): Promise<void>;
  /** Runs `fn` holding the store's lock; releases it however `fn` ends. */
  withLock<T>(fn: () => Promise<T>, options?: StoreCallOptions): Promise<T>;
}

/** An OAuth connection: the app's credentials and the store of the customer's tokens. */
export interface OAuthConnection {
  clientId: string;
  clientSecret: string;
  store: TokenStore;
  /** Gong's OAuth host (default https://app.gong.io); https unless loopback. */
  oauthURL?: string | undefined;
}

export interface OAuthAuth {
  oauth: OAuthConnection;
}
