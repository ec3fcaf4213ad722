/**
 * Bulk import of calls into Gong: check a manifest, send its rows at Gong's pace with a resumable journal, write a
 * report of the rows that failed. Queue mode (BullMQ) is on `@gong-connector/importer/queue`. Every name here is
 * documented in the package README.
 */
export { runImport, type ImportOptions, type ImportResult, type QuotaPolicy, type QuotaWait } from "./internal/scheduler.js";
export { senderFromClient, type SenderOptions } from "./internal/sender.js";
export {
  errorDetails,
  isAbort,
  isPermanent,
  quotaError,
  runTask,
  TaskError,
  type CallSender,
  type CallTask,
  type CreatedInfo,
  type ErrorDetails,
  type TaskHooks,
  type TaskOutcome,
  type TaskResume,
} from "./internal/task.js";
export { checkManifestFile, readManifest } from "./internal/manifest.js";
export {
  formatInvalidRows,
  primaryUserRowCheck,
  validateManifest,
  type ManifestCheck,
  type RowCheck,
  type ValidateManifestOptions,
} from "./internal/validate.js";
export {
  defaultJournalPath,
  gongBinding,
  Journal,
  redactorFor,
  type ErrorInfo,
  type JournalCounts,
  type JournalOptions,
  type JournalRow,
} from "./internal/journal.js";
export { checkReportPath, REPORT_COLUMNS, writeFailureReport, type ImportInput } from "./internal/report.js";
export { barProgress, defaultProgress, lineProgress, silentProgress, type ProgressReporter } from "./internal/progress.js";
export { loadMapping, parseMapping, presetPath, PRESETS, type VariableRule, type FieldRule, type FilterRule, type Mapping, type MappingExpression, type RowPick } from "./internal/mapping/load.js";
export { mappingReader, type MappingReader, type MappingReaderOptions, type MappingWarning } from "./internal/mapping/reader.js";
export { directoryUsers, loadUserMap, type DirectoryUser, type UserMap } from "./internal/mapping/users.js";
export { MappingError, type MappingIssue } from "./internal/mapping/errors.js";
export {
  JournalBindingError,
  JournalBusyError,
  JournalFileError,
  JournalWriteError,
  ManifestError,
  QueueConnectionError,
  ReportPathError,
} from "./internal/errors.js";
export type {
  FailureRecord,
  FailureStage,
  GongBinding,
  ImportSummary,
  InvalidManifestRow,
  ManifestFormat,
  ManifestReader,
  MediaState,
  ProgressQuota,
  ProgressStats,
  RawManifestRow,
  RowIssue,
  RowState,
  ValidManifestRow,
} from "./internal/types.js";
