export { buildSandbox } from "./app.js";
export { startSandbox, isLoopbackHost, type RunningSandbox, type StartSandboxOptions } from "./server.js";
export { ALL_SCOPES, type DuplicatesMode, type SandboxContext, type SandboxOptions } from "./context.js";
export { NO_FAULTS, type FaultConfig, type ScriptedFault, type ScriptedFaultKind } from "./faults.js";
export { ADMIN_PREFIX } from "./admin.js";
export { SEED_USERS, SEED_WORKSPACES, DEFAULT_WORKSPACE_ID, SEED_USER_COUNT, SEED_AVATAR_COUNT } from "./seed.js";
export { SandboxError } from "./errors.js";
export { generateConversationWav, readWavInfo, wavHeader, type GeneratedWav, type ToneSegment, type WavOptions } from "./wav.js";
