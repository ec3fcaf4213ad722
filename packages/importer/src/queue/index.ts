/**
 * Queue mode: the same import on BullMQ, any number of workers sharing one Redis-held rate limit and daily quota.
 * Needs `bullmq` installed (an optional peer dependency of this package). Every name here is documented in the
 * package README.
 */
export {
  connectionFromUrl,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RATE_KEY,
  JOB_NAME,
  jobIdFor,
  type ImportJobData,
  type ImportJobProgress,
  type ImportJobResult,
} from "../internal/queue/common.js";
export { checkQueueConnection, type QueueReachOptions } from "../internal/queue/reach.js";
export { RedisRateLimiter, type RedisRateLimiterOptions } from "../internal/queue/redis-rate-limiter.js";
export { startImportWorker, type ImportWorkerOptions } from "../internal/queue/worker.js";
export { runQueuedImport, type QueuedImportOptions } from "../internal/queue/producer.js";
