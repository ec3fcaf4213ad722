/** Shared types of the bulk importer. */

/** One data row of a manifest, as read (before validation). */
export interface RawManifestRow {
  /** 1-based line number in the manifest where the row starts. */
  line: number;
  /** The Add call request as read, without `mediaFile`. `undefined` when the row could not be parsed at all. */
  request: Record<string, unknown> | undefined;
  /** `mediaFile` as written in the row (relative to the manifest or absolute). */
  mediaFile?: string;
  /** Problems found while reading (bad JSON, bad CSV cell...), reported like validation issues. */
  readIssues: RowIssue[];
  /**
   * The row does not become a call: the reason of the mapping's filter that skipped it (counted by reason in the
   * summary, listed in the report). `request` may then hold its clientUniqueId only.
   */
  filtered?: string;
}

/**
 * Where the rows of an import come from: the manifest readers by default, or a mapping over any CSV/JSONL export
 * (mappingReader). Called once per pass over the file (the check, then the journal's load).
 */
export type ManifestReader = (path: string) => AsyncIterable<RawManifestRow>;

/** One rule a row breaks. */
export interface RowIssue {
  /** Field path, e.g. `parties[0].userId`, `mediaFile` or `(root)`. */
  path: string;
  /** Short rule, e.g. `required`, `max length 255`. */
  rule: string;
}

/** A manifest row that passed every check. */
export interface ValidManifestRow {
  line: number;
  clientUniqueId: string;
  /** The validated Add call request (Gong field names). */
  request: Record<string, unknown>;
  /** Absolute path of the recording to upload after the call is created. */
  mediaFile?: string;
}

/** A manifest row that breaks at least one rule; it is never sent. */
export interface InvalidManifestRow {
  line: number;
  clientUniqueId?: string;
  issues: RowIssue[];
}

export type ManifestFormat = "jsonl" | "csv";

/** States of a journal row. */
export type RowState = "pending" | "sending" | "created" | "media-sending" | "done" | "failed";
/** States of a row's media upload. */
export type MediaState = "none" | "pending" | "sending" | "done" | "failed";

/** Where a failure happened. */
export type FailureStage = "create" | "media" | "invalid" | "filtered";

/** One failed (or invalid) row, as written to the failure report. */
export interface FailureRecord {
  line: number;
  clientUniqueId: string;
  stage: FailureStage;
  /**
   * HTTP status from Gong, `"invalid"` for a row that never left, `"filtered"` for a row a mapping's filter skipped,
   * or `undefined` for network errors.
   */
  status?: number | "invalid" | "filtered";
  /** Gong's `errors[]` (or the validation issues as `path: rule`). */
  errors: string[];
  requestId?: string;
  /** Our error message (class and text). */
  message: string;
  callId?: string;
}

/** What the importer prints on stdout at the end. */
export interface ImportSummary {
  /** Data rows in the manifest (valid and invalid). */
  total: number;
  /** Rows that reached `done` in this run. */
  done: number;
  /** Rows already `done` in the journal before this run (not sent again). */
  skipped: number;
  /** Rows that failed in this run. */
  failed: number;
  /** Invalid rows (never sent). */
  invalid: number;
  /** Rows (or groups of rows) a mapping's filters skipped: they do not become calls. Only with a mapping. */
  filtered?: number;
  /** `filtered` by the filter's reason. */
  filteredByReason?: Record<string, number>;
  /** Rows not finished because the run was interrupted. */
  pending: number;
  /** Calls created by this run (new callIds). */
  created: number;
  /** Calls that already existed in Gong and were matched by clientUniqueId (409 or lookup). */
  duplicates: number;
  /** Calls found by lookup after an ambiguous failure or an interrupted run. */
  recovered: number;
  /** Media files uploaded in this run. */
  mediaUploaded: number;
  interrupted: boolean;
  /** Times the import waited for the daily quota (Gong's, or the --daily-budget) to reset. */
  quotaWaits: number;
  /** The import stopped because the daily quota was spent (--stop-on-quota): `pending` rows resume on a rerun. */
  quotaStopped: boolean;
  /** When the quota resets (ISO 8601, UTC), when the import stopped for it. */
  resumeAt?: string;
  durationMs: number;
  journal?: string;
  report?: string;
  queue?: string;
}

/** Counters the progress display shows. */
export interface ProgressStats {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  /** The daily quota, when the import knows it. */
  quota?: ProgressQuota;
}

/** Where the daily quota stands, for the progress display's countdown and ETA. */
export interface ProgressQuota {
  /** Requests the import may still send today (its budget). */
  left: number;
  perDay: number;
  /** Epoch ms at which the quota day ends. */
  resetsAt: number;
  /** Length of the quota day in ms (86,400,000 but in tests). */
  dayMs: number;
  /** Requests one row costs, on average (1 without media, 2 with). */
  requestsPerRow: number;
  /** Set while the import waits for the reset: epoch ms at which it resumes. */
  waitingUntil?: number;
}

/**
 * The Gong a journal belongs to: its base URL and the identity of the credentials (the access key, or a hash of the
 * bearer token; never a secret). Rows marked done in a journal are calls in that Gong only.
 */
export interface GongBinding {
  baseUrl: string;
  /** `key-sha256:<hash of the access key>` or `bearer-sha256:<hash of the token>`. */
  identity: string;
  /** How the identity is shown: `key sbx_ab…` or `bearer token sha256:1a2b3c4d…`. */
  label: string;
}
