import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GongError, GongResponseError, MAX_PAGES, NotFoundError } from "../../src/client/index.js";
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

  it("treats a 404 on GET /v2/calls as an empty result", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 404, { requestId: "nf", errors: ["No calls found corresponding to the provided filters"] });
    });
    expect(await collect(testClient(s.url).paginate("/v2/calls", { fromDateTime: "a", toDateTime: "b" }, "calls"))).toEqual([]);
  });

  it("throws a 404 on other paths", async () => {
    const s = await serve((_req, res) => {
      sendJson(res, 404, { errors: ["nope"] });
    });
    await expect(collect(testClient(s.url).paginate("/v2/users", {}, "users"))).rejects.toBeInstanceOf(NotFoundError);
  });

  it(`stops after ${MAX_PAGES} pages`, async () => {
    const s = await serve((_req, res, i) => {
      sendJson(res, 200, { records: { cursor: `c${i}` }, users: [] });
    });
    await expect(collect(testClient(s.url).paginate("/v2/users", {}, "users"))).rejects.toThrow(GongError);
    expect(s.seen).toHaveLength(MAX_PAGES);
  });
});
