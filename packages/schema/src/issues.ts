/** One broken rule: where, and which rule. Shared by the schema's validation and the client's refusals. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `parties[0].userId`; `(root)` for the request itself. */
  path: string;
  /** The rule that failed, e.g. `must be at most 255 characters`. */
  rule: string;
  /** `${path}: ${rule}` */
  message: string;
}

/** The issues as an indented list, one `  - path: rule` line each. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `  - ${i.message}`).join("\n");
}
