import type { ZodType } from "zod";
import { GongError, GongResponseError, NotFoundError } from "./errors.js";

/** Pages followed before paginate gives up (CONTRACT.md §1). */
export const MAX_PAGES = 1000;

export type PageFetcher = (query: Record<string, string | undefined>) => Promise<unknown>;

export interface PaginateOptions<T> {
  signal?: AbortSignal | undefined;
  schema?: ZodType<T> | undefined;
  /** A 404 means "no results" (GET /v2/calls). */
  notFoundIsEmpty?: boolean | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readPage(page: unknown, itemsKey: string): { items: unknown[]; cursor: string | undefined } {
  if (!isRecord(page)) throw new GongResponseError("a page is not a JSON object", 200);
  const requestId = typeof page.requestId === "string" ? page.requestId : undefined;
  const items = page[itemsKey] ?? [];
  if (!Array.isArray(items)) throw new GongResponseError(`"${itemsKey}" is not an array`, 200, requestId);
  const records = page.records;
  const cursor = isRecord(records) && typeof records.cursor === "string" && records.cursor !== "" ? records.cursor : undefined;
  return { items, cursor };
}

/**
 * Yields every item of a cursor-paged list: repeats the identical query plus `cursor` from `records.cursor` until
 * a page has none; throws after MAX_PAGES pages.
 */
export async function* paginateWith<T>(
  fetchPage: PageFetcher,
  query: Readonly<Record<string, string | undefined>>,
  itemsKey: string,
  options: PaginateOptions<T> = {},
): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages >= MAX_PAGES) throw new GongError(`pagination stopped after ${MAX_PAGES} pages (the cursor never ended)`);
    let page: unknown;
    try {
      page = await fetchPage(cursor === undefined ? { ...query } : { ...query, cursor });
    } catch (error) {
      if (options.notFoundIsEmpty === true && error instanceof NotFoundError) return;
      throw error;
    }
    const read = readPage(page, itemsKey);
    for (const item of read.items) {
      if (options.schema === undefined) {
        yield item as T;
        continue;
      }
      const parsed = options.schema.safeParse(item);
      if (!parsed.success) throw new GongResponseError(`an item of "${itemsKey}" is invalid: ${parsed.error.message}`, 200);
      yield parsed.data;
    }
    if (read.cursor === undefined) return;
    cursor = read.cursor;
  }
}
