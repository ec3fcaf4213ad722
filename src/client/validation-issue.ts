/**
 * Structurally identical to `ValidationIssue` of src/schema; kept here until src/schema/index.ts exports it.
 */
export interface ValidationIssue {
  /** e.g. "parties[0].userId" or "(root)" */
  path: string;
  /** short, e.g. "required" */
  rule: string;
  /** `${path}: ${rule}` */
  message: string;
}
