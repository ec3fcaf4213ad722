import type { ZodType } from "zod";
import { GongResponseError, NotFoundError } from "../errors.js";

/** Pages followed before paginate gives up (CONTRACT.md §1). */
export const MAX_PAGES = 1000;

export type PageFetcher = (query: Record<string, string | undefined>) => Promise<unknown>;

/** An item of a paged list that its schema refused. */
export interface InvalidItem {
  /** The list's key, e.g. "users". */
  itemsKey: string;
  /** 0-based position in the whole list (every page counted). */
  index: number;
  /** 1-based page number. */
  page: number;
  /** The item's `id` when it has a usable one. */
  id: string | undefined;
  /** What is wrong, field by field. */
  problem: string;
}

export interface PaginateOptions<T> {
  signal?: AbortSignal | undefined;
  schema?: ZodType<T> | undefined;
  /** A 404 means "no results" (GET /v2/calls). */
  notFoundIsEmpty?: boolean | undefined;
  /** Named in errors, e.g. "GET /v2/users". */
  endpoint?: string | undefined;
  /**
   * What to do with an item the schema refuses: throw GongResponseError naming it (the default), or skip it and
   * report it here, keeping the valid ones.
   */
  onInvalidItem?: ((item: InvalidItem) => void) | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readPage(page: unknown, itemsKey: string, endpoint: string): { items: unknown[]; cursor: string | undefined; requestId: string | undefined } {
  if (!isRecord(page)) throw new GongResponseError(`${endpoint}: a page is not a JSON object`, 200);
  const requestId = typeof page.requestId === "string" ? page.requestId : undefined;
  const items = page[itemsKey] ?? [];
  if (!Array.isArray(items)) throw new GongResponseError(`${endpoint}: "${itemsKey}" is not an array`, 200, requestId);
  const records = page.records;
  const cursor = isRecord(records) && typeof records.cursor === "string" && records.cursor !== "" ? records.cursor : undefined;
  return { items, cursor, requestId };
}

function describeIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "(item)"}: ${i.message}`).join("; ");
}

function idOf(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  const { id } = item;
  return typeof id === "string" && /^[0-9]{1,20}$/.test(id) ? id : undefined;
}

/** "users[17] (page 1, id 123)": names an invalid item for people. */
export function describeInvalidItem(item: InvalidItem): string {
  return `${item.itemsKey}[${item.index}] (page ${item.page}${item.id === undefined ? "" : `, id ${item.id}`}): ${item.problem}`;
}

/**
 * Yields every item of a cursor-paged list: repeats the identical query plus `cursor` from `records.cursor` until
 * a page has none. Stops with GongResponseError when a cursor comes back that was already followed (the list would
 * loop), when two pages in a row hold no items yet name a cursor (no progress), or after MAX_PAGES pages.
 */
export async function* paginateWith<T>(
  fetchPage: PageFetcher,
  query: Readonly<Record<string, string | undefined>>,
  itemsKey: string,
  options: PaginateOptions<T> = {},
): AsyncGenerator<T> {
  const endpoint = options.endpoint ?? "paged list";
  const followed = new Set<string>();
  let cursor: string | undefined;
  let emptyPagesInARow = 0;
  let index = 0;
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES) {
      throw new GongResponseError(`${endpoint}: stopped after ${MAX_PAGES} pages, the cursor never ended`, 200);
    }
    let page: unknown;
    try {
      page = await fetchPage(cursor === undefined ? { ...query } : { ...query, cursor });
    } catch (error) {
      if (options.notFoundIsEmpty === true && error instanceof NotFoundError) return;
      throw error;
    }
    const read = readPage(page, itemsKey, endpoint);
    for (const item of read.items) {
      const at = index++;
      if (options.schema === undefined) {
        yield item as T;
        continue;
      }
      const parsed = options.schema.safeParse(item);
      if (parsed.success) {
        yield parsed.data;
        continue;
      }
      const invalid: InvalidItem = { itemsKey, index: at, page: pages + 1, id: idOf(item), problem: describeIssues(parsed.error) };
      if (options.onInvalidItem === undefined) {
        throw new GongResponseError(`${endpoint}: an item is invalid: ${describeInvalidItem(invalid)}`, 200, read.requestId);
      }
      options.onInvalidItem(invalid);
    }
    if (read.cursor === undefined) return;
    if (followed.has(read.cursor)) {
      throw new GongResponseError(
        `${endpoint}: page ${pages + 1} named a cursor already followed (the list would loop); stopped after ${pages + 1} pages`,
        200,
        read.requestId,
      );
    }
    emptyPagesInARow = read.items.length === 0 ? emptyPagesInARow + 1 : 0;
    if (emptyPagesInARow >= 2) {
      throw new GongResponseError(
        `${endpoint}: pages ${pages} and ${pages + 1} held no ${itemsKey} yet named a next cursor (no progress); stopped`,
        200,
        read.requestId,
      );
    }
    followed.add(read.cursor);
    cursor = read.cursor;
  }
}
