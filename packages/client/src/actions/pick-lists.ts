import type { GongClient } from "../client.js";
import { GongResponseError } from "../errors.js";
import { describeInvalidItem, type InvalidItem } from "../internal/paginate.js";
import { userSchema, workspaceSchema, type GongUser, type Workspace } from "@gong-connector/schema";

export interface PickListOptions {
  signal?: AbortSignal | undefined;
  /**
   * A record Gong sent that is malformed is left out of the list and reported here (default: the client's logger,
   * which the CLI prints on stderr); the valid records are kept.
   */
  onWarning?: ((message: string) => void) | undefined;
}

/** Malformed records named one by one; past this many, they are only counted. */
const NAMED_SKIPS = 10;

interface SkipReporter {
  skip(item: InvalidItem): void;
  /** Reports how many records were left out beyond the ones named. */
  finish(): void;
}

function skipReporter(client: GongClient, options: PickListOptions, endpoint: string): SkipReporter {
  const warn = (message: string): void => {
    if (options.onWarning !== undefined) options.onWarning(message);
    else client.warn(message);
  };
  let skipped = 0;
  return {
    skip: (item) => {
      skipped++;
      if (skipped <= NAMED_SKIPS) warn(`${endpoint}: left out a malformed record, ${describeInvalidItem(item)}`);
    },
    finish: () => {
      if (skipped > NAMED_SKIPS) warn(`${endpoint}: left out ${skipped - NAMED_SKIPS} more malformed records (${skipped} in all)`);
    },
  };
}

export interface UserOption {
  id: string;
  name: string;
  emailAddress?: string;
  active?: boolean;
  /** False when Gong will refuse calls hosted by this user (recording not enabled for call import). */
  callImportEnabled?: boolean;
}

function displayName(user: GongUser): string {
  const name = [user.firstName, user.lastName].filter((p): p is string => typeof p === "string" && p !== "").join(" ");
  return name !== "" ? name : (user.emailAddress ?? user.id);
}

/** Every user (all pages) as a pick list, for the Primary user field. Avatars are left out. */
export async function listUsers(client: GongClient, options: PickListOptions = {}): Promise<UserOption[]> {
  const out: UserOption[] = [];
  const skips = skipReporter(client, options, "GET /v2/users");
  const users = client.paginate("/v2/users", {}, "users", {
    signal: options.signal,
    schema: userSchema,
    onInvalidItem: (item) => {
      skips.skip(item);
    },
  });
  for await (const user of users) {
    out.push({
      id: user.id,
      name: displayName(user),
      ...(typeof user.emailAddress === "string" && { emailAddress: user.emailAddress }),
      ...(typeof user.active === "boolean" && { active: user.active }),
      ...(typeof user.settings?.telephonyCallsImported === "boolean" && { callImportEnabled: user.settings.telephonyCallsImported }),
    });
  }
  skips.finish();
  return out;
}

export interface WorkspaceOption {
  id: string;
  name: string;
  description?: string;
}

/** Every workspace as a pick list, for the Workspace field. */
export async function listWorkspaces(client: GongClient, options: PickListOptions = {}): Promise<WorkspaceOption[]> {
  const response = await client.request({ method: "GET", path: "/v2/workspaces", signal: options.signal });
  const list = typeof response === "object" && response !== null ? (response as { workspaces?: unknown }).workspaces ?? [] : undefined;
  if (!Array.isArray(list)) throw new GongResponseError('GET /v2/workspaces: "workspaces" is not an array', 200);
  const skips = skipReporter(client, options, "GET /v2/workspaces");
  const out: WorkspaceOption[] = [];
  for (const [index, item] of list.entries()) {
    const parsed = workspaceSchema.safeParse(item);
    if (!parsed.success) {
      const problem = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(item)"}: ${i.message}`).join("; ");
      const id = (item as { id?: unknown } | null)?.id;
      skips.skip({ itemsKey: "workspaces", index, page: 1, id: typeof id === "string" && /^[0-9]{1,20}$/.test(id) ? id : undefined, problem });
      continue;
    }
    const w: Workspace = parsed.data;
    out.push({ id: w.id, name: w.name ?? w.id, ...(typeof w.description === "string" && { description: w.description }) });
  }
  skips.finish();
  return out;
}
