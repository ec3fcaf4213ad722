/**
 * Checks every manifest row before anything is sent: the Add call rules (src/schema), the media file
 * (exists, size, format), and clientUniqueIds unique within the manifest.
 */
import { dirname, resolve } from "node:path";
import { mediaFileIssues } from "../client/media-file.js";
import { validateAddCallRequest } from "../schema/index.js";
import { primaryUserProblem, type PrimaryUserStatus } from "../actions/preflight.js";
import { checkMediaRoot, readManifest, resolveMediaPath } from "./manifest.js";
import type { InvalidManifestRow, ManifestFormat, RawManifestRow, RowIssue, ValidManifestRow } from "./types.js";

/** Checks a media file against the push rules (CONTRACT.md §3) with the client's one media check; returns the issues (empty when fine). */
export async function checkMediaFile(absPath: string): Promise<RowIssue[]> {
  const { issues } = await mediaFileIssues(absPath);
  return issues.map((i) => ({ path: i.path, rule: i.rule }));
}

export interface ValidateRowResult {
  valid?: ValidManifestRow;
  invalid?: InvalidManifestRow;
}

/**
 * Validates one raw row (request rules and media file). Duplicates are checked by validateManifest. The media file
 * must be inside `mediaRoot` when given, else inside `manifestDir` (see resolveMediaPath).
 */
export async function validateRow(row: RawManifestRow, manifestDir: string, mediaRoot?: string): Promise<ValidateRowResult> {
  const issues: RowIssue[] = [...row.readIssues];
  const cuid = row.request?.clientUniqueId;
  const clientUniqueId = typeof cuid === "string" ? cuid : undefined;
  let request: Record<string, unknown> | undefined;
  if (row.request !== undefined) {
    const result = validateAddCallRequest(row.request);
    if (result.ok) request = result.value;
    else issues.push(...result.issues.map((i) => ({ path: i.path, rule: i.rule })));
  }
  let mediaFile: string | undefined;
  if (row.mediaFile !== undefined) {
    const where = await resolveMediaPath(row.mediaFile, manifestDir, mediaRoot);
    mediaFile = where.path;
    if (where.issue !== undefined) issues.push(where.issue);
    else issues.push(...(await checkMediaFile(where.path)));
    if (row.request?.downloadMediaUrl !== undefined) {
      issues.push({ path: "mediaFile", rule: "give either mediaFile or downloadMediaUrl, not both" });
    }
  }
  if (issues.length > 0 || request === undefined || clientUniqueId === undefined) {
    if (issues.length === 0) issues.push({ path: "(root)", rule: "could not be read" });
    return { invalid: clientUniqueId === undefined ? { line: row.line, issues } : { line: row.line, clientUniqueId, issues } };
  }
  const valid: ValidManifestRow = { line: row.line, clientUniqueId, request };
  if (mediaFile !== undefined) valid.mediaFile = mediaFile;
  return { valid };
}

export interface ManifestCheck {
  /** Data rows read (valid + invalid). */
  total: number;
  valid: number;
  invalid: InvalidManifestRow[];
  /** Rows with a media file. */
  withMedia: number;
}

/** An extra check of each otherwise valid row (e.g. its primary user against Gong's users); returns its issues. */
export type RowCheck = (row: ValidManifestRow) => RowIssue[];

/**
 * A RowCheck that refuses rows whose primary user Gong would refuse (409): not among `users`, inactive, or not
 * enabled for call import. `users` comes from one walk of GET /v2/users (listUsers).
 */
export function primaryUserRowCheck(users: Iterable<PrimaryUserStatus & { id: string }>): RowCheck {
  const byId = new Map<string, PrimaryUserStatus>();
  for (const user of users) byId.set(user.id, user);
  return (row) => {
    const id = row.request.primaryUser;
    if (typeof id !== "string") return [];
    const problem = primaryUserProblem(id, byId.get(id));
    return problem === undefined ? [] : [{ path: "primaryUser", rule: problem }];
  };
}

/**
 * Reads and validates the whole manifest. Each valid row is passed to `onValid` (in file order); duplicate
 * clientUniqueIds make every occurrence after the first invalid. Only the ids are kept in memory.
 */
export async function validateManifest(
  path: string,
  opts: {
    format?: ManifestFormat;
    onValid?: (row: ValidManifestRow) => void | Promise<void>;
    checkRow?: RowCheck | undefined;
    /** The directory media files must be in (default: the manifest's). */
    mediaRoot?: string | undefined;
  } = {},
): Promise<ManifestCheck> {
  const manifestDir = dirname(resolve(path));
  const mediaRoot = opts.mediaRoot === undefined ? undefined : await checkMediaRoot(opts.mediaRoot);
  const firstLine = new Map<string, number>();
  const invalid: InvalidManifestRow[] = [];
  let total = 0;
  let valid = 0;
  let withMedia = 0;
  for await (const raw of readManifest(path, opts.format)) {
    total++;
    let result = await validateRow(raw, manifestDir, mediaRoot);
    const extra = result.valid === undefined ? [] : (opts.checkRow?.(result.valid) ?? []);
    if (result.valid !== undefined && extra.length > 0) {
      result = { invalid: { line: result.valid.line, clientUniqueId: result.valid.clientUniqueId, issues: extra } };
    }
    const cuid = result.valid?.clientUniqueId ?? result.invalid?.clientUniqueId;
    if (cuid !== undefined) {
      const first = firstLine.get(cuid);
      if (first !== undefined) {
        const dup: RowIssue = { path: "clientUniqueId", rule: `duplicate clientUniqueId (first on line ${first})` };
        invalid.push(result.invalid ? { ...result.invalid, issues: [...result.invalid.issues, dup] } : { line: raw.line, clientUniqueId: cuid, issues: [dup] });
        continue;
      }
      firstLine.set(cuid, raw.line);
    }
    if (result.invalid) invalid.push(result.invalid);
    else if (result.valid) {
      valid++;
      if (result.valid.mediaFile !== undefined) withMedia++;
      await opts.onValid?.(result.valid);
    }
  }
  return { total, valid, invalid, withMedia };
}

/** One human line per issue: `line 7: parties[0].userId: is required`. */
export function formatInvalidRows(rows: readonly InvalidManifestRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const id = r.clientUniqueId === undefined ? "" : ` (${r.clientUniqueId})`;
    for (const i of r.issues) out.push(`line ${r.line}${id}: ${i.path}: ${i.rule}`);
  }
  return out.join("\n");
}
