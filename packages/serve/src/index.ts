/**
 * The relay: a small service that accepts calls (an HTTP intake API, a watch folder, a console), commits each to
 * disk, and delivers it to Gong exactly once at Gong's pace. Every name here is documented in the package README.
 */
export { startRelay, type Relay, type RelayOptions } from "./internal/server.js";
export { OutboxBindingError, OutboxBusyError, RelaySetupError, WatchFolderBusyError } from "./errors.js";
export type { CallRecord, CallSource, CallStatus } from "./internal/outbox.js";
