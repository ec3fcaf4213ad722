/** Queue mode: the same import jobs on BullMQ, one Redis-held rate limit for all workers. Needs `bullmq` installed. */
export {
  connectionFromUrl,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RATE_KEY,
  jobIdFor,
  type ImportJobData,
  type ImportJobProgress,
  type ImportJobResult,
} from "./common.js";
export { RedisRateLimiter, type RedisRateLimiterOptions } from "./redis-rate-limiter.js";
export { ForeignJobError, processImportJob, QuotaPauseError, startImportWorker, type ImportWorkerOptions } from "./worker.js";
export { runQueuedImport, type QueuedImportOptions } from "./producer.js";
