/**
 * @gong-connector/sandbox: a local Gong for tests. Importing it is cheap: the server and its database load when
 * startSandbox is first called.
 */
import type { RunningSandbox, StartSandboxOptions } from "./types.js";

/** Starts a sandbox listening on host:port (default 127.0.0.1, any free port); resolves once it accepts connections. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const server = await import("./internal/server.js");
  return server.startSandbox(options);
}

export type {
  DuplicatesMode,
  FaultChange,
  FaultConfig,
  FaultState,
  IssueTokensOptions,
  RunningSandbox,
  SandboxCall,
  SandboxMedia,
  SandboxRequest,
  SandboxScope,
  SandboxSettings,
  SandboxTokenRequest,
  SandboxTokens,
  ScriptedFault,
  ScriptedFaultKind,
  SettingsChange,
  StartSandboxOptions,
  StoredCallRequest,
  StoredContext,
  StoredParty,
  StoredSpeechSegment,
  UserChange,
} from "./types.js";
export { SEED_USERS, SEED_WORKSPACES, DEFAULT_WORKSPACE_ID, type SandboxWorkspace } from "./internal/seed.js";
export { generateConversationWav, type GeneratedWav, type ToneSegment, type WavOptions } from "./internal/wav.js";
export { DataDirError } from "./internal/errors.js";
export { parseHost, type HostName } from "./internal/host-name.js";
