/**
 * Gong users by e-mail (emailAddress or one of emailAliases, case-insensitive) and by extension through a user map
 * (a CSV of `extension,email`). The users come from one walk of GET /v2/users, made when a row first needs one and
 * kept for the run.
 */
import { parse } from "csv-parse/sync";
import type { GongClient } from "@gong-connector/client";
import { userSchema } from "@gong-connector/schema";
import { MappingError, RowMappingError, type MappingIssue } from "./errors.js";
import { readSmallTextFile } from "./text-file.js";

/** What the mapping needs of a Gong user. */
export interface DirectoryUser {
  id: string;
  emailAddress?: string | null | undefined;
  emailAliases?: readonly string[] | null | undefined;
  active?: boolean | null | undefined;
}

/** Every Gong user (all pages of GET /v2/users), as the mapping's user look-ups need them. */
export async function directoryUsers(client: GongClient, options: { signal?: AbortSignal | undefined } = {}): Promise<DirectoryUser[]> {
  const out: DirectoryUser[] = [];
  for await (const user of client.paginate("/v2/users", {}, "users", { signal: options.signal, schema: userSchema })) {
    out.push({ id: user.id, emailAddress: user.emailAddress, emailAliases: user.emailAliases, active: user.active });
  }
  return out;
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Users by e-mail address and alias. */
export class UserDirectory {
  private readonly byEmail = new Map<string, DirectoryUser[]>();

  constructor(users: Iterable<DirectoryUser>) {
    for (const user of users) {
      const emails = new Set<string>();
      if (typeof user.emailAddress === "string" && user.emailAddress.trim() !== "") emails.add(emailKey(user.emailAddress));
      for (const alias of user.emailAliases ?? []) if (alias.trim() !== "") emails.add(emailKey(alias));
      for (const email of emails) {
        const list = this.byEmail.get(email);
        if (list === undefined) this.byEmail.set(email, [user]);
        else if (!list.some((u) => u.id === user.id)) list.push(user);
      }
    }
  }

  /** The id of the active user with this e-mail; RowMappingError when there is none, or it is not active. */
  idFor(email: string, via = ""): string {
    const found = this.byEmail.get(emailKey(email)) ?? [];
    const shown = JSON.stringify(email.trim());
    if (found.length === 0) throw new RowMappingError(`${via}no Gong user has the e-mail ${shown} (as emailAddress or in emailAliases)`);
    const active = found.filter((u) => u.active !== false);
    if (active.length === 0) {
      throw new RowMappingError(`${via}the Gong user with the e-mail ${shown} (id ${found[0]?.id ?? "?"}) is not active`);
    }
    if (active.length > 1) {
      throw new RowMappingError(`${via}the e-mail ${shown} belongs to ${active.length} active Gong users (${active.map((u) => u.id).join(", ")}); map the user by id`);
    }
    return (active[0] as DirectoryUser).id;
  }
}

/** A user map: extensions to e-mail addresses, from a CSV file of `extension,email`. */
export interface UserMap {
  file: string;
  byExtension: ReadonlyMap<string, string>;
}

/** Largest user map file read. */
const MAX_USER_MAP_BYTES = 16 * 1024 * 1024;

function userMapError(file: string, issues: MappingIssue[]): MappingError {
  return new MappingError(file, issues, issues.map((i) => `--user-map ${file}${i.line === undefined ? "" : ` line ${i.line}`}: ${i.problem}`).join("\n"));
}

/**
 * Reads a user map: a CSV with two columns, extension and e-mail, one user a line; a first row `extension,email` is a
 * header. Throws MappingError naming the file and line of every problem: a row without two cells, an empty
 * extension, an e-mail without `@`, an extension given twice with different e-mails.
 */
export async function loadUserMap(file: string): Promise<UserMap> {
  const read = await readSmallTextFile(file, MAX_USER_MAP_BYTES, "16 MB");
  if ("problem" in read) throw userMapError(file, [{ field: "--user-map", problem: read.problem }]);
  const text = read.text;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as typeof records;
  } catch (err) {
    throw userMapError(file, [{ field: "--user-map", problem: `is not CSV (${err instanceof Error ? err.message : String(err)})` }]);
  }
  const issues: MappingIssue[] = [];
  const byExtension = new Map<string, string>();
  const lineOf = new Map<string, number>();
  records.forEach(({ record, info }, index) => {
    const line = info.lines;
    const [ext = "", email = ""] = record;
    if (index === 0 && ext.toLowerCase() === "extension" && email.toLowerCase().replace(/[-_ ]/g, "") === "email") return;
    if (record.length !== 2) {
      issues.push({ line, field: "--user-map", problem: `has ${record.length} cells; a line is extension,email` });
      return;
    }
    if (ext === "") issues.push({ line, field: "--user-map", problem: "the extension is empty" });
    else if (!/^\S+@\S+$/.test(email)) issues.push({ line, field: "--user-map", problem: `${JSON.stringify(email)} is not an e-mail address` });
    else {
      const before = byExtension.get(ext);
      if (before !== undefined && emailKey(before) !== emailKey(email)) {
        issues.push({ line, field: "--user-map", problem: `extension ${ext} is already mapped to ${before} (line ${lineOf.get(ext) ?? "?"})` });
      } else if (before === undefined) {
        byExtension.set(ext, email);
        lineOf.set(ext, line);
      }
    }
  });
  if (issues.length > 0) throw userMapError(file, issues.slice(0, 20));
  if (byExtension.size === 0) throw userMapError(file, [{ field: "--user-map", problem: "maps no extension (lines of extension,email)" }]);
  return { file, byExtension };
}
