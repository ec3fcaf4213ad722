/** The library side of `calls` and `call`: listCalls, getCall, findCallByClientUniqueIdIn against a sandbox over HTTP. */
import { describe, expect, it } from "vitest";
import { callsQuery, findCallByClientUniqueIdIn, getCall, listCalls } from "../../client/src/actions/index.js";
import { GongClient, NotFoundError, ValidationError } from "@gong-connector/client";
import { withSandbox } from "../../../test-support/sandbox.js";

const sandbox = withSandbox();
const client = () => {
  const sb = sandbox();
  return new GongClient({ baseURL: sb.baseUrl, auth: { accessKey: sb.accessKey, accessKeySecret: sb.accessKeySecret } });
};

let counter = 0;
async function add(actualStart: string): Promise<{ callId: string; clientUniqueId: string }> {
  const sb = sandbox();
  const clientUniqueId = `calls-actions-${process.pid}-${++counter}`;
  const res = await sb.api<{ callId: string }>("POST", "/v2/calls", { body: sb.validCall({ clientUniqueId, actualStart }) });
  expect(res.status).toBe(200);
  return { callId: res.body.callId, clientUniqueId };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("callsQuery", () => {
  it("sends whole seconds: the start rounded down, the exclusive end rounded up, so no call in range is left out", () => {
    expect(callsQuery({ fromDateTime: "2025-01-01T10:00:00.900Z", toDateTime: new Date("2025-01-01T11:00:00.100Z") })).toEqual({
      fromDateTime: "2025-01-01T10:00:00Z",
      toDateTime: "2025-01-01T11:00:01Z",
      workspaceId: undefined,
    });
    expect(callsQuery({ fromDateTime: "2025-01-01T12:00:00+02:00", toDateTime: "2025-01-01T12:00:00+01:00" })).toMatchObject({
      fromDateTime: "2025-01-01T10:00:00Z",
      toDateTime: "2025-01-01T11:00:00Z",
    });
  });

  it("names every bad field and its rule", () => {
    const error = (() => {
      try {
        callsQuery({ fromDateTime: "2025-01-01 10:00", toDateTime: new Date(Number.NaN), workspaceId: "Sales" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(["fromDateTime", "toDateTime", "workspaceId"]);
    expect(() => callsQuery({ fromDateTime: "2025-01-02T00:00:00Z", toDateTime: "2025-01-01T00:00:00Z" })).toThrow(
      "toDateTime: must be after fromDateTime",
    );
  });
});

describe("listCalls, getCall, findCallByClientUniqueIdIn", () => {
  it("lists a call that started in the range's last fraction of a second", async () => {
    const call = await add("2025-06-01T10:00:59Z");
    const calls = await collect(listCalls(client(), { fromDateTime: "2025-06-01T10:00:00Z", toDateTime: "2025-06-01T10:00:59.500Z" }));
    expect(calls.map((c) => c.id)).toContain(call.callId);
  });

  it("an empty range yields nothing (Gong's 404)", async () => {
    expect(await collect(listCalls(client(), { fromDateTime: "2001-01-01T00:00:00Z", toDateTime: "2001-01-02T00:00:00Z" }))).toEqual([]);
  });

  it("getCall returns Gong's record; an unknown id is a NotFoundError; a bad id is refused before sending", async () => {
    const call = await add("2025-06-02T10:00:00Z");
    expect(await getCall(client(), call.callId)).toMatchObject({ id: call.callId, clientUniqueId: call.clientUniqueId });
    await expect(getCall(client(), "1234567890123456789")).rejects.toBeInstanceOf(NotFoundError);
    await expect(getCall(client(), "12a")).rejects.toBeInstanceOf(ValidationError);
  });

  it("finds by clientUniqueId among many calls of the same second, exactly", async () => {
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await add("2025-06-03T10:00:00Z"));
    const target = calls[3];
    if (target === undefined) throw new Error("no call");
    const found = await findCallByClientUniqueIdIn(client(), {
      clientUniqueId: target.clientUniqueId,
      fromDateTime: "2025-06-03T09:00:00Z",
      toDateTime: "2025-06-03T11:00:00Z",
    });
    expect(found?.id).toBe(target.callId);
    const missing = await findCallByClientUniqueIdIn(client(), {
      clientUniqueId: `${target.clientUniqueId}-other`,
      fromDateTime: "2025-06-03T09:00:00Z",
      toDateTime: "2025-06-03T11:00:00Z",
    });
    expect(missing).toBeUndefined();
  });
});
