import type { GongClient } from "../client/index.js";
import { userSchema, workspacesResponseSchema, type GongUser, type Workspace } from "../schema/index.js";

export interface PickListOptions {
  signal?: AbortSignal | undefined;
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
  for await (const user of client.paginate("/v2/users", {}, "users", { signal: options.signal, schema: userSchema })) {
    out.push({
      id: user.id,
      name: displayName(user),
      ...(typeof user.emailAddress === "string" && { emailAddress: user.emailAddress }),
      ...(typeof user.active === "boolean" && { active: user.active }),
      ...(typeof user.settings?.telephonyCallsImported === "boolean" && { callImportEnabled: user.settings.telephonyCallsImported }),
    });
  }
  return out;
}

export interface WorkspaceOption {
  id: string;
  name: string;
  description?: string;
}

/** Every workspace as a pick list, for the Workspace field. */
export async function listWorkspaces(client: GongClient, options: PickListOptions = {}): Promise<WorkspaceOption[]> {
  const response = await client.request({
    method: "GET",
    path: "/v2/workspaces",
    schema: workspacesResponseSchema,
    signal: options.signal,
  });
  return response.workspaces.map((w: Workspace) => ({
    id: w.id,
    name: w.name ?? w.id,
    ...(typeof w.description === "string" && { description: w.description }),
  }));
}
