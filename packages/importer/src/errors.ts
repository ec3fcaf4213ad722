/**
 * The importer's errors alone: this entry point loads no SQLite, CSV parser or queue, so code that only needs to
 * recognise the errors (e.g. to choose an exit code) stays light. The same classes are exported by the main entry.
 */
export {
  JournalBindingError,
  JournalBusyError,
  JournalFileError,
  JournalWriteError,
  ManifestError,
  QueueConnectionError,
  ReportPathError,
} from "./internal/errors.js";
export { MappingError } from "./internal/mapping/errors.js";
