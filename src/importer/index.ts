/** Bulk import of calls into Gong: manifests, journal, scheduler, progress, report, and queue mode. */
export * from "./types.js";
export {
  checkManifestFile,
  checkMediaRoot,
  CSV_TOP_LEVEL_FIELDS,
  ManifestError,
  MAX_COLUMN_INDEX,
  MAX_JSON_DEPTH,
  MAX_LINE_BYTES,
  manifestFormatFor,
  parseColumnPath,
  parseCsvHeader,
  readCsvManifest,
  readJsonlManifest,
  readManifest,
  readManifestLines,
  resolveMediaPath,
  RESERVED_KEYS,
  rowFromCells,
  type CsvColumn,
} from "./manifest.js";
export {
  checkMediaFile,
  formatInvalidRows,
  INVALID_SAMPLE,
  ManifestRows,
  primaryUserRowCheck,
  validateManifest,
  validateRow,
  type ManifestCheck,
  type RowCheck,
  type ValidateManifestOptions,
} from "./validate.js";
export {
  defaultJournalPath,
  gongBinding,
  Journal,
  JournalBindingError,
  JournalBusyError,
  JournalWriteError,
  secretRedactor,
  secretsOf,
  type ErrorInfo,
  type GongBinding,
  type JournalCounts,
  type JournalOptions,
  type JournalRow,
} from "./journal.js";
export {
  checkReportPath,
  failuresToCsv,
  failuresToJsonl,
  failureToJsonLine,
  invalidToFailures,
  REPORT_COLUMNS,
  reportFormatFor,
  writeFailureReport,
  type ImportInput,
} from "./report.js";
export { barProgress, defaultProgress, fmtDuration, lineProgress, quotaEtaSeconds, silentProgress, type ProgressReporter } from "./progress.js";
export {
  errorDetails,
  isAbort,
  isPermanent,
  runTask,
  TaskError,
  type CallSender,
  type CallTask,
  type CreatedInfo,
  type ErrorDetails,
  type TaskHooks,
  type TaskOutcome,
  type TaskResume,
} from "./task.js";
export { senderFromClient, type SenderOptions } from "./sender.js";
export {
  emptySummary,
  FAILURE_SAMPLE,
  loadManifestIntoJournal,
  quotaError,
  reportRecords,
  runImport,
  type ImportOptions,
  type ImportResult,
  type QuotaPolicy,
  type QuotaWait,
} from "./scheduler.js";
export {
  connectionFromUrl,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RATE_KEY,
  jobIdFor,
  type ImportJobData,
  type ImportJobProgress,
  type ImportJobResult,
} from "./queue/common.js";
export { RedisRateLimiter, type RedisRateLimiterOptions } from "./queue/redis-rate-limiter.js";
export { ForeignJobError, processImportJob, QuotaPauseError, startImportWorker, type ImportWorkerOptions } from "./queue/worker.js";
export { runQueuedImport, type QueuedImportOptions } from "./queue/producer.js";
