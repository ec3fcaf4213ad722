export { startSandbox } from "./internal/server.js";
export type {
  DuplicatesMode,
  FaultChange,
  FaultConfig,
  FaultState,
  RunningSandbox,
  SandboxCall,
  SandboxMedia,
  SandboxRequest,
  SandboxScope,
  SandboxSettings,
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
export { parseHost, type HostName } from "./internal/hosts.js";
