import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GongError, GongResponseError, NotFoundError, type InvalidItem } from "../src/index.js";
import { MAX_PAGES } from "../src/internal/paginate.js";
import { testClient } from "./helpers/client.js";
import { sendJson, scriptServerPerTest } from "./helpers/script-server.js";

const serve = scriptServerPerTest();

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("GongClient.paginate", () => {
  it("follows records.cursor, repeating the identical query plus cursor", async () => {
    const s = await serve((req, res) => {
      const cursor = new URL(req.url ?? "/", "http://x").searchParams.get("cursor");
      if (cursor === null) sendJson(res, 200, { requestId: "a", records: { totalRecords: 3, cursor: "c1" }, users: [{ id: 1 }, { id: 2 }] });
      else sendJson(res, 200, '{"requestId":"b","records":{"totalRecords":3},"users":[{"id":7782342274025937895}]}');
    });
    const users = await collect(testClient(s.url).paginate("/v2/users", { includeAvatars: "false" }, "users"));
    expect(users).toEqual([{ id: "1" }, { id: "2" }, { id: "7782342274025937895" }]);
    expect(s.seen.map((r) => r.url)).toEqual(["/v2/users?includeAvatars=false", "/v2/users?includeAvatars=false&cursor=c1"]);
  });

  it("validates items with the schema", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 200, { records: {}, users: [{ id: "1", extra: true }, { nope: 1 }] });
    });
    const schema = z.looseObject({ id: z.string() });
    const it = testClient(s.url).paginate("/v2/users", {}, "users", { schema });
    await expect(collect(it)).rejects.toBeInstanceOf(GongResponseError);
  });

  it("treats a 404 as an empty result when asked (notFoundIsEmpty), whatever the path; otherwise throws it", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 404, { requestId: "nf", errors: ["No calls found corresponding to the provided filters"] });
    });
    const client = testClient(s.url);
    expect(await collect(client.paginate("/v2/calls", { fromDateTime: "a", toDateTime: "b" }, "calls", { notFoundIsEmpty: true }))).toEqual([]);
    expect(await collect(client.paginate("/v2/anything", {}, "items", { notFoundIsEmpty: true }))).toEqual([]);
    await expect(collect(client.paginate("/v2/calls", { fromDateTime: "a", toDateTime: "b" }, "calls"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("throws a 404 on other paths", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 404, { errors: ["nope"] });
    });
    await expect(collect(testClient(s.url).paginate("/v2/users", {}, "users"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it(`stops after ${MAX_PAGES} pages`, async () => {
    const s = await serve((_req, res, i) => {
      sendJson(res, 200, { records: { cursor: `c${i}` }, users: [{ id: String(i + 1) }] });
    });
    const error = await collect(testClient(s.url).paginate("/v2/users", {}, "users")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as GongError).exitCode).toBe(4);
    expect((error as Error).message).toContain(`GET /v2/users: stopped after ${MAX_PAGES} pages`);
    expect(s.seen).toHaveLength(MAX_PAGES);
  });

  it.each([
    ["the previous one", ["c1", "c1"], 2],
    ["an earlier one", ["c1", "c2", "c3", "c1"], 4],
  ])("stops at once when a cursor repeats %s", async (_name, cursors, pages) => {
    const s = await serve((_req, res, i) => {
      sendJson(res, 200, { requestId: `r${i}`, records: { cursor: cursors[i] ?? `fresh${i}` }, users: [{ id: String(i + 1) }] });
    });
    const error = await collect(testClient(s.url).paginate("/v2/users", {}, "users")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as Error).message).toContain("GET /v2/users");
    expect((error as Error).message).toContain("cursor already followed");
    expect(s.seen).toHaveLength(pages);
  });

  it("accepts one empty page with a cursor, stops at the second in a row", async () => {
    const once = await serve((_req, res, i) => {
      const pages = [{ records: { cursor: "a" }, users: [{ id: "1" }] }, { records: { cursor: "b" }, users: [] }, { records: {}, users: [{ id: "2" }] }];
      sendJson(res, 200, pages[i] ?? {});
    });
    expect(await collect(testClient(once.url).paginate("/v2/users", {}, "users"))).toEqual([{ id: "1" }, { id: "2" }]);
    await once.close();
    const twice = await serve((_req, res, i) => {
      sendJson(res, 200, { records: { cursor: `e${i}` }, users: [] });
    });
    const error = await collect(testClient(twice.url).paginate("/v2/users", {}, "users")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as Error).message).toContain("no progress");
    expect(twice.seen).toHaveLength(2);
  });

  it("names the invalid item (index across pages, id, field) or, when asked, skips it and keeps the others", async () => {
    const s = await serve((req, res) => {
      const cursor = new URL(req.url ?? "/", "http://x").searchParams.get("cursor");
      if (cursor === null) sendJson(res, 200, { records: { cursor: "p2" }, users: [{ id: "1" }, { id: "2" }] });
      else sendJson(res, 200, { records: {}, users: [{ id: "3" }, { id: "4", name: 5 }, { id: "5" }] });
    });
    const schema = z.looseObject({ id: z.string(), name: z.string().optional() });
    const error = await collect(testClient(s.url).paginate("/v2/users", {}, "users", { schema })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GongResponseError);
    expect((error as Error).message).toContain("users[3] (page 2, id 4): name:");
    const skipped: InvalidItem[] = [];
    const kept = await collect(testClient(s.url).paginate("/v2/users", {}, "users", { schema, onInvalidItem: (i) => skipped.push(i) }));
    expect(kept.map((u) => u.id)).toEqual(["1", "2", "3", "5"]);
    expect(skipped).toMatchObject([{ itemsKey: "users", index: 3, page: 2, id: "4" }]);
    expect(skipped[0]?.problem).toMatch(/^name: /);
  });
});
