/**
 * The Add call form's pick lists (Gong's users and workspaces), cached: every walk of /v2/users costs quota, so the
 * lists are fetched at most once per `ttlMs` (and on an explicit refresh), and concurrent askers share one walk.
 */
import { listUsers, listWorkspaces, type GongClient, type UserOption, type WorkspaceOption } from "@gong-connector/client";

export interface PickLists {
  users: UserOption[];
  workspaces: WorkspaceOption[];
  /** ISO 8601: when the lists were read from Gong. */
  fetchedAt: string;
}

export class PickListCache {
  readonly #client: GongClient;
  readonly #ttlMs: number;
  #value: { lists: PickLists; at: number } | undefined;
  #loading: Promise<PickLists> | undefined;

  constructor(client: GongClient, ttlMs: number) {
    this.#client = client;
    this.#ttlMs = ttlMs;
  }

  /** The cached lists, read from Gong when missing, older than the TTL, or when `refresh` is asked. */
  async get(refresh = false, now = Date.now()): Promise<PickLists> {
    if (!refresh && this.#value !== undefined && now - this.#value.at < this.#ttlMs) return this.#value.lists;
    this.#loading ??= (async () => {
      try {
        const [users, workspaces] = await Promise.all([listUsers(this.#client), listWorkspaces(this.#client)]);
        const at = Date.now();
        const lists: PickLists = { users, workspaces, fetchedAt: new Date(at).toISOString() };
        this.#value = { lists, at };
        return lists;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}
