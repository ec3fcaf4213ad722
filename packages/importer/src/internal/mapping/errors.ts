/** Errors of mappings: the mapping file (or the --user-map file) cannot be used; nothing is read or sent. */
import { ManifestError } from "../errors.js";

/** One problem of a mapping file: where (line, field) and what. */
export interface MappingIssue {
  /** 1-based line in the mapping file (absent when the problem is the file as a whole). */
  line?: number;
  /** The mapping's key the problem is in, e.g. `fields.actualStart`, `filters[1].skip`, `timezone`. */
  field: string;
  problem: string;
}

function issueText(file: string, issue: MappingIssue): string {
  const where = issue.line === undefined ? `mapping ${file}` : `mapping ${file} line ${issue.line}`;
  return `${where}, ${issue.field}: ${issue.problem}`;
}

/**
 * A mapping (or a --user-map file) that cannot be used: every problem found, each naming the file's line and the
 * field. A ManifestError, so the command line exits 2 (nothing was read or sent).
 */
export class MappingError extends ManifestError {
  readonly issues: readonly MappingIssue[];
  readonly file: string;
  constructor(file: string, issues: readonly MappingIssue[], message?: string) {
    super(message ?? issues.map((i) => issueText(file, i)).join("\n"));
    Object.defineProperty(this, "name", { value: "MappingError", enumerable: false, configurable: true, writable: false });
    this.file = file;
    this.issues = issues;
  }
}

/** A row the mapping cannot turn into a request: the helper's reason, reported on the field being computed. */
export class RowMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RowMappingError";
  }
}
