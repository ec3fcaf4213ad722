import { stableGongId } from "./ids.js";

export interface UserSettings {
  webConferencesRecorded: boolean;
  preventWebConferenceRecording: boolean;
  telephonyCallsImported: boolean;
  emailsImported: boolean;
  preventEmailImport: boolean;
  nonRecordedMeetingsImported: boolean;
  gongConnectEnabled: boolean;
}

export interface SandboxUser {
  id: string;
  emailAddress: string;
  created: string;
  active: boolean;
  emailAliases: string[];
  firstName: string;
  lastName: string;
  title: string;
  phoneNumber: string;
  settings: UserSettings;
  managerId?: string;
  spokenLanguages: { language: string; primary: boolean }[];
}

export interface SeedUser {
  user: SandboxUser;
  avatar: boolean;
}

export interface SandboxWorkspace {
  id: string;
  name: string;
  description: string;
}

/**
 * The user of the README's example and of Gong's API reference (`7782342274025937895`): seeded first, active and
 * enabled for call import, so the README's `add-call` works as written against the sandbox.
 */
export const EXAMPLE_USER_ID = "7782342274025937895";

/** Generated users (`sandbox-user-0` …), avatars included. */
export const GENERATED_USER_COUNT = 165;
/** Number of seeded users, avatars included: the example user, then the generated ones. */
export const SEED_USER_COUNT = GENERATED_USER_COUNT + 1;
/** Seeded avatars (synthetic Gong staff), listed only with includeAvatars=true. */
export const SEED_AVATAR_COUNT = 3;

export const SEED_DOMAIN = "sandbox.example.com";

/** Well-known seeded users, by role, for tests and the demo. Ids are stable across runs. */
export const SEED_USERS = {
  /** Recording on, active: the README's example user (EXAMPLE_USER_ID), listed first. */
  example: EXAMPLE_USER_ID,
  /** Recording on, active: the default primary user. */
  host: stableGongId("sandbox-user-0"),
  /** Recording on, active: a second rep. */
  rep: stableGongId("sandbox-user-1"),
  /** settings.telephonyCallsImported = false: POST /v2/calls with this primary user answers 409. */
  recordingDisabled: stableGongId("sandbox-user-2"),
  /** active = false: POST /v2/calls with this primary user answers 409. */
  inactive: stableGongId("sandbox-user-3"),
  /** The first avatar (excluded from /v2/users unless includeAvatars=true). */
  avatar: stableGongId(`sandbox-user-${GENERATED_USER_COUNT - SEED_AVATAR_COUNT}`),
} as const;

export const SEED_WORKSPACES: readonly SandboxWorkspace[] = [
  { id: stableGongId("sandbox-workspace-0"), name: "Sales", description: "Default workspace: calls without workspaceId land here" },
  { id: stableGongId("sandbox-workspace-1"), name: "Customer Success", description: "Post-sale calls" },
  { id: stableGongId("sandbox-workspace-2"), name: "EMEA", description: "Calls of the EMEA team" },
];

export const DEFAULT_WORKSPACE_ID: string = SEED_WORKSPACES[0]?.id ?? stableGongId("sandbox-workspace-0");
